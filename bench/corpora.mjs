// Fetches the benchmark corpora and tools through npm into bench/.corpora and bench/.tools.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const theiaPackages = [
  'core',
  'filesystem',
  'editor',
  'monaco',
  'workspace',
  'navigator',
  'terminal',
  'plugin-ext',
  'debug',
  'preferences',
  'markers',
  'search-in-workspace',
  'scm',
  'output',
  'task',
  'notebook',
  'ai-core',
  'ai-chat',
  'outline-view',
  'process',
];
export const theiaVersion = '1.75.0';
export const tools = { 'dependency-cruiser': '17.4.3', madge: '8.0.0', eslint: '9.39.5', 'typescript-eslint': '8.73.0', typescript: '5.9.3' };

const npm = (args, cwd) => execFileSync('npm', args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

/** @theia/* sources (all the listed packages, or the ones named), as their npm packages ship them, with a tsconfig and Theia's layers. */
export function ensureTheia(folder, packages = theiaPackages) {
  if (existsSync(join(folder, 'reloadable.config.json'))) return;
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(join(folder, 'packages'), { recursive: true });
  for (const name of packages) {
    // A package missing at this version, or shipping no src/, is left out rather than failing the run.
    try {
      const tarball = npm(['pack', '--silent', `@theia/${name}@${theiaVersion}`], folder)
        .trim()
        .split('\n')
        .pop();
      const target = join(folder, 'packages', name);
      mkdirSync(target, { recursive: true });
      execFileSync('tar', ['xzf', tarball, '-C', target, '--strip-components=1', 'package/src'], { cwd: folder, stdio: 'ignore' });
      rmSync(join(folder, tarball));
    } catch {
      process.stderr.write(`bench: @theia/${name}@${theiaVersion} left out (not on npm or no src/)\n`);
    }
  }
  writeFileSync(
    join(folder, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'commonjs',
        moduleResolution: 'node10',
        jsx: 'react',
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        strict: true,
        skipLibCheck: true,
        noEmit: true,
        types: [],
      },
      include: ['packages/*/src'],
    }),
  );
  writeFileSync(
    join(folder, 'reloadable.config.json'),
    JSON.stringify({
      layers: [
        { name: 'common', include: ['packages/*/src/common/**'] },
        { name: 'browser-node', include: ['packages/*/src/browser/**', 'packages/*/src/node/**'] },
        { name: 'electron', include: ['packages/*/src/electron-*/**'] },
      ],
      ignore: ['**/*.spec.ts', '**/*.spec.tsx'],
    }),
  );
}

export function countModules(folder) {
  let count = 0;
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) visit(join(dir, entry.name));
      else if (/\.tsx?$/.test(entry.name) && !/\.d\.ts$|\.spec\.tsx?$/.test(entry.name)) count++;
    }
  };
  visit(folder);
  return count;
}
