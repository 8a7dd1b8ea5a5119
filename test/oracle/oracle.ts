// The fresh-start oracle. An app runs under `reloadable run` with keep-alive load on it; each generated edit is
// written and reloaded, and the app is probed; a fresh process on the same sources is probed the same way; the
// answers must agree. A fault (a syntax error, a top-level throw) must roll back and the old code keep serving
// (a fresh start fails on it: that is the expected divergence, not a divergence). Fresh starts are shared: the
// sources go back to the start after each edit, and a fresh start's answers are kept by the sources' hash.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { ReloadResult } from '../../src-shared/control-protocol';
import { freePort } from '../helpers/net';
import { AppProcess } from './app-process';
import { entryEdit, faultEdits, literalEdits, middlewareEdits, type Edit, type StepKind } from './edits';
import { comparable, describeProbe, noiseBetween, send, SocketClient, type Answer, type Noise } from './probes';
import type { OracleSpec } from './spec';

export interface Divergence {
  probe: string;
  reloaded: unknown;
  fresh: unknown;
}

export interface StepReport {
  step: number;
  kind: StepKind | 'revert';
  module: string;
  what: string;
  outcome: ReloadResult['outcome'] | 'no-answer';
  expected: string;
  /** The fresh process on the same sources started. */
  freshStarted: boolean;
  ok: boolean;
  divergences: Divergence[];
  /** Why the step is not as expected, in one sentence, when it is not. */
  problem?: string;
  durationMs?: number;
  servingAfterMs?: number;
  /** The runtime's own word that it widened the plan (a field a later runtime adds to the result). */
  widened?: unknown;
  result?: ReloadResult;
}

export interface AppReport {
  app: string;
  started: boolean;
  startError?: string;
  steps: StepReport[];
  divergences: number;
  unexpected: number;
  failedRequests: number;
  failures: string[];
  requests: number;
  alive: boolean;
  freshStarts: number;
  seconds: number;
  skipped: string[];
}

export interface OracleOptions {
  /** A name for the report. */
  name: string;
  /** The app's folder: its package.json, its sources; its packages resolve from here or above. */
  appDir: string;
  /** Where run folders are made (inside the app's folder by default, so its packages resolve). */
  runsDir?: string;
  /** Literal edits per module. @default 1 */
  literalsPerModule?: number;
  /** Check each fault against a fresh start as well (slower: one start each). @default false: the entry's only */
  freshFaults?: boolean;
  /**
   * Edit at most this many modules (the entry and others spread evenly over the rest, in name order), for a run
   * that must stay short; middleware edits are capped at two then. @default every module
   */
  modules?: number;
  /** Called with each step as it finishes, for a live log. */
  onStep?: (step: StepReport) => void;
}

const reloadTimeoutMs = 60_000;

/** The first of `items` and up to `count - 1` more, evenly spaced over the rest; all of them without a count. */
function spread<T>(items: T[], count: number | undefined): T[] {
  if (count === undefined || items.length <= count) return items;
  const rest = items.slice(1);
  const step = rest.length / (count - 1);
  return [items[0]!, ...Array.from({ length: count - 1 }, (_, index) => rest[Math.floor(index * step)]!)];
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) out.push(...sourceFiles(file));
    } else if (/\.(m|c)?(t|j)sx?$/.test(entry.name) && !/\.d\.(m|c)?ts$/.test(entry.name) && !/\.(test|spec)\./.test(entry.name)) out.push(file);
  }
  return out.sort();
}

/**
 * Copies the app's files, their times kept: a fresh start is of the same files, and what an app derives from a
 * file's time (a static file's `last-modified` and `etag`) must not tell the copies apart.
 */
function copyInto(from: string, to: string, entries: string[]): void {
  for (const entry of entries) {
    const source = path.join(from, entry);
    if (fs.existsSync(source))
      fs.cpSync(source, path.join(to, entry), {
        recursive: true,
        preserveTimestamps: true,
        filter: (file) => !/[\\/](\.reloadable|node_modules)$/.test(file),
      });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms))),
  ]);
}

interface Observation {
  http: Answer[];
  sockets: string[];
}

export class Oracle {
  private readonly spec: OracleSpec;
  private readonly sources: string;
  private readonly copies: string[];
  private readonly fresh = new Map<string, Observation | { failed: string }>();
  private noise: Noise[] = [];
  private runDir = '';
  private freshStarts = 0;

  constructor(
    private readonly options: OracleOptions,
    spec: OracleSpec,
  ) {
    this.spec = spec;
    this.sources = spec.sources ?? path.dirname(spec.entry);
    this.copies = spec.copy ?? ['package.json', 'tsconfig.json', this.sources.split('/')[0], ...(spec.state ?? [])];
  }

