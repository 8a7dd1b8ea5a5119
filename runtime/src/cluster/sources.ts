// What `--watch` asks of the app's sources when the app runs on workers: the primary loads no module, so it
// keeps a copy of one worker's live modules (each file and the hash of the source it runs), taken after the
// start and after each reload, and compares the files on disk with it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Project } from '../modules/project';
import { contentHash } from '../transform';
import { lookAt, type Look, type WatchedSources } from '../watch';
import type { ClusterCoordinator, Member } from './coordinator';

export class ClusterSources implements WatchedSources {
  private live = new Map<string, string>();

  constructor(
    private readonly coordinator: ClusterCoordinator,
    /** Where ids are relative to, and how the files compile (to tell a half-written file). */
    private readonly project: Pick<Project, 'dir' | 'settings'>,
    /** Whose modules: any member's by default. */
    private readonly which: (member: Member) => boolean = () => true,
  ) {}

  /** Takes the workers' live modules again. */
  async refresh(): Promise<void> {
    const sources = await this.coordinator.liveSources(this.which);
    if (sources) this.live = new Map(sources);
  }

  watches(file: string): boolean {
    return this.live.has(file);
  }

  changedFiles(files: Iterable<string>): string[] {
    return [...files].filter((file) => {
      const hash = this.live.get(file);
      if (hash === undefined) return false;
      try {
        return contentHash(fs.readFileSync(file, 'utf8')) !== hash;
      } catch {
        return true;
      }
    });
  }

  lookAt(file: string): Look {
    return lookAt(file, path.relative(this.project.dir, file).split(path.sep).join('/'), this.project.settings);
  }
}
