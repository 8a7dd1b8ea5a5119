// The Node versions the project is tested and measured on besides the one running: Node from the npm registry
// (the `node-<os>-<arch>` packages carry the official binaries), installed once into a tools folder, so neither
// CI nor the bench needs any other download. Used by test/nodes.mjs and the bench's `--nodes`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The newest of each line when this was written, by major. Raise them as new ones come out. */
export const nodeVersions = { 20: '20.20.2', 22: '22.23.5', 24: '24.22.3' };

export const defaultTools = join(import.meta.dirname, '.tools');

/**
 * The node binary of a major version: this process's own when it is that major, else the version above,
 * installed into `tools`/node-<major> from the registry the first time. Throws with the reason when it cannot.
 */
export function nodeBinary(major, tools = defaultTools) {
  if (process.versions.node.split('.')[0] === String(major)) return process.execPath;
  const version = nodeVersions[major];
  if (!version) throw new Error(`Node ${major} is not one the project tests: it tests ${Object.keys(nodeVersions).join(', ')}`);
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  const name = `node-${platform}-${process.arch}`;
  const folder = join(tools, `node-${major}`);
  const binary = join(folder, 'node_modules', name, process.platform === 'win32' ? 'bin/node.exe' : 'bin/node');
  if (existsSync(binary) && spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim() === `v${version}`) return binary;
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'package.json'), '{ "private": true }\n');
  process.stderr.write(`installing ${name}@${version} into ${folder}\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const install = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--no-package-lock', `${name}@${version}`], {
    cwd: folder,
    stdio: 'inherit',
  });
  if (install.status !== 0 || !existsSync(binary))
    throw new Error(`could not install ${name}@${version} from the registry (npm exited ${install.status})`);
  return binary;
}
