// What the edit benches share (the two language servers, and the analysis API in bench/incremental.ts): the
// modules they edit, in the same order, the text they append, and the language servers' report.
import * as fs from 'node:fs';
import { loadProjectSetup } from '../server/src/analysis/project';
import { percentile } from './stats';

/** The project's TypeScript modules (binary ones left out), and the one the i-th edit changes: spread over the project, the same for every bench. */
export function editTargets(folder: string): { files: string[]; target: (i: number) => string } {
  const files = loadProjectSetup(folder).files.filter((file) => /\.tsx?$/.test(file) && !fs.readFileSync(file, 'utf8').includes('\u0000'));
  return { files, target: (i) => files[Math.floor((i * 7919) % files.length)]! };
}

/** A process's resident memory, in MB. */
export function residentMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : NaN;
}

/** One server's start: to the first diagnostics of the first open module (both passes), to the end of its project's load or analysis. */
export interface StartFigures {
  modules: number;
  firstSyntaxSeconds: number;
  firstTypedSeconds: number;
  /** Ours: every module analysed (both passes). tsserver: the project loaded (`projectLoadingFinish`). */
  workspaceSeconds: number;
  /** Resident memory at the end of the start. */
  rssMb: number;
  /** Resident memory once the edits are done (the server idle). */
  rssAfterEditsMb: number;
}

/** Prints one server's figures as the JSON line bench/run.mjs reads. */
export function printReport(report: StartFigures & { syntactic: number[]; typed: number[] }): void {
  const summary = (values: number[]) => ({ p50: percentile(values, 50), p95: percentile(values, 95) });
  process.stdout.write(
    `${JSON.stringify({ ...report, edits: report.syntactic.length, syntactic: summary(report.syntactic), typed: summary(report.typed) })}\n`,
  );
}

/** What the i-th edit appends to its module: a dropped timer and a dropped promise that rejects (one that cannot, such as `Promise.resolve(i)`, is no finding), one rule of each pass. */
export const appended = (i: number): string => `\nsetTimeout(() => undefined, ${i});\nPromise.reject(new Error(String(${i})));\n`;
