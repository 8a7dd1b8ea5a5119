// `Reloadable: Choose the App to Drive`: the quick pick when several apps of the workspace run.
import { window } from 'vscode';
import type { Apps } from '../apps';
import { say } from '../errors';

export async function pickApp(apps: Apps): Promise<void> {
  const running = await apps.list();
  if (running.length === 0) {
    void window.showInformationMessage(say.noAppRunning);
    return;
  }
  const current = apps.current.kind === 'connected' ? apps.current.discovery.pid : undefined;
  const picked = await window.showQuickPick(
    running.map((app) => ({
      label: `${app.pid === current ? '$(check) ' : ''}${app.entry}`,
      description: `pid ${app.pid}`,
      detail: `${app.project}, started ${new Date(app.startedAt).toLocaleString()}`,
      app,
    })),
    { title: 'Reloadable: the app to drive' },
  );
  if (picked) await apps.choose(picked.app);
}
