// `Reloadable: Run App`: the config's entry under `reloadable run --watch`, in a terminal.
import { window } from 'vscode';
import { chooseAppEntry } from './app-entry';

export async function runApp(): Promise<void> {
  const app = await chooseAppEntry();
  if (!app) return;
  const terminal = window.createTerminal({ name: `reloadable run ${app.entry}`, cwd: app.project });
  terminal.show();
  terminal.sendText(`${app.command.join(' ')} run ${JSON.stringify(app.entry)} --watch`);
}
