// The app a command starts: the entry of a project of the workspace (its reloadable.config.json, or the
// "reloadable" key of its package.json; asked when there are several), and the runtime that runs it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { window, workspace, type Uri } from 'vscode';
import which from 'which';
import { readConfig } from '../../../src-shared/config';
import { say } from '../errors';
import { runtimeCommand, type RuntimeCommand } from '../runtime-command';

export interface AppEntry {
  /** The config file: reloadable.config.json, or the package.json holding the "reloadable" key. */
  config: Uri;
  /** The project folder: the config's. */
  project: string;
  /** The entry as the config writes it, relative to the project. */
  entry: string;
  /** How the runtime is started, and which one it is. */
  runtime: RuntimeCommand;
}

const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined);

/** The workspace's project folders that have a config: a reloadable.config.json, or a package.json with the key. */
async function configuredProjects(): Promise<Uri[]> {
  const exclude = '**/node_modules/**';
  const [configs, manifests] = await Promise.all([
    workspace.findFiles('**/reloadable.config.json', exclude, 50),
    workspace.findFiles('**/package.json', exclude, 200),
  ]);
  const withKey = manifests.filter((uri) => {
    try {
      return readConfig(path.dirname(uri.fsPath), read).configFile === uri.fsPath;
    } catch {
      return true; // a broken "reloadable" key: shown when picked, with its line and fix
    }
  });
  const folders = new Set(configs.map((uri) => path.dirname(uri.fsPath)));
  return [...configs, ...withKey.filter((uri) => !folders.has(path.dirname(uri.fsPath)))];
}

export async function chooseAppEntry(extensionPath: string): Promise<AppEntry | undefined> {
  const configs = await configuredProjects();
  if (configs.length === 0) {
    void window.showErrorMessage(say.noConfig);
    return undefined;
  }
  const config =
    configs.length === 1 ? configs[0] : (await window.showQuickPick(configs.map((uri) => ({ label: workspace.asRelativePath(uri), uri }))))?.uri;
  if (!config) return undefined;
  const project = path.dirname(config.fsPath);
  let entry: string | undefined;
  try {
    // The config is JSON with comments, validated as everywhere else; its errors name the line and the fix.
    entry = readConfig(project, read).config.entry;
  } catch (error) {
    void window.showErrorMessage(say.badConfig((error as Error).message));
    return undefined;
  }
  if (!entry) {
    void window.showErrorMessage(say.noEntry(workspace.asRelativePath(config)));
    return undefined;
  }
  const runtime = runtimeCommand({
    project,
    setting: workspace.getConfiguration('reloadable', config).get<string>('runtime.command', ''),
    extensionPath,
    nodeOnPath: which.sync('node', { nothrow: true }) ?? undefined,
    editorExecutable: process.execPath,
  });
  if (!runtime) {
    void window.showErrorMessage(say.noRuntime);
    return undefined;
  }
  return { config, project, entry, runtime };
}
