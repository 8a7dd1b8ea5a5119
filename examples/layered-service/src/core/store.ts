/** An in-memory key-value store; its contents survive reloads through the state handoff. */
const entries = new Map<string, number>();

import.meta.hot?.state({
  version: 1,
  save: () => [...entries],
  restore: (saved: Array<[string, number]>) => saved.forEach(([key, value]) => entries.set(key, value)),
});

export function increment(key: string): number {
  const next = (entries.get(key) ?? 0) + 1;
  entries.set(key, next);
  return next;
}

export function snapshot(): Record<string, number> {
  return Object.fromEntries(entries);
}
