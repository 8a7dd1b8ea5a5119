// What the language server still has to analyse, in the order it is done. A job names a module and a step,
// never a text: it runs on the module's text at the time it runs, so a job queued for an older version
// publishes the newest one, and one job covers any number of edits made while it waited.

/** The steps a module goes through, in the order a job of each runs. */
export type Step =
  /** Parse and walk a module, so the graph (layers, cycles) is whole before the rest of the workspace is published. */
  | 'prepare'
  /** Publish the rules that need no type checker. */
  | 'syntax'
  /** Publish every rule, the type-aware ones included. */
  | 'types';

/**
 * Jobs by step and urgency. The urgent lane of a step holds the modules an editor shows (edited, open, or
 * just closed), most recently touched first; the other lane the rest of the workspace. Urgent syntax comes
 * first, then urgent types (while the project is still being prepared, these check ahead: see
 * `CheckOptions.ahead`), then preparation of every module, the rest's syntax, the rest's types.
 */
export class AnalysisQueue {
  private prepareLane = new Set<string>();
  private urgent = { syntax: new Set<string>(), types: new Set<string>() };
  private readonly rest = { syntax: new Set<string>(), types: new Set<string>() };

  get size(): number {
    return this.prepareLane.size + this.urgent.syntax.size + this.urgent.types.size + this.rest.syntax.size + this.rest.types.size;
  }

  /** True while modules wait to be prepared: a whole-workspace pass has not reached its checks yet. */
  preparing(): boolean {
    return this.prepareLane.size > 0;
  }

  /** How many modules are waiting for a step in the non-urgent lane (for progress reports). */
  waiting(step: 'syntax' | 'types'): number {
    return this.rest[step].size;
  }

  prepare(files: Iterable<string>): void {
    for (const file of files) this.prepareLane.add(file);
  }

  /** Queues a step for modules of the rest of the workspace, behind what is queued already. */
  later(step: 'syntax' | 'types', files: Iterable<string>): void {
    for (const file of files) if (!this.urgent[step].has(file)) this.rest[step].add(file);
  }

  /** Queues a step for modules an editor shows, ahead of everything but preparation; the ones given first run first. */
  soon(step: 'syntax' | 'types', files: readonly string[]): void {
    if (files.length === 0) return;
    for (const file of files) this.rest[step].delete(file);
    this.urgent[step] = new Set([...files, ...this.urgent[step]]);
  }

  /** The next job, taken off the queue; undefined when there is none (or, without `types`, none but type-aware ones). */
  next(types = true): { step: Step; file: string } | undefined {
    const lanes: Array<[Step, Set<string>]> = [
      ['syntax', this.urgent.syntax],
      ['types', this.urgent.types],
      ['prepare', this.prepareLane],
      ['syntax', this.rest.syntax],
      ['types', this.rest.types],
    ];
    for (const [step, lane] of lanes) {
      if (step === 'types' && !types) continue;
      const first = lane.values().next();
      if (first.done) continue;
      lane.delete(first.value);
      return { step, file: first.value };
    }
    return undefined;
  }

  /** Forgets the rest of the workspace's jobs (the whole-workspace pass was cancelled); the urgent ones stay. */
  dropRest(): void {
    this.rest.syntax.clear();
    this.rest.types.clear();
  }

  /** Forgets every job (a folder opened again queues its own). */
  clear(): void {
    this.prepareLane = new Set();
    this.urgent = { syntax: new Set(), types: new Set() };
    this.rest.syntax.clear();
    this.rest.types.clear();
  }
}
