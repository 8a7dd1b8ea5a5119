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

/** Reads a module's source and its stamp: stat first, so a save landing in between looks like a change. */
export function readSource(file: string): StampedSource {
  const stat = fs.statSync(file);
  const text = fs.readFileSync(file, 'utf8');
  return { text, stamp: { mtimeMs: stat.mtimeMs, size: stat.size, hash: contentHash(text) } };
}
