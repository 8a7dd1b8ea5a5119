// Every command of the extension, by id: the one table `extension.ts` registers and package.json contributes.
import { commands, type Disposable, type LogOutputChannel } from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { Apps } from '../apps';
import type { GraphPanel } from '../graph-panel';
import type { Reloader } from '../reload';
import { debugApp } from './debug-app';
import { pickApp } from './pick-app';
import { runApp } from './run-app';

export interface CommandContext {
  client: LanguageClient;
  output: LogOutputChannel;
  /** The extension's folder: the runtime it ships is there. */
  extensionPath: string;
  apps: Apps;
  reloader: Reloader;
  graph: GraphPanel;
}

export const commandTable: Record<string, (context: CommandContext) => unknown> = {
  'reloadable.restartServer': ({ client }) => client.restart(),
  'reloadable.showOutput': ({ output }) => output.show(true),
  'reloadable.checkWorkspace': () => commands.executeCommand('workbench.actions.view.problems'),
  'reloadable.reload': ({ reloader }) => reloader.reload(),
  'reloadable.showGraph': ({ graph }) => graph.show(),
  'reloadable.pickApp': ({ apps }) => pickApp(apps),
  'reloadable.runApp': ({ extensionPath, output }) => runApp(extensionPath, output),
  'reloadable.debugApp': ({ extensionPath, output }) => debugApp(extensionPath, output),
};

export function registerCommands(context: CommandContext): Disposable[] {
  return Object.entries(commandTable).map(([id, run]) => commands.registerCommand(id, () => run(context)));
}
