// Shapes of real apps' code that a reload must treat as a fresh start of the same sources treats them: each
// test starts a small app written the way such apps are, edits it, reloads, and asks what a fresh start answers.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { describe, it } from 'node:test';
import { ControlClient } from '../../runtime/src/control/client';
import type { ReloadResult } from '../../src-shared/control-protocol';
import { freePort } from '../helpers/net';
import { RunningApp } from '../helpers/running-app';

/** TypeScript compiled to CommonJS, as `tsc` with `module: commonjs` (the package has no `"type"`). */
const commonJs = {
  'package.json': '{ "private": true }\n',
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'commonjs', target: 'es2022', esModuleInterop: true } }),
};

/** Starts the app, runs `steps` with a control client, and stops everything. */
async function withApp(
  name: string,
  files: Record<string, string>,
  steps: (app: RunningApp, reload: () => Promise<ReloadResult>) => Promise<void>,
  entry = 'src/main.ts',
): Promise<void> {
  const app = await RunningApp.inFolder(name, files, { port: await freePort(), entry });
  const client = await ControlClient.connect(app.discovery(), 'test');
  try {
    await steps(app, () => client.reload());
  } finally {
    client.close();
    await app.stop();
  }
}

/** A NestJS-style controller whose decorated parameters are typed with interfaces, imported as values. */
function typedParameters(packageJson: string, module: string, extension: string): Record<string, string> {
  const controller = (label: string) =>
    [
      "import { createServer } from 'node:http';",
      `import { Dto } from './dto${extension}';`,
      `import { Query } from './types${extension}';`,
      'function Body(): ParameterDecorator {',
      '  return () => undefined;',
      '}',
      'class Controller {',
      '  handle(@Body() dto: Dto, @Body() query: Query): string {',
      `    return '${label} ' + dto.name + query.page;`,
      '  }',
      '}',
      'const controller = new Controller();',
      "createServer((req, res) => res.end(JSON.stringify(controller.handle({ name: 'x' }, { page: 1 })))).listen(Number(process.env.PORT));",
    ].join('\n');
  return {
    'package.json': packageJson,
    'tsconfig.json': JSON.stringify({ compilerOptions: { module, target: 'es2022', experimentalDecorators: true, emitDecoratorMetadata: true } }),
    'src/dto.ts': 'export interface Dto {\n  name: string;\n}\n',
    'src/query.ts': 'export type Query = { page: number };\nexport const pageSize = 20;\n',
    'src/types.ts': `export * from './query${extension}';\n`,
    'src/main.ts': controller('v1'),
    'v2.ts': controller('v2'),
  };
}

/** A barrel (`export * from`) between the entry and a module that gains a name in an edit. */
function barrel(packageJson: string, module: string, extension: string): Record<string, string> {
  return {
    'package.json': packageJson,
    'tsconfig.json': JSON.stringify({ compilerOptions: { module, target: 'es2022' } }),
    'src/lib/greeting.ts': "export const greeting = 'hello';\n",
    'src/lib/index.ts': `export * from './greeting${extension}';\nexport const own = 'own';\n`,
    'src/main.ts': [
      "import { createServer } from 'node:http';",
      `import * as lib from './lib/index${extension}';`,
      'createServer((req, res) => res.end(JSON.stringify(lib))).listen(Number(process.env.PORT));',
    ].join('\n'),
  };
}

