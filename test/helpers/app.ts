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

  remove(name: string): void {
    fs.rmSync(this.path(name));
  }

  async start(entry = 'main.ts', options: Partial<RuntimeOptions> = {}): Promise<Runtime> {
    const push = (level: string) => (message: string) => this.logs.push(`${level}: ${message}`);
    this.runtime = await Runtime.start({
      project: this.dir,
      entry: this.path(entry),
      config: defaultConfig(),
      logger: { info: push('info'), warn: push('warn'), error: push('error') },
      drainTimeoutMs: 500,
      initTimeoutMs: 1000,
      settleMs: 20,
      ...options,
    });
    return this.runtime;
  }

  /** A module as an importer sees it: an ES module's live namespace, a CommonJS module's exports. */
  module<T = any>(id: string): T {
    const record = this.runtime!.registry.records.get(id)!;
    return (record.current?.transformed.esmSyntax ? record.namespace : record.current?.module.exports) as T;
  }

  async dispose(): Promise<void> {
    await this.runtime?.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
