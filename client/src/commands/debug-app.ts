// `Reloadable: Debug App`: the config's entry under `reloadable run --watch` with VS Code's JavaScript debugger
// attached. Each version's code carries its source map, so breakpoints set in the .ts files bind in every
// version. The same launch is offered in Run and Debug's list of dynamic configurations.
import { debug, DebugConfigurationProviderTriggerKind, workspace, type DebugConfiguration, type Disposable } from 'vscode';
import { chooseAppEntry, type AppEntry } from './app-entry';

/** The launch configuration of VS Code's Node debugger that runs `app` under the runtime. */
export function debugConfiguration(app: AppEntry): DebugConfiguration {
  const [executable, ...args] = app.command;
  return {
    type: 'node',
    request: 'launch',
    name: `Reloadable: debug ${app.entry}`,
    cwd: app.project,
    runtimeExecutable: executable,
    runtimeArgs: [...args, 'run', app.entry, '--watch'],
    console: 'integratedTerminal',
    autoAttachChildProcesses: true,
    skipFiles: ['<node_internals>/**', '**/node_modules/**'],
  };
}

export async function debugApp(): Promise<void> {
  const app = await chooseAppEntry();
  if (!app) return;
  await debug.startDebugging(workspace.getWorkspaceFolder(app.config), debugConfiguration(app));
}

/** Offers the launch in Run and Debug's list, for the workspace's configs. */
export function registerDebugConfigurations(): Disposable {
  return debug.registerDebugConfigurationProvider(
    'node',
    {
      provideDebugConfigurations: async () => {
        const app = await chooseAppEntry();
        return app ? [debugConfiguration(app)] : [];
      },
    },
    DebugConfigurationProviderTriggerKind.Dynamic,
  );
}
