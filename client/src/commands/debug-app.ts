// `Reloadable: Debug App`: the config's entry under `reloadable run --watch` with VS Code's JavaScript debugger
// attached. Each version's code carries its source map, so breakpoints set in the .ts files bind in every
// version. The same launch is offered in Run and Debug's list of dynamic configurations.
import { debug, DebugConfigurationProviderTriggerKind, workspace, type DebugConfiguration, type Disposable, type LogOutputChannel } from 'vscode';
import { say } from '../errors';
import { chooseAppEntry, type AppEntry } from './app-entry';

/** The launch configuration of VS Code's Node debugger that runs `app` under the runtime. */
export function debugConfiguration(app: AppEntry): DebugConfiguration {
  const { runtime } = app;
  return {
    type: 'node',
    request: 'launch',
    name: `Reloadable: debug ${app.entry} (${runtime.source === 'workspace' ? "the workspace's runtime" : runtime.source === 'extension' ? "the extension's runtime" : 'reloadable.runtime.command'})`,
    cwd: app.project,
    runtimeExecutable: runtime.executable,
    runtimeArgs: [...runtime.args, 'run', app.entry, '--watch'],
    env: runtime.env,
    console: 'integratedTerminal',
    autoAttachChildProcesses: true,
    skipFiles: ['<node_internals>/**', '**/node_modules/**'],
  };
}

export async function debugApp(extensionPath: string, output: LogOutputChannel): Promise<void> {
  const app = await chooseAppEntry(extensionPath);
  if (!app) return;
  output.info(say.debugsWith(app.entry, app.runtime.description));
  await debug.startDebugging(workspace.getWorkspaceFolder(app.config), debugConfiguration(app));
}

/** Offers the launch in Run and Debug's list, for the workspace's configs. */
export function registerDebugConfigurations(extensionPath: string): Disposable {
  return debug.registerDebugConfigurationProvider(
    'node',
    {
      provideDebugConfigurations: async () => {
        const app = await chooseAppEntry(extensionPath);
        return app ? [debugConfiguration(app)] : [];
      },
    },
    DebugConfigurationProviderTriggerKind.Dynamic,
  );
}
