// The apps the oracle runs: each folder with an oracle.json, once per variant where it names variants.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OracleSpec } from './spec';

export interface CorpusApp {
  name: string;
  appDir: string;
  spec: OracleSpec;
}

export interface CorpusOptions {
  /** `first-two`: an app's first two variants only (its settings go from quick to slow). @default all */
  variants?: 'all' | 'first-two';
}

export function corpusApp(appDir: string, spec: OracleSpec, name = path.basename(appDir), options: CorpusOptions = {}): CorpusApp[] {
  if (!spec.variants) return [{ name, appDir, spec }];
  const variants = Object.entries(spec.variants);
  const chosen = options.variants === 'first-two' ? variants.slice(0, 2) : variants;
  return chosen.map(([variant, change]) => ({
    name: `${name} (${variant})`,
    appDir,
    spec: { ...spec, env: { ...spec.env, ...change.env }, runArgs: change.runArgs ?? spec.runArgs, variants: undefined },
  }));
}

/** Every app of a folder of apps (test/conformance/apps) that has an oracle.json, in name order. */
export function corpus(folder: string, options: CorpusOptions = {}): CorpusApp[] {
  return fs
    .readdirSync(folder)
    .sort()
    .filter((name) => fs.existsSync(path.join(folder, name, 'oracle.json')))
    .flatMap((name) =>
      corpusApp(path.join(folder, name), JSON.parse(fs.readFileSync(path.join(folder, name, 'oracle.json'), 'utf8')) as OracleSpec, name, options),
    );
}
