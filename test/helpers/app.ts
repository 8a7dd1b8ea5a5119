import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig } from '../../src-shared/config';
import { Runtime, type RuntimeOptions } from '../../runtime/src/runtime';

/** A throwaway app on disk: its files, and a runtime running it in this process. */
export class TempApp {
  readonly dir: string;
  runtime: Runtime | undefined;
  readonly logs: string[] = [];
  private tick = 0;

  constructor(files: Record<string, string>, packageJson: object = { type: 'module' }) {
    this.dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-app-')));
    fs.writeFileSync(path.join(this.dir, 'package.json'), JSON.stringify(packageJson));
    for (const [name, text] of Object.entries(files)) this.write(name, text);
  }

  path(name: string): string {
    return path.join(this.dir, name);
  }

  /** Writes a file with a fresh mtime, so a scan sees the change even within one clock tick. */
  write(name: string, text: string): void {
    const file = this.path(name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    const time = new Date(Date.now() + ++this.tick * 1000);
    fs.utimesSync(file, time, time);
  }

  start(entry = 'main.ts', options: Partial<RuntimeOptions> = {}): Runtime {
    const push = (level: string) => (message: string) => this.logs.push(`${level}: ${message}`);
    this.runtime = Runtime.start({
      project: this.dir,
      entry: this.path(entry),
      config: defaultConfig(),
      logger: { info: push('info'), warn: push('warn'), error: push('error') },
      drainTimeoutMs: 500,
      initTimeoutMs: 1000,
      ...options,
    });
    return this.runtime;
  }

  /** The facade of a module, as an importer sees it. */
  module<T = any>(id: string): T {
    return this.runtime!.registry.records.get(id)!.facade as T;
  }

  async dispose(): Promise<void> {
    await this.runtime?.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
