// What the bench's parts share: the tools each installs through npm into one folder, and the apps each runs
// under a contender (a free port, a process group of its own, stopped as a whole).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Installs `versions` (name → version) into `folder` with npm, unless every one of them is there already. */
export function installTools(folder, versions) {
  if (Object.keys(versions).every((name) => existsSync(join(folder, 'node_modules', name, 'package.json')))) return;
  mkdirSync(folder, { recursive: true });
  if (!existsSync(join(folder, 'package.json'))) writeFileSync(join(folder, 'package.json'), '{ "private": true }');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', ...Object.entries(versions).map(([name, version]) => `${name}@${version}`)], {
    cwd: folder,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * `node …args` in `cwd` with `PORT`, in a process group of its own (watchers run the app as their child), its
 * output added to `sink.output` as it comes. `node`: the binary, the bench's own unless another is measured;
 * `env`: more variables for the app.
 */
export function spawnApp(args, cwd, port, sink, node = process.execPath, env = {}) {
  const child = spawn(node, args, {
    cwd,
    env: { ...process.env, PORT: String(port), NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout.on('data', (chunk) => (sink.output += chunk));
  child.stderr.on('data', (chunk) => (sink.output += chunk));
  return child;
}

/** Kills the app's whole group and resolves once the app is gone. */
export async function stopApp(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
  await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve)));
}
