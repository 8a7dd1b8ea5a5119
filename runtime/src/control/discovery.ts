// Finding the apps of a project: their discovery files in `<project>/.reloadable/`, kept only while the
// process that wrote them is alive.
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

/** The running apps of a project, newest first. Files of processes that are gone are removed. */
export function runningApps(project: string): DiscoveryFile[] {
  const folder = discoveryFolder(project);
  let names: string[];
  try {
    names = fs.readdirSync(folder).filter((name) => /^\d+\.json$/.test(name));
  } catch {
    return [];
  }
  const apps: DiscoveryFile[] = [];
  for (const name of names) {
    const file = path.join(folder, name);
    try {
      const discovery = JSON.parse(fs.readFileSync(file, 'utf8')) as DiscoveryFile;
      if (isAlive(discovery.pid) && fs.existsSync(discovery.socket)) apps.push(discovery);
      else fs.rmSync(file, { force: true });
    } catch {
      // A file being written or not ours: skip it.
    }
  }
  return apps.sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
}
