// A module's source as a load reads it, with the stamp the watcher later compares the file against.
import * as fs from 'node:fs';
import { contentHash } from '../transform';

/** What a file looked like when a version was loaded from it. */
export interface SourceStamp {
  mtimeMs: number;
  size: number;
  hash: string;
}

export interface StampedSource {
  text: string;
  stamp: SourceStamp;
}

/**
 * Texts that stand for files on disk, by absolute path: a cluster worker's code as its primary shipped it
 * (cluster/), so that every worker loads the same bytes and a respawned one the committed code, whatever the
 * disk holds by then. Empty outside a cluster.
 */
export const sourceOverlay = new Map<string, string>();

/** Told of each file read from disk (a cluster worker keeps the text it runs: see cluster/participant.ts). */
export const diskReads: { listener: ((file: string, text: string) => void) | undefined } = { listener: undefined };

/**
 * Whether a file still holds what `stamp` recorded: size and time first, then content. Returns the stamp to keep
 * (its time moved on when only the time changed), or undefined when the file changed or is gone.
 */
export function stillAsStamped(file: string, stamp: SourceStamp): SourceStamp | undefined {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) return undefined;
  if (stat.mtimeMs === stamp.mtimeMs && stat.size === stamp.size) return stamp;
  if (contentHash(fs.readFileSync(file, 'utf8')) !== stamp.hash) return undefined;
  return { ...stamp, mtimeMs: stat.mtimeMs };
}

/** Reads a module's source and its stamp: stat first, so a save landing in between looks like a change. */
export function readSource(file: string): StampedSource {
  const shipped = sourceOverlay.get(file);
  if (shipped !== undefined) {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    return { text: shipped, stamp: { mtimeMs: stat?.mtimeMs ?? 0, size: Buffer.byteLength(shipped), hash: contentHash(shipped) } };
  }
  const stat = fs.statSync(file);
  const text = fs.readFileSync(file, 'utf8');
  diskReads.listener?.(file, text);
  return { text, stamp: { mtimeMs: stat.mtimeMs, size: stat.size, hash: contentHash(text) } };
}