  private hash(): string {
    const digest = createHash('sha256');
    const files = new Set([path.join(this.runDir, this.spec.entry), ...sourceFiles(path.join(this.runDir, this.sources))]);
    for (const file of files) digest.update(file).update(fs.readFileSync(file));
    return digest.digest('hex');
  }

  private async observe(port: number, sockets: SocketClient[]): Promise<Observation> {
    const answers: Answer[] = [];
    for (const probe of this.spec.probes) {
      try {
        answers.push(await send(port, probe));
      } catch (error) {
        answers.push({ status: 0, headers: {}, body: `no answer: ${(error as Error).message}` });
      }
    }
    const said: string[] = [];
    for (const socket of sockets) said.push(await socket.ask().catch((error: Error) => `no answer: ${error.message}`));
    return { http: answers, sockets: said };
  }

  /** A fresh process on the run folder's sources as they are now: its answers, or why it did not start. */
  private async freshObservation(): Promise<Observation | { failed: string }> {
    const key = this.hash();
    const known = this.fresh.get(key);
    if (known) return known;
    const dir = fs.mkdtempSync(path.join(path.dirname(this.runDir), 'fresh-'));
    copyInto(this.runDir, dir, this.copies);
    const port = await freePort();
    const app = AppProcess.spawn(dir, this.spec.entry, port, { env: this.spec.env, args: this.spec.runArgs });
    this.freshStarts++;
    let observed: Observation | { failed: string };
    try {
      if (await app.started(this.spec.startTimeoutMs ?? 20_000)) {
        const sockets = (this.spec.sockets ?? []).map((probe) => new SocketClient(probe, port, this.options.appDir));
        observed = await this.observe(port, sockets);
        for (const socket of sockets) socket.close();
      } else observed = { failed: app.output.slice(-1500) || 'no output' };
    } finally {
      await app.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    this.fresh.set(key, observed);
    return observed;
  }

  private compare(reloaded: Observation, fresh: Observation): Divergence[] {
    const out: Divergence[] = [];
    this.spec.probes.forEach((probe, index) => {
      const a = comparable(reloaded.http[index], this.noise[index]);
      const b = comparable(fresh.http[index], this.noise[index]);
      if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ probe: describeProbe(probe), reloaded: a, fresh: b });
    });
    (this.spec.sockets ?? []).forEach((probe, index) => {
      if (reloaded.sockets[index] !== fresh.sockets[index])
        out.push({ probe: SocketClient.describe(probe), reloaded: reloaded.sockets[index], fresh: fresh.sockets[index] });
    });
    return out;
  }

  /** Generated edits, module by module (the entry's first), each literal chosen where the answers show it. */
  private edits(baseline: Observation): Edit[] {
    const answers = baseline.http.map((answer) => `${answer.body}\n${JSON.stringify(answer.headers)}`).join('\n') + baseline.sockets.join('\n');
    const modules = sourceFiles(path.join(this.runDir, this.sources)).map((file) => path.relative(this.runDir, file).split(path.sep).join('/'));
    const ordered = spread(
      [this.spec.entry, ...modules.filter((module) => module !== this.spec.entry)].filter((module) => !this.spec.skip?.[module]),
      this.options.modules,
    );
    const literal: Edit[] = [];
    const middleware: Edit[] = [];
    const faults: Edit[] = [];
    for (const module of ordered) {
      const text = fs.readFileSync(path.join(this.runDir, module), 'utf8');
      literal.push(...literalEdits(module, text, answers, this.options.literalsPerModule ?? 1));
      middleware.push(...middlewareEdits(module, text, 2));
      faults.push(...faultEdits(module, text));
    }
    const entry = entryEdit(this.spec.entry, fs.readFileSync(path.join(this.runDir, this.spec.entry), 'utf8'));
    return [...literal, ...middleware.slice(0, this.options.modules === undefined ? 6 : 2), entry, ...faults];
  }

  async run(): Promise<AppReport> {
    const began = performance.now();
    const runsDir = this.options.runsDir ?? path.join(this.options.appDir, '.run');
    fs.mkdirSync(runsDir, { recursive: true });
    this.runDir = fs.mkdtempSync(path.join(runsDir, 'oracle-'));
    copyInto(this.options.appDir, this.runDir, this.copies);
    const report: AppReport = {
      app: this.options.name,
      started: false,
      steps: [],
      divergences: 0,
      unexpected: 0,
      failedRequests: 0,
      failures: [],
      requests: 0,
      alive: false,
      freshStarts: 0,
      seconds: 0,
      skipped: Object.entries(this.spec.skip ?? {}).map(([module, why]) => `${module}: ${why}`),
    };
    const port = await freePort();
    const app = AppProcess.spawn(this.runDir, this.spec.entry, port, { env: this.spec.env, args: this.spec.runArgs });
    const sockets = (this.spec.sockets ?? []).map((probe) => new SocketClient(probe, port, this.options.appDir));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    let loading = false;
    const loops: Array<Promise<void>> = [];
    try {
      report.started = await app.started(this.spec.startTimeoutMs ?? 20_000);
      if (!report.started) {
        report.startError = app.output.slice(-3000);
        return report;
      }
      const control = await app.client();
      for (const probe of this.spec.setup ?? []) await send(port, probe);
      const baseline = await this.observe(port, sockets);
      const freshBaseline = await this.freshObservation();
      if ('failed' in freshBaseline) throw new Error(`a fresh start of the unchanged sources failed:\n${freshBaseline.failed}`);
      this.noise = this.spec.probes.map((_, index) => noiseBetween(baseline.http[index], freshBaseline.http[index]));

      // Keep-alive load on the reloaded process throughout, with the probes that only read.
      loading = true;
      const reads = this.spec.probes.filter((probe) => (probe.method ?? 'GET') === 'GET');
      for (let client = 0; client < 2; client++)
        loops.push(
          (async () => {
            for (let index = client; loading; index++) {
              try {
                await send(port, reads[index % reads.length], agent);
                report.requests++;
                // Paced (about 200 requests a second each): enough to cross every swap, not so much that the
                // fresh starts beside it crawl on two cores.
                await new Promise((resolve) => setTimeout(resolve, 5));
              } catch (error) {
                report.failedRequests++;
                if (report.failures.length < 20) report.failures.push(`${(error as Error).message} (step ${report.steps.length + 1})`);
              }
            }
          })(),
        );

      let liveHash = this.hash();
      const step = async (kind: StepKind | 'revert', module: string, what: string, text: string, fault: boolean) => {
        fs.writeFileSync(path.join(this.runDir, module), text);
        const number = report.steps.length + 1;
        let result: ReloadResult | undefined;
        let problem: string | undefined;
        try {
          result = await withTimeout(control.reload(), reloadTimeoutMs, 'the reload');
        } catch (error) {
          problem = (error as Error).message;
        }
        const reloaded = await this.observe(port, sockets);
        // A fault is judged against the sources that last served; anything else against a fresh start of these.
        const fresh = fault && !this.options.freshFaults && kind !== 'revert' ? { failed: 'not started: a fault' } : await this.freshObservation();
        const freshStarted = !('failed' in fresh);
        const expected = freshStarted ? 'committed or no-change' : 'rolled-back';
        const outcome = result?.outcome ?? 'no-answer';
        if (!problem && freshStarted && outcome === 'rolled-back')
          problem = `rolled back where a fresh start serves: ${result?.error?.phase}: ${result?.error?.message}`;
        if (!problem && !freshStarted && outcome !== 'rolled-back') problem = `${outcome} where a fresh start fails`;
        const reference = freshStarted ? fresh : this.fresh.get(liveHash);
        const divergences = reference && !('failed' in reference) ? this.compare(reloaded, reference) : [];
        if (!problem && divergences.length)
          problem = freshStarted ? 'answers differ from a fresh start' : 'the old code does not serve after the rollback';
        if (outcome !== 'rolled-back') liveHash = this.hash();
        const entry: StepReport = {
          step: number,
          kind,
          module,
          what,
          outcome,
          expected,
          freshStarted,
          ok: !problem,
          divergences,
          ...(problem ? { problem } : {}),
          durationMs: result?.durationMs,
          servingAfterMs: result?.servingAfterMs,
          widened: (result as unknown as Record<string, unknown> | undefined)?.widened,
          ...(problem ? { result } : {}),
        };
        report.steps.push(entry);
        this.options.onStep?.(entry);
        if (!app.alive) throw new Error(`the process exited at step ${number}:\n${app.output.slice(-3000)}`);
      };

      for (const edit of this.edits(baseline)) {
        const file = path.join(this.runDir, edit.module);
        const original = fs.readFileSync(file, 'utf8');
        // The entry's fault is checked against a fresh start too: that a fault fails a fresh start is observed once.
        const fault = edit.fault && !(edit.module === this.spec.entry);
        await step(edit.kind, edit.module, edit.what, edit.text, fault);
        await step('revert', edit.module, `${edit.kind} reverted`, original, false);
      }
    } catch (error) {
      report.startError ??= (error as Error).message;
    } finally {
      loading = false;
      await Promise.all(loops);
      agent.destroy();
      report.alive = app.alive;
      for (const socket of sockets) socket.close();
      await app.stop();
      fs.rmSync(this.runDir, { recursive: true, force: true });
    }
    report.divergences = report.steps.filter((step) => step.divergences.length > 0).length;
    report.unexpected = report.steps.filter((step) => !step.ok).length;
    report.freshStarts = this.freshStarts;
    report.seconds = Math.round((performance.now() - began) / 100) / 10;
    return report;
  }
}
