// `npm run package [-- --target <vsce target>]`: the VSIX users install. It carries the runtime (the packed
// reloadable-node with its native compilers), so Run App and Debug App work in a workspace that installed
// nothing: natives are built per platform, so the VSIX is too (`vsce package --target`, the machine's own
// platform unless told). `--stage` is vsce's prepublish step: after the production build, the runtime is packed
// and installed, as a user's npm would install it for that platform, into out/runtime.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** vsce's target names, and what npm installs for each (`--os`, `--cpu`, `--libc`). */
const targets = {
  'linux-x64': { os: 'linux', cpu: 'x64', libc: 'glibc' },
  'linux-arm64': { os: 'linux', cpu: 'arm64', libc: 'glibc' },
  'linux-armhf': { os: 'linux', cpu: 'arm', libc: 'glibc' },
  'alpine-x64': { os: 'linux', cpu: 'x64', libc: 'musl' },
  'alpine-arm64': { os: 'linux', cpu: 'arm64', libc: 'musl' },
  'darwin-x64': { os: 'darwin', cpu: 'x64' },
  'darwin-arm64': { os: 'darwin', cpu: 'arm64' },
  'win32-x64': { os: 'win32', cpu: 'x64' },
  'win32-arm64': { os: 'win32', cpu: 'arm64' },
};

/** This machine's target. */
function hostTarget() {
  const musl = process.platform === 'linux' && !process.report.getReport().header.glibcVersionRuntime;
  const arch = process.arch === 'arm' ? 'armhf' : process.arch;
  const target = `${musl ? 'alpine' : process.platform}-${arch}`;
  if (!targets[target]) fail(`no VSIX target for this machine (${process.platform} ${process.arch}): pass one of ${Object.keys(targets).join(', ')}`);
  return target;
}

function fail(message) {
  console.error(`package-vsix: ${message}`);
  process.exit(2);
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env: process.env });
  if (result.status !== 0) fail(`${command} ${args.join(' ')} exited ${result.status}`);
}

/** Packs runtime/ and installs the tarball for the target into out/runtime, as a user's npm would. */
function stage(target) {
  const { os, cpu, libc } = targets[target];
  const folder = join(root, 'out/runtime');
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  run(npm, ['pack', '--pack-destination', folder], join(root, 'runtime'));
  const tarball = readdirSync(folder).find((name) => name.endsWith('.tgz'));
  writeFileSync(join(folder, 'package.json'), '{ "private": true }\n');
  // No install scripts: esbuild's only checks its binary, which may be another platform's here.
  const platform = ['--os', os, '--cpu', cpu, ...(libc ? ['--libc', libc] : [])];
  run(
    npm,
    ['install', '--no-audit', '--no-fund', '--no-package-lock', '--no-bin-links', '--ignore-scripts', '--omit=dev', ...platform, `./${tarball}`],
    folder,
  );
  rmSync(join(folder, tarball));
  // npm's hidden lockfile describes this install only; nothing reads it from the VSIX.
  rmSync(join(folder, 'node_modules/.package-lock.json'), { force: true });
  console.log(`out/runtime: reloadable-node for ${target}`);
}

const args = process.argv.slice(2);
const targetAt = args.indexOf('--target');
const target = targetAt >= 0 ? args[targetAt + 1] : (process.env.RELOADABLE_VSIX_TARGET ?? hostTarget());
if (!targets[target]) fail(`unknown target "${target}": one of ${Object.keys(targets).join(', ')}`);

if (args.includes('--stage')) {
  stage(target);
} else {
  // vsce runs the prepublish script (the production build, then `--stage`), which reads the target from here.
  process.env.RELOADABLE_VSIX_TARGET = target;
  run(npx, ['vsce', 'package', '--no-dependencies', '--no-rewrite-relative-links', '--target', target, '--out', 'out/reloadable.vsix'], root);
}
