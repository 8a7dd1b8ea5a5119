// What the runtime does with a fault of the app (containment/faults.ts catches them): a fault of a version the
// running reload made rolls that reload back; any other is reported (the log, `status`, the editor) and the
// app keeps serving. `process.exit()` during a reload fails it; otherwise it is said, with where and after
// what, and allowed. The last faults are kept for `status`.
import type { FaultReport, RuntimeEvent } from '../../../src-shared/control-protocol';
import { messageOf, ReloadStepError, say } from '../errors';
import type { Logger } from '../logger';
import type { ModuleVersion } from '../modules/module';
import type { ModuleRecords } from '../modules/records';
import { original } from '../originals';
import { appMessageOf, frameIn } from '../stack-traces';
import { ExitDuringReload, exitCall, type Fault, type FaultHandler, type Side } from './faults';

/** What the fault log needs of the reload running now, if any. */
export interface FailingTransaction {
  readonly done: boolean;
  readonly phase: 'init' | 'settle';
  owns(version: ModuleVersion | undefined): boolean;
  candidate(id: string, number: number): ModuleVersion | undefined;
  fail(error: ReloadStepError): boolean;
}

const faultsKept = 20;
/** Identical faults closer together than this are one burst: logged once, with a count. */
const burstMs = 2000;

interface Burst {
  key: string;
  report: FaultReport;
  last: number;
  timer: NodeJS.Timeout;
}

export class FaultLog implements FaultHandler {
  private readonly kept: FaultReport[] = [];
  private burst: Burst | undefined;
  /** Why the process is exiting, when the runtime knows (for the discovery file). */
  exitReason: string | undefined;

  constructor(
    private readonly records: ModuleRecords,
    private readonly transaction: () => FailingTransaction | undefined,
    private readonly logger: Logger,
    private readonly emit: (event: RuntimeEvent) => void,
  ) {}

  get faults(): FaultReport[] {
    return [...this.kept];
  }

  get last(): FaultReport | undefined {
    return this.kept.at(-1);
  }

  versionOf(file: string, number: number): ModuleVersion | undefined {
    const record = this.records.ofFile(file);
    if (!record) return undefined;
    if (record.current?.number === number) return record.current;
    for (const version of record.retiring) if (version.number === number) return version;
    return this.transaction()?.candidate(record.id, number);
  }

  sideOf(version: ModuleVersion): Side {
    if (!version.alive) return 'gone';
    const transaction = this.transaction();
    return transaction && !transaction.done && transaction.owns(version) ? 'new' : 'serving';
  }

  isGone(file: string, number: number): boolean {
    const record = this.records.ofFile(file);
    return record !== undefined && number > 0 && this.versionOf(file, number) === undefined;
  }

  fault(fault: Fault): void {
    const version = fault.version;
    const transaction = this.transaction();
    const what =
      fault.kind === 'unhandled-rejection'
        ? 'rejected a promise nobody handled'
        : fault.kind === 'listen'
          ? 'could not listen'
          : 'threw outside any caller';
    const message =
      fault.kind === 'listen'
        ? messageOf(fault.error)
        : `${version ? `${version.id} v${version.number}` : 'the app'} ${what}: ${appMessageOf(fault.error)}`;
    const rolledBack =
      transaction !== undefined &&
      transaction.owns(version) &&
      transaction.fail(new ReloadStepError(version!.id, fault.kind === 'listen' ? 'listen' : transaction.phase, message, undefined, fault.error));
    const stack = fault.error instanceof Error ? fault.error.stack : undefined;
    const position = version && stack ? frameIn(stack, version.file) : undefined;
    const report: FaultReport = {
      kind: fault.kind,
      module: version?.id ?? null,
      version: version?.number ?? null,
      message,
      ...(stack ? { stack } : {}),
      ...position,
      outcome: rolledBack ? 'rolled-back' : 'reported',
      at: new Date().toISOString(),
    };
    if (!rolledBack && this.repeats(report)) return;
    this.kept.push(report);
    if (this.kept.length > faultsKept) this.kept.shift();
    if (!rolledBack) this.logger.error(`${message}${stack ? `\n${stack}` : ''}\n(the app keeps running)`);
    this.emit({ type: 'fault', fault: report });
  }

  /** Whether `report` repeats the fault just reported (then counted on it, not reported again). */
  private repeats(report: FaultReport): boolean {
    const key = `${report.kind}\0${report.message}\0${report.file}:${report.line}:${report.column}`;
    const now = performance.now();
    const burst = this.burst;
    if (burst?.key === key && now - burst.last < burstMs) {
      burst.report.repeated = (burst.report.repeated ?? 0) + 1;
      burst.last = now;
      burst.timer.refresh();
      return true;
    }
    this.endBurst();
    const timer = original.setTimeout(() => this.endBurst(), burstMs);
    timer.unref();
    this.burst = { key, report, last: now, timer };
    return false;
  }

  /** Says how often the last fault repeated, once the burst is over. */
  private endBurst(): void {
    const burst = this.burst;
    if (!burst) return;
    this.burst = undefined;
    clearTimeout(burst.timer);
    const repeated = burst.report.repeated ?? 0;
    if (repeated > 0) {
      this.logger.error(say.faultRepeated(burst.report.message, repeated));
      this.emit({ type: 'fault', fault: burst.report });
    }
  }

  fatal(fault: Fault): void {
    const who = fault.version ? `${fault.version.id} v${fault.version.number}` : 'the app';
    this.exitReason = `${who} threw outside any caller: ${appMessageOf(fault.error)}`;
  }

  /** `process.exit()`: during a reload it fails the reload (true: stop it); otherwise it is said and allowed. */
  exitRequested(code: number | undefined, version: ModuleVersion | undefined, stack: string, gone: boolean, abort = false): boolean {
    const who = version ? `${version.id} v${version.number}` : 'the app';
    const position = version ? frameIn(stack, version.file) : undefined;
    const where = position ? ` at ${this.records.idOf(position.file)}:${position.line}:${position.column}` : '';
    if (gone) {
      this.logger.error(say.exitOfGoneVersion(version ? who : 'code of a rolled-back or retired version', exitCall(code, abort), where));
      return true;
    }
    const transaction = this.transaction();
    if (transaction && !transaction.done) {
      const message = say.exited(who, exitCall(code, abort), where);
      transaction.fail(new ReloadStepError(version?.id ?? null, transaction.phase, `${message}: ${new ExitDuringReload(code, abort).message}`));
      return true;
    }
    const last = this.last;
    const call = exitCall(code, abort);
    this.logger.error(`${say.exited(who, call, where)}; the process ${abort ? 'aborts' : 'exits'}${last ? ` (last fault: ${last.message})` : ''}`);
    this.exitReason = `${say.exited(who, call, where)}${last ? `; last fault: ${last.message}` : ''}`;
    return false;
  }
}
