// The reload criterion, as a property: after any reload the app behaves as a fresh start on the new sources
// would. Random module graphs, where each module reads each of its imports either at its top level (consumes
// it) or only when called; random edits of values, of how a module reads, and of which modules it imports.
// After each reload, what the entry observes must equal what a fresh start on the same files observes.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import fc from 'fast-check';
import { TempApp } from '../../helpers/app';

interface ModuleSpec {
  /** Changes with each edit of the module's value. */
  value: number;
  /** Imports (lower-numbered modules, so the graph starts acyclic), each read at top level or when called. */
  imports: Array<{ to: number; consumes: boolean }>;
}

function source(index: number, spec: ModuleSpec): string {
  const lines = spec.imports.map(({ to }) => `import { value as value${to}, observe as observe${to} } from './m${to}.js';`);
  lines.push(`export const value = 'm${index}:${spec.value}';`);
  // A value consumed at the top level is captured now; one read when called reaches the newest version.
  const consumed = spec.imports.filter((entry) => entry.consumes).map(({ to }) => `value${to}`);
  lines.push(`const captured = [${consumed.join(', ')}];`);
  const live = spec.imports.filter((entry) => !entry.consumes).map(({ to }) => `observe${to}()`);
  lines.push(`export function observe(): unknown { return { value, captured, live: [${live.join(', ')}] }; }`);
  return `${lines.join('\n')}\n`;
}

function files(specs: ModuleSpec[]): Record<string, string> {
  const all: Record<string, string> = {};
  specs.forEach((spec, index) => (all[`m${index}.ts`] = source(index, spec)));
  all['main.ts'] = `import { observe } from './m${specs.length - 1}.js';\nexport const observeAll = () => JSON.stringify(observe());\n`;
  return all;
}

const graph = (size: number) =>
  fc.tuple(
    ...Array.from({ length: size }, (_, index) =>
      fc.record({
        value: fc.constant(0),
        imports:
          index === 0
            ? fc.constant([])
            : fc.uniqueArray(fc.record({ to: fc.integer({ min: 0, max: index - 1 }), consumes: fc.boolean() }), {
                selector: (entry) => entry.to,
                maxLength: 3,
              }),
      }),
    ),
  );

type Edit = { module: number; kind: 'value' | 'toggle' | 'drop' };

const edits = (size: number) =>
  fc.array(fc.record({ module: fc.integer({ min: 0, max: size - 1 }), kind: fc.constantFrom<Edit['kind']>('value', 'toggle', 'drop') }), {
    minLength: 1,
    maxLength: 4,
  });

function apply(specs: ModuleSpec[], edit: Edit): ModuleSpec[] {
  return specs.map((spec, index) => {
    if (index !== edit.module) return spec;
    if (edit.kind === 'value') return { ...spec, value: spec.value + 1 };
    if (edit.kind === 'toggle')
      return { ...spec, imports: spec.imports.map((entry, at) => (at === 0 ? { ...entry, consumes: !entry.consumes } : entry)) };
    return { ...spec, value: spec.value + 1, imports: spec.imports.slice(1) };
  });
}

let apps: TempApp[] = [];
afterEach(async () => {
  for (const app of apps) await app.dispose();
  apps = [];
});

describe('reloads are equivalent to a fresh start', () => {
  it('on random graphs and random edits, the entry observes what a fresh start on the same sources observes', async () => {
    const size = 6;
    await fc.assert(
      fc.asyncProperty(graph(size), fc.array(edits(size), { minLength: 1, maxLength: 3 }), async (initial, batches) => {
        let specs = initial as ModuleSpec[];
        const app = new TempApp(files(specs));
        apps.push(app);
        const runtime = await app.start();
        for (const batch of batches) {
          for (const edit of batch) specs = apply(specs, edit);
          for (const [name, text] of Object.entries(files(specs))) app.write(name, text);
          const result = await runtime.reload();
          assert.notEqual(result.outcome, 'rolled-back', JSON.stringify(result.error));
          const fresh = new TempApp(files(specs));
          apps.push(fresh);
          await fresh.start();
          assert.equal(app.module('main.ts').observeAll(), fresh.module('main.ts').observeAll());
          await fresh.dispose();
          apps.pop();
        }
        await app.dispose();
        apps.pop();
      }),
      { numRuns: 40 },
    );
  });
});
