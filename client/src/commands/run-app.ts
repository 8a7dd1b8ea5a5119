// `Reloadable: Run App`: the config's entry under `reloadable run --watch`, in a terminal of its own. The
// terminal runs the runtime itself, no shell in between: nothing to quote, and Ctrl+C reaches the app.
import { window, type LogOutputChannel } from 'vscode';
import { say } from '../errors';
import { chooseAppEntry } from './app-entry';

export async function runApp(extensionPath: string, output: LogOutputChannel): Promise<void> {
  const app = await chooseAppEntry(extensionPath);
  if (!app) return;
  const { runtime } = app;
  output.info(say.runsWith(app.entry, runtime.description));
  const terminal = window.createTerminal({
    name: `reloadable run ${app.entry}`,
    cwd: app.project,
    shellPath: runtime.executable,
    shellArgs: [...runtime.args, 'run', app.entry, '--watch'],
    env: runtime.env,
    message: say.runsWith(app.entry, runtime.description),
  });
  terminal.show();
}
