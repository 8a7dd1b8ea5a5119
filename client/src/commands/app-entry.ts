// The app a command starts: the entry of a reloadable.config.json of the workspace (asked when there are several).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { window, workspace, type Uri } from 'vscode';
import { parseConfig } from '../../../src-shared/config';
import { say } from '../errors';

export interface AppEntry {
  config: Uri;
  /** The project folder: the config's. */
  project: string;
  /** The entry as the config writes it, relative to the project. */
  entry: string;
  /** How the runtime is started (`reloadable.runtime.command`), split into words. */
  command: string[];
}

export async function chooseAppEntry(): Promise<AppEntry | undefined> {
  const configs = await workspace.findFiles('**/reloadable.config.json', '**/node_modules/**', 20);
  if (configs.length === 0) {
    void window.showErrorMessage(say.noConfig);
    return undefined;
  }
  const config =
    configs.length === 1 ? configs[0] : (await window.showQuickPick(configs.map((uri) => ({ label: workspace.asRelativePath(uri), uri }))))?.uri;
  if (!config) return undefined;
  let entry: string | undefined;
  try {
    // The config is JSON with comments, validated as everywhere else; its errors name the line and the fix.
    entry = parseConfig(fs.readFileSync(config.fsPath, 'utf8'), config.fsPath).entry;
  } catch (error) {
    void window.showErrorMessage(say.badConfig((error as Error).message));
    return undefined;
  }
  if (!entry) {
    void window.showErrorMessage(say.noEntry(workspace.asRelativePath(config)));
    return undefined;
  }
  const command = workspace.getConfiguration('reloadable', config).get<string>('runtime.command', 'npx reloadable');
  return { config, project: path.dirname(config.fsPath), entry, command: command.split(/\s+/).filter(Boolean) };
}
