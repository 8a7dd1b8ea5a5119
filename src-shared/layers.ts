import picomatch from 'picomatch/posix';
import type { LayerConfig } from './config';

/** Assigns modules (ids relative to the project folder) to the first layer whose globs match them. */
export class LayerMap {
  private readonly matchers: Array<{ name: string; rank: number; test: (id: string) => boolean }>;

  constructor(readonly layers: readonly LayerConfig[]) {
    this.matchers = layers.map((layer, rank) => ({ name: layer.name, rank, test: picomatch(layer.include, { dot: true }) }));
  }

  layerOf(id: string): string | null {
    return this.matchers.find((matcher) => matcher.test(id))?.name ?? null;
  }

  /** Position of a layer, bottom layer 0; -1 for modules in no layer. */
  rank(layer: string | null): number {
    return layer === null ? -1 : (this.matchers.find((matcher) => matcher.name === layer)?.rank ?? -1);
  }

  /** An import goes up when the importer's layer sits below the imported module's layer. */
  goesUp(fromLayer: string | null, toLayer: string | null): boolean {
    if (fromLayer === null || toLayer === null) return false;
    return this.rank(fromLayer) < this.rank(toLayer);
  }
}

/** A matcher for `ignore` globs. */
export function globMatcher(globs: readonly string[]): (id: string) => boolean {
  if (globs.length === 0) return () => false;
  return picomatch([...globs], { dot: true });
}
