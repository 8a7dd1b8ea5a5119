// Breakpoints bind in every version: the app runs under `node --inspect`, and this test acts as a debugger
// does over the inspector protocol: for each script whose source map names routes.ts, it sets a breakpoint at
// the generated position of a line of the .ts file, then checks that a request pauses there, in version 1
// and, after a reload, in version 2, and that the paused frame maps back to that line.
import { generatedPositionFor, LEAST_UPPER_BOUND, originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { ControlClient } from '../../runtime/src/control/client';
import { repoRoot } from '../helpers/cli';
import { call, freePort } from '../helpers/net';
import { RunningApp } from '../helpers/running-app';

interface Paused {
  reason: string;
  callFrames: Array<{ location: { scriptId: string; lineNumber: number; columnNumber: number }; url: string }>;
}

/** A minimal inspector client: requests, and the events it has seen. */
class Inspector {
  private nextId = 1;
  private readonly waiting = new Map<number, (result: any) => void>();
  readonly scripts = new Map<string, { url: string; map: TraceMap }>();
  private pausedListeners: Array<(paused: Paused) => void> = [];

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.id) {
        this.waiting.get(message.id)?.(message.result ?? message.error);
        this.waiting.delete(message.id);
      } else if (message.method === 'Debugger.scriptParsed') {
        const { scriptId, url, sourceMapURL } = message.params;
        if (sourceMapURL?.startsWith('data:')) {
          const json = Buffer.from(sourceMapURL.split(',')[1], 'base64').toString('utf8');
          this.scripts.set(scriptId, { url, map: new TraceMap(json) });
        }
      } else if (message.method === 'Debugger.paused') {
        for (const listener of this.pausedListeners.splice(0)) listener(message.params);
      }
    });
  }

  static async connect(url: string): Promise<Inspector> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    return new Inspector(socket);
  }

  send(method: string, params: object = {}): Promise<any> {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }

  nextPause(): Promise<Paused> {
    return new Promise((resolve) => this.pausedListeners.push(resolve));
  }

  close(): void {
    this.socket.close();
  }
}

describe('breakpoints set in the .ts source', () => {
  let app: RunningApp;
  let inspector: Inspector;
  let client: ControlClient;
  before(async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-debug-')));
    fs.cpSync(path.join(repoRoot, 'test/fixtures/apps/plain'), dir, { recursive: true });
    app = await RunningApp.runIn(dir, { port: await freePort(), anyOutput: true, nodeArgs: ['--inspect=127.0.0.1:0'] });
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(app.stderr)![1]!;
    inspector = await Inspector.connect(url);
    await inspector.send('Runtime.enable');
    await inspector.send('Debugger.enable');
    client = await ControlClient.connect(app.discovery(), 'test');
  });
  after(async () => {
    inspector?.close();
    client?.close();
    await app?.stop();
  });

  const routeFile = () => app.file('src/http/route.ts');
  /** The line of the route's main answer, as an editor shows it (1-based). */
  const answerLine = () =>
    fs
      .readFileSync(routeFile(), 'utf8')
      .split('\n')
      .findIndex((line) => line.includes('count: next()')) + 1;

  /** Sets a breakpoint at `line` of route.ts in each loaded script of `version`; returns how many bound. */
  async function breakAt(line: number, version: number): Promise<number> {
    const source = pathToFileURL(routeFile()).href;
    let bound = 0;
    for (const [scriptId, script] of inspector.scripts) {
      if (!script.url.endsWith(`route.ts?v=${version}`)) continue;
      // As a debugger does: the first generated position of the line (its indentation maps to nothing).
      const generated = generatedPositionFor(script.map, { source, line, column: 0, bias: LEAST_UPPER_BOUND });
      assert.notEqual(generated.line, null, `line ${line} of route.ts maps into ${script.url}`);
      const result = await inspector.send('Debugger.setBreakpoint', {
        location: { scriptId, lineNumber: generated.line! - 1, columnNumber: generated.column! },
      });
      if (result.breakpointId) bound++;
    }
    return bound;
  }

  async function hitAt(line: number, version: number): Promise<void> {
    const paused = inspector.nextPause();
    const answer = call(app.port, { path: '/' });
    const { callFrames } = await paused;
    const top = callFrames[0]!;
    const script = inspector.scripts.get(top.location.scriptId);
    assert.ok(script?.url.endsWith(`route.ts?v=${version}`), `paused in ${script?.url ?? top.url}`);
    const original = originalPositionFor(script!.map, { line: top.location.lineNumber + 1, column: top.location.columnNumber });
    assert.equal(original.source, pathToFileURL(routeFile()).href);
    assert.equal(original.line, line);
    await inspector.send('Debugger.resume');
    assert.equal((await answer).status, 200);
  }

  it('binds and hits in the first version, and maps the paused frame back to the .ts line', async () => {
    assert.equal(await breakAt(answerLine(), 1), 1);
    await hitAt(answerLine(), 1);
  });

  it('binds and hits in the version a reload brings', async () => {
    await inspector.send('Debugger.removeBreakpoint', {}).catch(() => undefined);
    app.edit('src/http/route.ts', (text) => text.replace("'route-1'", "'route-2'"));
    const result = await client.reload();
    assert.equal(result.outcome, 'committed');
    assert.equal(await breakAt(answerLine(), 2), 1);
    await hitAt(answerLine(), 2);
  });

  it('keeps stack traces mapped to the .ts lines', async () => {
    app.edit('src/http/route.ts', (text) =>
      text.replace(
        "if (url.pathname === '/ticks') {",
        "if (url.pathname === '/stack') {\n    response.end(JSON.stringify({ stack: new Error('where').stack }));\n    return;\n  }\n  if (url.pathname === '/ticks') {",
      ),
    );
    assert.equal((await client.reload()).outcome, 'committed');
    await inspector.send('Debugger.setBreakpointsActive', { active: false });
    const stack = (JSON.parse((await call(app.port, { path: '/stack' })).body) as { stack: string }).stack;
    const line =
      fs
        .readFileSync(routeFile(), 'utf8')
        .split('\n')
        .findIndex((text) => text.includes("new Error('where')")) + 1;
    assert.match(stack, new RegExp(`at (Server\\.)?route \\(${routeFile().replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${line}:\\d+\\)`));
  });
});
