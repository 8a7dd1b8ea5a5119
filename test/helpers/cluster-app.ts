// The app the cluster tests run on several processes, and how they ask each process what it serves.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { request } from './net';

/** Answers with its handler's version, a `hot.state` counter, its worker number and pid; `/slow` runs on (see `handler`). */
export const main = `import http from 'node:http';
import cluster from 'node:cluster';
import { answer, slow } from './handler.ts';
import { next } from './counter.ts';
const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  // A call that runs on for a while: the version it started on is retired only once it returned.
  if (req.url === '/slow') return void slow().then((version) => res.end(JSON.stringify({ version, pid: process.pid })));
  res.end(JSON.stringify({ version: answer(), count: next(), worker: cluster.worker?.id, pid: process.pid }));
});
server.listen(Number(process.env.PORT), () => console.log('listening', process.env.PORT));
`;
export const counter = `let count = 0;
import.meta.hot!.state({ version: 1, save: () => count, restore: (saved: number) => { count = saved; } });
export function next(): number {
  return ++count;
}
`;
/**
 * The handler module: `answer()` says its version; `slow()` runs on for 1.5 s, or, given a `gate` file, until the
 * file exists (a call that stays in flight until the test lets it end, however slow the machine), and says it
 * started with a file of its own in the folder `started`, named after its process.
 */
export const handler = (version: string, extra = '', slowCalls?: { gate: string; started: string }) =>
  `${extra}export function answer(): string {\n  return '${version}';\n}\n` +
  `export async function slow(): Promise<string> {\n` +
  (slowCalls
    ? `  const { existsSync, writeFileSync } = await import('node:fs');\n` +
      `  writeFileSync(${JSON.stringify(slowCalls.started)} + '/' + process.pid + '-' + Math.random(), '');\n` +
      `  while (!existsSync(${JSON.stringify(slowCalls.gate)})) await new Promise((resolve) => setTimeout(resolve, 10));\n`
    : `  await new Promise((resolve) => setTimeout(resolve, 1500));\n`) +
  `  return '${version}';\n}\n`;

export interface Body {
  version: string;
  count: number;
  worker: number;
  pid: number;
}

/** An ES module app in a temporary folder: `files` by their path under src/. */
export function appFolder(prefix: string, files: Record<string, string>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'src', name), text);
  return dir;
}

/**
 * Requests on fresh connections (the primary hands each to the next worker) until each of `pids` answered:
 * what each one serves now. Every answer also goes to `into`.
 */
export async function answersOf(port: number, pids: number[], into: Body[] = []): Promise<Map<number, Body>> {
  const seen = new Map<number, Body>();
  for (let attempt = 0; attempt < 200 && pids.some((pid) => !seen.has(pid)); attempt++) {
    const body = JSON.parse(await request(port, '/', new http.Agent({ keepAlive: false }))) as Body;
    seen.set(body.pid, body);
    into.push(body);
  }
  assert.deepEqual([...seen.keys()].sort(), [...pids].sort(), 'every worker answered');
  return seen;
}
