// The app's modules by id: ids are paths relative to the project, with forward slashes, as the analyser and
// the editor name them. Only files inside the project and outside node_modules are app modules.
import * as path from 'node:path';
import { formatOf } from '../transform';
import { ModuleRecord } from './module';
import { isAppFile } from './project';
import type { LoadSession } from './session';

export class ModuleRecords extends Map<string, ModuleRecord> {
  constructor(
    /** Absolute: the folder ids are relative to. */
    readonly project: string,
  ) {
    super();
  }

  idOf(file: string): string {
    return path.relative(this.project, file).split(path.sep).join('/');
  }

  fileOf(id: string): string {
    return path.join(this.project, ...id.split('/'));
  }

  /** Whether a file is one of the app's own modules: outside node_modules, inside the project. */
  isAppFile(file: string): boolean {
    return isAppFile(this.project, file);
  }

  /** The record of `file`, made (and noted as `session`'s, to go if it is dropped) when it is new. */
  recordFor(file: string, session?: LoadSession): ModuleRecord {
    const id = this.idOf(file);
    let record = this.get(id);
    if (!record) {
      record = new ModuleRecord(id, file, formatOf(file));
      this.set(id, record);
      session?.added.push(record);
    }
    return record;
  }

  /** The record of a module file already known, by its absolute path. */
  ofFile(file: string): ModuleRecord | undefined {
    return this.get(this.idOf(file));
  }
}
