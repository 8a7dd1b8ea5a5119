import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import type { DiscoveryFile } from '../../src-shared/control-protocol';
import { runningApps } from '../../runtime/src/control/discovery';
import { repoRoot } from './cli';
import { request } from './net';
import { waitUntil } from './wait';

/** A fixture app copied to a temporary folder and run by the real CLI (`reloadable run`) as a child process. */
export class RunningApp {
  stdout = '';
  stderr = '';
  port = 0;

  private constructor(
    readonly dir: string,
    readonly child: ChildProcess,
  ) {}

  static async start(fixture: string, args: string[] = [], entry = 'src/main.ts'): Promise<RunningApp> {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-run-')));
    fs.cpSync(path.join(repoRoot, 'test/fixtures/apps', fixture), dir, { recursive: true });
    return RunningApp.runIn(dir, { args, entry });
  }

  /**
   * Runs `reloadable run <entry>` in `dir`, which the caller owns (`stop` removes it). Without `port` the app
   * must print "listening <port>"; with `port`, a line with "listening" and that port.
   */
  static async runIn(
    dir: string,
    options: { args?: string[]; entry?: string; port?: number; nodeArgs?: string[]; anyOutput?: boolean; env?: Record<string, string> } = {},
  ): Promise<RunningApp> {
    const { args = [], entry = 'src/main.ts', port, nodeArgs = [] } = options;
    const child = spawn(process.execPath, [...nodeArgs, path.join(repoRoot, 'runtime/bin/reloadable.cjs'), 'run', entry, ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', ...(port ? { PORT: String(port) } : {}), ...options.env },
    });
    const app = new RunningApp(dir, child);
    child.stdout!.on('data', (chunk) => (app.stdout += chunk));
    child.stderr!.on('data', (chunk) => (app.stderr += chunk));
    const running = () => /running \(pid/.test(app.stderr);
    if (options.anyOutput && port) {
      // A framework says it listens in words of its own: the port answering is what counts.
      await app.waitFor(running, 'the app to start');
      app.port = port;
      await app.waitForPort();
      return app;
    }
    const listening = () => (port ? new RegExp(`listening\\b.*\\b${port}\\b`) : /listening (\d+)/).exec(app.stdout);
    await app.waitFor(() => listening() !== null && running(), 'the app to listen');
    app.port = port ?? Number(listening()![1]);
    return app;
  }

  /**
   * An ES module app written into a new temporary folder (`files` by path; `prepare` adds what files cannot say, a
   * link, say), run with `entry` on `port`; `stop` removes the folder.
   */
  static async inFolder(
    name: string,
    files: Record<string, string>,
    options: { port: number; entry?: string; prepare?: (dir: string) => void },
  ): Promise<RunningApp> {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `reloadable-${name}-`)));
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    }
    options.prepare?.(dir);
    return RunningApp.runIn(dir, { port: options.port, entry: options.entry ?? 'main.ts', anyOutput: true });
  }

  /** Resolves once the app's port accepts connections. */
  async waitForPort(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const open = await new Promise<boolean>((resolve) => {
        const socket = netConnect(this.port, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      if (open) return;
      if (attempt > 400 || this.child.exitCode !== null) throw new Error(`port ${this.port} never opened:\n${this.stdout}\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  edit(name: string, change: (text: string) => string): void {
    fs.writeFileSync(this.file(name), change(fs.readFileSync(this.file(name), 'utf8')));
  }

  discovery(): DiscoveryFile {
    const app = runningApps(this.dir)[0];
    if (!app) throw new Error(`no discovery file in ${this.dir}\n${this.stderr}`);
    return app;
  }

  /** Resolves once `ready()` holds, checked on every output chunk; rejects after 20 s or when the app exits. */
  waitFor(ready: () => boolean, what: string): Promise<void> {
    return waitUntil(ready, what, {
      events: [
        [this.child.stdout!, 'data'],
        [this.child.stderr!, 'data'],
      ],
      child: this.child,
      context: () => `${this.stdout}\n${this.stderr}`,
    });
  }

  async get<T = any>(pathname: string, agent?: http.Agent): Promise<T> {
    return JSON.parse(await request(this.port, pathname, agent)) as T;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      await once(this.child, 'exit');
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Keep-alive clients requesting in a loop until stopped: every response body and every failure. */
export function startLoad<T = any>(port: number, clients: number, pathname: string | ((agent: http.Agent) => Promise<T>) = '/') {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const send = typeof pathname === 'function' ? pathname : async (via: http.Agent) => JSON.parse(await request(port, pathname, via)) as T;
  const bodies: T[] = [];
  const failures: string[] = [];
  let running = true;
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      try {
        bodies.push(await send(agent));
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  });
  return {
    bodies,
    failures,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return { bodies, failures };
    },
  };
}
