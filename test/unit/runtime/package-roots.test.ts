// Which package made a handle: the folder under the nearest node_modules of the first frame of its stack.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { packageOfStack, packageRootOf } from '../../../runtime/src/containment/package-roots';

const app = path.resolve('/srv/app');
const inApp = (...parts: string[]) => path.join(app, ...parts);

describe('package roots', () => {
  it('names the package of a file, scoped or not, installed flat or nested (pnpm)', () => {
    assert.equal(packageRootOf(inApp('node_modules/chokidar/handler.js')), inApp('node_modules/chokidar'));
    assert.equal(packageRootOf(inApp('node_modules/@fastify/static/lib/x.js')), inApp('node_modules/@fastify/static'));
    assert.equal(
      packageRootOf(inApp('node_modules/.pnpm/chokidar@4.0.3/node_modules/chokidar/esm/handler.js')),
      inApp('node_modules/.pnpm/chokidar@4.0.3/node_modules/chokidar'),
    );
    assert.equal(packageRootOf(`${pathToFileURL(inApp('node_modules/ws/lib/websocket-server.js'))}?v=1`), inApp('node_modules/ws'));
  });

  it('names none for the app’s own files, or a node_modules folder itself', () => {
    assert.equal(packageRootOf(inApp('src/main.ts')), undefined);
    assert.equal(packageRootOf(inApp('node_modules/chokidar')), undefined);
  });

  it('reads the first frame of a stack: a package, the app, or Node itself', () => {
    const stack = (first: string) => `Error\n    at ${first}\n    at main (${inApp('src/main.ts')}:3:1)`;
    assert.equal(
      packageOfStack(stack(`createFsWatchInstance (${inApp('node_modules/chokidar/handler.js')}:125:16)`)),
      inApp('node_modules/chokidar'),
    );
    assert.equal(packageOfStack(stack(`${inApp('node_modules/chokidar/index.js')}:10:2`)), inApp('node_modules/chokidar'));
    assert.equal(packageOfStack(stack(`start (${inApp('src/watch.ts')}:1:1)`)), undefined);
    assert.equal(packageOfStack(stack('Timeout.listOnTimeout (node:internal/timers:581:17)')), undefined);
    assert.equal(packageOfStack(undefined), undefined);
  });
});
