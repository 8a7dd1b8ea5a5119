// Which `reloadable` runs an app from the editor (Run App, Debug App). The workspace's own install comes first
// (node_modules/reloadable-node, found as Node finds a package: in the project's folder or one above it); else
// the runtime this extension ships with. Never a bare `npx <name>`: in a workspace without the package, npx
// fetches and runs whatever the registry has under that name, someone else's code.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The package of the runtime and CLI, as users install it. */
export const runtimePackage = 'reloadable-node';

export interface RuntimeCommand {
  /** The program to start: a Node, or the editor's own binary run as Node. */
  executable: string;
  /** What comes before `run <entry>`. */
  args: string[];
  /** Added to the environment: ELECTRON_RUN_AS_NODE when the editor's binary is the Node. */
  env: Record<string, string>;
  /** Where it came from, for the log and the tests. */
  source: 'setting' | 'workspace' | 'extension';
  /** Which runtime and which Node, said to the user: "the workspace's reloadable-node 0.1.0, on node from the PATH". */
  description: string;
}

export interface RuntimeLookup {
  /** The app's project folder. */
  project: string;
  /** `reloadable.runtime.command`: a command line the user chose, or empty for the automatic choice. */
  setting: string;
  /** The extension's own folder (the VSIX carries a runtime under out/runtime; a development checkout, runtime/). */
  extensionPath: string;
  /** `node` as found on the PATH, if any. */
  nodeOnPath: string | undefined;
  /** The editor's own executable, which runs as Node under ELECTRON_RUN_AS_NODE (VS Code's extension host binary). */
  editorExecutable: string;
}

interface Installed {
  bin: string;
  version: string;
  folder: string;
}

/** The package in `folder` (its package.json names it), with the file of its `reloadable` bin. */
function installedAt(folder: string): Installed | undefined {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8')) as {
      name?: string;
      version?: string;
      bin?: Record<string, string>;
    };
    const bin = manifest.bin?.reloadable;
    if (manifest.name !== runtimePackage || !bin || !fs.existsSync(path.join(folder, bin))) return undefined;
    return { bin: path.join(folder, bin), version: manifest.version ?? '?', folder };
  } catch {
    return undefined;
  }
}

/** The package installed for `project`: in its node_modules or a node_modules above it, as Node resolves it. */
export function workspaceInstall(project: string): Installed | undefined {
  for (let dir = path.resolve(project); ; dir = path.dirname(dir)) {
    const found = installedAt(path.join(dir, 'node_modules', runtimePackage));
    if (found) return found;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The runtime the extension carries: the VSIX's (out/runtime), or a development checkout's package (runtime/). */
export function bundledInstall(extensionPath: string): Installed | undefined {
  return installedAt(path.join(extensionPath, 'out/runtime/node_modules', runtimePackage)) ?? installedAt(path.join(extensionPath, 'runtime'));
}

/** The command that runs the app's runtime, or undefined when there is none (a broken VSIX). */
export function runtimeCommand(lookup: RuntimeLookup): RuntimeCommand | undefined {
  const setting = lookup.setting.trim();
  if (setting) {
    const [executable, ...args] = setting.split(/\s+/);
    return { executable: executable!, args, env: {}, source: 'setting', description: `\`${setting}\` (reloadable.runtime.command)` };
  }
  const workspace = workspaceInstall(lookup.project);
  const installed = workspace ?? bundledInstall(lookup.extensionPath);
  if (!installed) return undefined;
  const node: { executable: string; env: Record<string, string>; words: string } = lookup.nodeOnPath
    ? { executable: lookup.nodeOnPath, env: {}, words: `node from the PATH (${lookup.nodeOnPath})` }
    : { executable: lookup.editorExecutable, env: { ELECTRON_RUN_AS_NODE: '1' }, words: "the editor's own Node (no node on the PATH)" };
  const which = workspace
    ? `the workspace's ${runtimePackage} ${installed.version} (${installed.folder})`
    : `the ${runtimePackage} ${installed.version} this extension ships (none is installed in the workspace)`;
  return {
    executable: node.executable,
    args: [installed.bin],
    env: node.env,
    source: workspace ? 'workspace' : 'extension',
    description: `${which}, on ${node.words}`,
  };
}
