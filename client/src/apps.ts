// The apps of the workspace that run under `reloadable run`: found through their discovery files
// (`<project>/.reloadable/<pid>.json`, see docs/control-protocol.md), connected with their token, reconnected when they restart.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventEmitter, workspace, type Disposable } from 'vscode';
import { ControlClient, runningApps } from '../../runtime/src/client';
import type { DiscoveryFile, RuntimeEvent, StatusRequest } from '../../src-shared/control-protocol';

export type AppState =
  | { kind: 'none' }
  | { kind: 'connecting'; discovery: DiscoveryFile }
  | { kind: 'connected'; discovery: DiscoveryFile; client: ControlClient; status: StatusRequest.Result }
  | { kind: 'refused'; discovery: DiscoveryFile; message: string };

/** How often a missing app is looked for again, on top of the file watcher (which misses dot folders on some hosts). */
const rescanMs = 3_000;

export class Apps implements Disposable {
  private readonly changed = new EventEmitter<AppState>();
  private readonly events = new EventEmitter<RuntimeEvent>();
  /** Fires on every state change and every status refresh. */
  readonly onDidChange = this.changed.event;
  /** The runtime's event stream of the connected app. */
  readonly onEvent = this.events.event;
  private state: AppState = { kind: 'none' };
  /** The app the user picked when several run; otherwise the newest. */
  private chosenPid: number | undefined;
  private readonly disposables: Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private scanning = false;
  /** The folders apps may run in, searched once and again only when a config comes or goes. */
  private projects: Promise<string[]> | undefined;

  constructor() {
    const watcher = workspace.createFileSystemWatcher('**/.reloadable/*.json');
    const configs = workspace.createFileSystemWatcher('**/reloadable.config.json', false, true, false);
    const projectsChanged = () => {
      this.projects = undefined;
      void this.scan();
    };
    this.disposables.push(
      watcher,
      watcher.onDidCreate(() => void this.scan()),
      watcher.onDidDelete(() => void this.scan()),
      watcher.onDidChange(() => void this.scan()),
      configs,
      configs.onDidCreate(projectsChanged),
      configs.onDidDelete(projectsChanged),
      workspace.onDidChangeWorkspaceFolders(projectsChanged),
      this.changed,
      this.events,
    );
    this.timer = setInterval(() => {
      if (this.state.kind !== 'connected') void this.scan();
    }, rescanMs);
    void this.scan();
  }

  get current(): AppState {
    return this.state;
  }

  /** Every running app of the workspace's projects, newest first. */
  async list(): Promise<DiscoveryFile[]> {
    this.projects ??= findProjects().catch((error: unknown) => {
      this.projects = undefined;
      throw error;
    });
    const projects = await this.projects;
    return projects.flatMap((project) => runningApps(project)).sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
  }

  /** Drives this app from now on (the quick pick's choice). */
  async choose(discovery: DiscoveryFile): Promise<void> {
    this.chosenPid = discovery.pid;
    if (this.state.kind === 'connected' && this.state.discovery.pid !== discovery.pid) this.state.client.close();
    await this.scan();
  }

  /** Asks the app for its graph again (after a reload, say) and tells the listeners. */
  async refresh(): Promise<void> {
    if (this.state.kind !== 'connected') return;
    try {
      this.state = { ...this.state, status: await this.state.client.status() };
      this.changed.fire(this.state);
    } catch {
      // The connection's close handler takes it from here.
    }
  }

  /** Finds the app to drive and connects to it, unless already connected to it. */
  async scan(): Promise<void> {
    if (this.scanning) return;
    this.scanning = true;
    try {
      const apps = await this.list();
      const target = apps.find((app) => app.pid === this.chosenPid) ?? apps[0];
      if (!target) {
        if (this.state.kind !== 'none') this.set({ kind: 'none' });
        return;
      }
      if (this.state.kind === 'connected' && this.state.discovery.pid === target.pid) return;
      // Refused once, refused again: until the app writes a new token (a restart under the same pid).
      if (this.state.kind === 'refused' && this.state.discovery.pid === target.pid && this.state.discovery.token === target.token) return;
      await this.connect(target);
    } finally {
      this.scanning = false;
    }
  }

  private async connect(discovery: DiscoveryFile): Promise<void> {
    if (this.state.kind === 'connected') this.state.client.close();
    this.set({ kind: 'connecting', discovery });
    let client: ControlClient | undefined;
    try {
      client = await ControlClient.connect(discovery, 'vscode');
      await client.subscribe((event) => this.events.fire(event));
      const status = await client.status();
      const connected = client;
      client.onClose(() => {
        if (this.state.kind === 'connected' && this.state.client === connected) {
          this.set({ kind: 'none' });
          void this.scan();
        }
      });
      this.set({ kind: 'connected', discovery, client, status });
    } catch (error) {
      client?.close();
      // A discovery file whose process is gone is not an app; one that refuses us is worth saying so.
      if (fs.existsSync(discovery.socket)) this.set({ kind: 'refused', discovery, message: (error as Error).message });
      else this.set({ kind: 'none' });
    }
  }

  private set(state: AppState): void {
    this.state = state;
    this.changed.fire(state);
  }

  dispose(): void {
    clearInterval(this.timer);
    if (this.state.kind === 'connected') this.state.client.close();
    for (const disposable of this.disposables) disposable.dispose();
  }
}

/** The workspace folders and every folder with a config: where discovery files may be. */
async function findProjects(): Promise<string[]> {
  const projects = new Set<string>();
  for (const folder of workspace.workspaceFolders ?? []) projects.add(folder.uri.fsPath);
  for (const config of await workspace.findFiles('**/reloadable.config.json', '**/node_modules/**', 50)) projects.add(path.dirname(config.fsPath));
  return [...projects];
}
