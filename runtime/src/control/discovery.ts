// Finding the apps of a project: their discovery files in `<project>/.reloadable/`. A file of a process that
// is gone says how it ended when the runtime could write that; the newest such file is kept for `status`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DiscoveryFile } from '../../../src-shared/control-protocol';

export function discoveryFolder(project: string): string {
  return path.join(project, '.reloadable');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: the process is gone. EPERM: the pid now belongs to someone else's process, not to our app.
    return false;
  }
}

function readAll(project: string): Array<{ file: string; discovery: DiscoveryFile }> {
  const folder = discoveryFolder(project);
  let names: string[];
  try {
    names = fs.readdirSync(folder).filter((name) => /^\d+\.json$/.test(name));
  } catch {
    return [];
  }
  const found: Array<{ file: string; discovery: DiscoveryFile }> = [];
  for (const name of names) {
    const file = path.join(folder, name);
    try {
      found.push({ file, discovery: JSON.parse(fs.readFileSync(file, 'utf8')) as DiscoveryFile });
    } catch {
      // A file being written or not ours: skip it.
    }
  }
  return found.sort((a, b) => (a.discovery.startedAt < b.discovery.startedAt ? 1 : -1));
}

/** The running apps of a project, newest first. Files of processes that are gone are removed, but the newest. */
export function runningApps(project: string): DiscoveryFile[] {
  const apps: DiscoveryFile[] = [];
  let keptExit = false;
  for (const { file, discovery } of readAll(project)) {
    if (!discovery.exit && isAlive(discovery.pid) && fs.existsSync(discovery.socket)) {
      apps.push(discovery);
    } else if (!keptExit) {
      keptExit = true;
    } else {
      fs.rmSync(file, { force: true });
    }
  }
  return apps;
}

/** The newest app of a project that is not running any more, and how it ended (when it could say). */
export function lastExited(project: string): DiscoveryFile | undefined {
  return readAll(project).find(({ discovery }) => discovery.exit || !isAlive(discovery.pid))?.discovery;
}
