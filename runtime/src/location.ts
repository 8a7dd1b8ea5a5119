// Where the runtime's own files are, whether it runs from its sources (tests), its bundle, or inside the CLI's
// bundle: the loader hooks Node runs in their own thread are a file of their own.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

declare const __filename: string | undefined;

/** This module's file (or the bundle it is part of). */
export const runtimeFile: string = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);

/** `require` from the runtime's own place: its dependencies (the compiler's helpers) resolve from here. */
export const runtimeRequire = createRequire(runtimeFile);

/** The built file `name` of the runtime package (`hooks.mjs`, `register.mjs`). */
export function runtimeOutput(name: string): string {
  const dir = path.dirname(runtimeFile);
  const candidates = [path.join(dir, name), path.join(dir, '../out', name), path.join(dir, '../../runtime/out', name)];
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (!found) throw new Error(`the runtime's ${name} is missing (looked in ${candidates.join(', ')}): run \`npm run build\``);
  return found;
}