describe('shapes of real apps, reloaded as a fresh start runs them', () => {
  for (const [kind, packageJson, module, extension] of [
    ['CommonJS', '{ "private": true }', 'commonjs', ''],
    ['ES modules', '{ "type": "module" }', 'nodenext', '.js'],
  ] as const) {
    it(`re-exports through \`export * from\` in ${kind}, and a name the target gains in a reload`, async () => {
      await withApp(`barrel-${module}`, barrel(packageJson, module, extension), async (app, reload) => {
        assert.deepEqual(await app.get('/'), { greeting: 'hello', own: 'own' });
        app.edit('src/lib/greeting.ts', (text) => `${text}export const farewell = 'bye';\n`);
        const result = await reload();
        assert.equal(result.outcome, 'committed', JSON.stringify(result));
        assert.deepEqual(await app.get('/'), { greeting: 'hello', own: 'own', farewell: 'bye' });
        // An importer naming it in the same reload links.
        app.edit('src/lib/greeting.ts', (text) => text.replace("'bye'", "'ciao'"));
        app.edit('src/main.ts', (text) =>
          text
            .replace('res.end(JSON.stringify(lib))', 'res.end(JSON.stringify({ ...lib, named: farewell }))')
            .replace(
              `import * as lib from './lib/index${extension}';`,
              `import * as lib from './lib/index${extension}';\nimport { farewell } from './lib/index${extension}';`,
            ),
        );
        const second = await reload();
        assert.equal(second.outcome, 'committed', JSON.stringify(second));
        assert.deepEqual(await app.get('/'), { greeting: 'hello', own: 'own', farewell: 'ciao', named: 'ciao' });
        // A name added and imported through the barrel in one save.
        app.edit('src/lib/greeting.ts', (text) => `${text}export const later = 'soon';\n`);
        app.edit('src/main.ts', (text) =>
          text.replace('import { farewell }', 'import { farewell, later }').replace('named: farewell', 'named: farewell, also: later'),
        );
        const third = await reload();
        assert.equal(third.outcome, 'committed', JSON.stringify(third));
        assert.deepEqual(await app.get('/'), { greeting: 'hello', own: 'own', farewell: 'ciao', later: 'soon', named: 'ciao', also: 'soon' });
      });
    });
  }

  for (const [kind, packageJson, module, extension] of [
    ['CommonJS', '{ "private": true }', 'commonjs', ''],
    ['ES modules', '{ "type": "module" }', 'nodenext', '.js'],
  ] as const) {
    it(`starts and reloads ${kind} that import interfaces by value for decorated parameters' types (tsc erases them)`, async () => {
      await withApp(`typed-parameters-${module}`, typedParameters(packageJson, module, extension), async (app, reload) => {
        assert.equal(await app.get('/'), 'v1 x1');
        fs.copyFileSync(app.file('v2.ts'), app.file('src/main.ts'));
        const result = await reload();
        assert.equal(result.outcome, 'committed', JSON.stringify(result));
        assert.equal(await app.get('/'), 'v2 x1');
      });
    });
  }

  it('runs the module that made a router again when a module that added routes to it changes, and says so', async () => {
    const files = {
      'src/router.ts': [
        'type Handler = () => string;',
        'export const router = {',
        '  routes: [] as Array<[string, Handler]>,',
        '  get(path: string, handler: Handler): void {',
        '    this.routes.push([path, handler]);',
        '  },',
        '};',
      ].join('\n'),
      'src/users.ts': "import { router } from './router.js';\nrouter.get('/users', () => 'users v1');\n",
      'src/posts.ts':
        "import { router } from './router.js';\nexport function registerPosts(): void {\n  router.get('/posts', () => 'posts v1');\n}\n",
      'src/main.ts': [
        "import { createServer } from 'node:http';",
        "import { router } from './router.js';",
        "import './users.js';",
        "import { registerPosts } from './posts.js';",
        'registerPosts();',
        'createServer((req, res) => {',
        '  const found = router.routes.find(([path]) => path === req.url);',
        '  res.end(JSON.stringify({ answer: found?.[1](), routes: router.routes.length }));',
        '}).listen(Number(process.env.PORT));',
      ].join('\n'),
    };
    await withApp('shared-router', files, async (app, reload) => {
      assert.deepEqual(await app.get('/users'), { answer: 'users v1', routes: 2 });
      app.edit('src/users.ts', (text) => text.replace('users v1', 'users v2'));
      const result = await reload();
      assert.equal(result.outcome, 'committed', JSON.stringify(result));
      assert.match(result.widened?.reason ?? '', /src\/users\.ts hands its code to what src\/router\.ts made/);
      assert.deepEqual(await app.get('/users'), { answer: 'users v2', routes: 2 });
      app.edit('src/posts.ts', (text) => text.replace('posts v1', 'posts v2'));
      assert.equal((await reload()).outcome, 'committed');
      assert.deepEqual(await app.get('/posts'), { answer: 'posts v2', routes: 2 });
    });
  });

  it('lets a module that loads a .env file (never overriding a set variable) load the new file, and undoes it on a rollback', async () => {
    const env = (file: string, mode: string, fault = '') =>
      [
        "import * as fs from 'node:fs';",
        `for (const line of fs.readFileSync(new URL('../${file}', import.meta.url), 'utf8').split('\\n')) {`,
        "  const [key, value] = line.split('=');",
        '  if (key && process.env[key] === undefined) process.env[key] = value;',
        '}',
        `process.env.MODE ??= '${mode}';`,
        'export const greeting = process.env.GREETING;',
        fault,
      ].join('\n');
    const files = {
      '.env.a': 'GREETING=from-a\n',
      '.env.b': 'GREETING=from-b\n',
      '.env.c': 'GREETING=from-c\n',
      'src/env.ts': env('.env.a', 'one'),
      'src/main.ts': [
        "import { createServer } from 'node:http';",
        "import { greeting } from './env.js';",
        'createServer((req, res) => res.end(JSON.stringify({ greeting, now: process.env.GREETING, mode: process.env.MODE }))).listen(Number(process.env.PORT));',
      ].join('\n'),
    };
    await withApp('dotenv', files, async (app, reload) => {
      assert.deepEqual(await app.get('/'), { greeting: 'from-a', now: 'from-a', mode: 'one' });
      fs.writeFileSync(app.file('src/env.ts'), env('.env.b', 'two'));
      assert.equal((await reload()).outcome, 'committed');
      assert.deepEqual(await app.get('/'), { greeting: 'from-b', now: 'from-b', mode: 'two' });
      fs.writeFileSync(app.file('src/env.ts'), env('.env.c', 'three', "throw new Error('bad config');"));
      assert.equal((await reload()).outcome, 'rolled-back');
      assert.deepEqual(await app.get('/'), { greeting: 'from-b', now: 'from-b', mode: 'two' });
    });
  });

  it('resolves through tsconfig paths added after the start, from the next reload on', async () => {
    const files = {
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'nodenext', target: 'es2022' } }),
      'src/lib/greeting.ts': "export const greeting = 'hello';\n",
      'src/main.ts': [
        "import { createServer } from 'node:http';",
        "import { greeting } from './lib/greeting.js';",
        'createServer((req, res) => res.end(JSON.stringify(greeting))).listen(Number(process.env.PORT));',
      ].join('\n'),
    };
    await withApp('tsconfig-paths', files, async (app, reload) => {
      assert.equal(await app.get('/'), 'hello');
      fs.writeFileSync(
        app.file('tsconfig.json'),
        JSON.stringify({ compilerOptions: { module: 'nodenext', target: 'es2022', baseUrl: '.', paths: { '~/*': ['src/*'] } } }),
      );
      app.edit('src/main.ts', (text) => text.replace("'./lib/greeting.js'", "'~/lib/greeting.js'"));
      const result = await reload();
      assert.equal(result.outcome, 'committed', JSON.stringify(result));
      assert.deepEqual(result.warnings, []);
      assert.equal(await app.get('/'), 'hello');
      // Compiler options that change the compiled code are said to wait for a restart.
      fs.writeFileSync(
        app.file('tsconfig.json'),
        JSON.stringify({
          compilerOptions: { module: 'nodenext', target: 'es2022', baseUrl: '.', paths: { '~/*': ['src/*'] }, experimentalDecorators: true },
        }),
      );
      app.edit('src/lib/greeting.ts', (text) => text.replace('hello', 'hi'));
      const second = await reload();
      assert.equal(second.outcome, 'committed', JSON.stringify(second));
      assert.match(second.warnings.join('\n'), /tsconfig\.json changed compiler options/);
      assert.equal(await app.get('/'), 'hi');
      // The alias moved, and nothing else: every module runs again, resolving through the new paths.
      fs.mkdirSync(app.file('alt/lib'), { recursive: true });
      fs.writeFileSync(app.file('alt/lib/greeting.ts'), "export const greeting = 'alt';\n");
      fs.writeFileSync(
        app.file('tsconfig.json'),
        JSON.stringify({
          compilerOptions: { module: 'nodenext', target: 'es2022', baseUrl: '.', paths: { '~/*': ['alt/*'] }, experimentalDecorators: true },
        }),
      );
      const third = await reload();
      assert.equal(third.outcome, 'committed', JSON.stringify(third));
      assert.match(third.widened?.reason ?? '', /paths, baseUrl or customConditions changed/);
      assert.equal(await app.get('/'), 'alt');
    });
  });

  it('lets nothing of a rolled-back version serve or tick after its rollback, however far its bootstrap got', async () => {
    const other = await freePort();
    const main = (version: string) =>
      [
        "import { createServer } from 'node:http';",
        "import { appendFileSync } from 'node:fs';",
        "import { readFile } from 'node:fs/promises';",
        'async function bootstrap(): Promise<void> {',
        '  await readFile(new URL(import.meta.url));',
        version === 'v1' ? '' : '  await readFile(new URL(import.meta.url));\n  await readFile(new URL(import.meta.url));',
        `  const port = ${version === 'v1' ? 'Number(process.env.PORT)' : other};`,
        `  createServer((req, res) => res.end(JSON.stringify('${version}'))).listen(port);`,
        version === 'v1' ? '' : "  setInterval(() => appendFileSync(new URL('../ticks', import.meta.url), 'x'), 10);",
        '}',
        'void bootstrap();',
        version === 'v1' ? '' : "Promise.reject(new Error('config missing'));",
      ].join('\n');
    await withApp('rolled-back-bootstrap', { 'src/main.ts': main('v1') }, async (app, reload) => {
      assert.equal(await app.get('/'), 'v1');
      fs.writeFileSync(app.file('src/main.ts'), main('v2'));
      const result = await reload();
      assert.equal(result.outcome, 'rolled-back', JSON.stringify(result));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const refused = await new Promise<boolean>((resolve) => {
        const socket = net.connect(other, '127.0.0.1', () => {
          socket.destroy();
          resolve(false);
        });
        socket.on('error', () => resolve(true));
      });
      assert.equal(refused, true, 'the rolled-back bootstrap does not listen');
      assert.equal(fs.existsSync(app.file('ticks')), false, 'the rolled-back bootstrap starts no interval');
      assert.equal(await app.get('/'), 'v1');
    });
  });

  it('retires a folder of modules deleted with its last import, as a fresh start would not load it', async () => {
    const main = (feature: boolean) =>
      [
        "import { createServer } from 'node:http';",
        feature ? "import { feature } from './feature/index.js';" : "const feature = 'off';",
        'createServer((req, res) => res.end(JSON.stringify(feature))).listen(Number(process.env.PORT));',
      ].join('\n');
    const files = {
      'src/feature/impl.ts': "export const feature = 'on';\n",
      'src/feature/index.ts': "export { feature } from './impl.js';\n",
      'src/main.ts': main(true),
    };
    await withApp('delete-folder', files, async (app, reload) => {
      assert.equal(await app.get('/'), 'on');
      fs.rmSync(app.file('src/feature'), { recursive: true });
      fs.writeFileSync(app.file('src/main.ts'), main(false));
      const result = await reload();
      assert.equal(result.outcome, 'committed', JSON.stringify(result));
      assert.equal(await app.get('/'), 'off');
    });
  });

  it('a CommonJS entry that listens only when `require.main === module` listens again after its edit', async () => {
    const entry = (label: string) =>
      [
        "import { createServer } from 'node:http';",
        `export const server = createServer((req, res) => res.end(JSON.stringify({ label: '${label}', main: require.main === module })));`,
        'if (require.main === module) server.listen(Number(process.env.PORT));',
      ].join('\n');
    await withApp('require-main', { ...commonJs, 'src/main.ts': entry('v1') }, async (app, reload) => {
      assert.deepEqual(await app.get('/'), { label: 'v1', main: true });
      fs.writeFileSync(app.file('src/main.ts'), entry('v2'));
      const result = await reload();
      assert.equal(result.outcome, 'committed', JSON.stringify(result));
      assert.deepEqual(result.warnings, []);
      assert.deepEqual(await app.get('/'), { label: 'v2', main: true });
      assert.equal(app.child.exitCode, null);
    });
  });
});
