import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { runtimeAdjacency, type ModuleGraph } from '../../src-shared/module-graph';
import { findCycles, shortestPath, stronglyConnectedComponents } from '../../src-shared/strongly-connected';
import { orderModules, planReload, type HotAcceptance } from '../../src-shared/reload-order';

/** Random graphs of up to 25 modules; a fifth of the edges are type-only. */
const graphs = fc
  .integer({ min: 1, max: 25 })
  .chain((size) =>
    fc.record({
      size: fc.constant(size),
      edges: fc.array(fc.tuple(fc.nat(size - 1), fc.nat(size - 1), fc.boolean(), fc.nat(4)), { maxLength: size * 3 }),
    }),
  )
  .map(({ size, edges }): ModuleGraph => ({
    modules: Array.from({ length: size }, (_, i) => ({ id: `m${String(i).padStart(2, '0')}.ts`, layer: null })),
    edges: edges.map(([from, to, dynamic, typeChance]) => ({
      from: `m${String(from).padStart(2, '0')}.ts`,
      to: `m${String(to).padStart(2, '0')}.ts`,
      kind: dynamic ? 'dynamic' : 'static',
      typeOnly: typeChance === 0,
    })),
  }));

function reachable(adjacency: Map<string, string[]>, from: string): Set<string> {
  const seen = new Set<string>([from]);
  const stack = [from];
  while (stack.length > 0) {
    for (const next of adjacency.get(stack.pop()!) ?? []) {
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(next);
    }
  }
  return seen;
}

describe('strongly connected components', () => {
  it('match a brute-force mutual-reachability check on random graphs', () => {
    fc.assert(
      fc.property(graphs, (graph) => {
        const adjacency = runtimeAdjacency(graph);
        const reach = new Map([...adjacency.keys()].map((id) => [id, reachable(adjacency, id)]));
        const componentOf = new Map<string, string[]>();
        for (const component of stronglyConnectedComponents(adjacency)) for (const id of component) componentOf.set(id, component);
        for (const a of adjacency.keys()) {
          for (const b of adjacency.keys()) {
            const mutual = reach.get(a)!.has(b) && reach.get(b)!.has(a);
            assert.equal(componentOf.get(a) === componentOf.get(b), mutual, `${a} and ${b}`);
          }
        }
      }),
    );
  });

  it('ignore type-only edges, which compilation erases', () => {
    const graph: ModuleGraph = {
      modules: [
        { id: 'a.ts', layer: null },
        { id: 'b.ts', layer: null },
      ],
      edges: [
        { from: 'a.ts', to: 'b.ts', kind: 'static', typeOnly: false },
        { from: 'b.ts', to: 'a.ts', kind: 'static', typeOnly: true },
      ],
    };
    assert.deepEqual(findCycles(runtimeAdjacency(graph)), []);
  });

  it('leave out a module that imports itself: it reloads as one unit whatever it imports', () => {
    const graph: ModuleGraph = {
      modules: [
        { id: 'a.ts', layer: null },
        { id: 'b.ts', layer: null },
      ],
      edges: [
        { from: 'a.ts', to: 'a.ts', kind: 'static', typeOnly: false },
        { from: 'a.ts', to: 'b.ts', kind: 'static', typeOnly: false },
      ],
    };
    assert.deepEqual(findCycles(runtimeAdjacency(graph)), []);
  });

  it('survive a 50,000-module chain without overflowing the stack', () => {
    const ids = Array.from({ length: 50_000 }, (_, i) => `m${i}`);
    const adjacency = new Map(ids.map((id, i) => [id, i + 1 < ids.length ? [ids[i + 1]!] : [ids[0]!]]));
    assert.equal(stronglyConnectedComponents(adjacency).length, 1);
  });

  it('name a cycle by its shortest path', () => {
    const adjacency = new Map([
      ['a', ['b', 'c']],
      ['b', ['d']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    assert.deepEqual(shortestPath(adjacency, 'b', 'a'), ['b', 'd', 'a']);
    assert.deepEqual(shortestPath(adjacency, 'c', 'a'), ['c', 'a']);
    assert.equal(shortestPath(new Map([['a', []]]), 'a', 'b'), undefined);
  });
});

describe('reload order', () => {
  it('loads every module after the modules it imports, except inside one cycle', () => {
    fc.assert(
      fc.property(graphs, (graph) => {
        const adjacency = runtimeAdjacency(graph);
        const { load, unload, units } = orderModules(adjacency);
        assert.equal(load.length, adjacency.size);
        assert.deepEqual(unload, [...load].reverse());
        const unitOf = new Map<string, number>();
        units.forEach((unit, index) => unit.forEach((id) => unitOf.set(id, index)));
        const position = new Map(load.map((id, index) => [id, index]));
        for (const edge of graph.edges.filter((e) => !e.typeOnly)) {
          if (unitOf.get(edge.from) === unitOf.get(edge.to)) continue;
          assert.ok(position.get(edge.to)! < position.get(edge.from)!, `${edge.to} loads before ${edge.from}`);
        }
      }),
    );
  });

  it('is the same whatever order the edges come in', () => {
    fc.assert(
      fc.property(graphs, fc.integer(), (graph, seed) => {
        const shuffled = { ...graph, edges: [...graph.edges].sort(() => (Math.sin(seed++) > 0 ? 1 : -1)) };
        assert.deepEqual(orderModules(runtimeAdjacency(shuffled)), orderModules(runtimeAdjacency(graph)));
      }),
    );
  });

  it('orders a subset through paths outside it', () => {
    const adjacency = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', []],
    ]);
    assert.deepEqual(orderModules(adjacency, new Set(['a', 'c'])).load, ['c', 'a']);
  });
});

describe('reload plan', () => {
  // main → routes → users → db;  routes → db
  const adjacency = new Map([
    ['main', ['routes']],
    ['routes', ['users', 'db']],
    ['users', ['db']],
    ['db', []],
  ]);
  const hot = (facts: Record<string, Partial<HotAcceptance>>) => (id: string) =>
    facts[id] && { selfAccepts: false, acceptsDeps: [], declines: false, ...facts[id] };

  it('re-runs importers up to the entry when nothing accepts', () => {
    const plan = planReload(adjacency, ['db']);
    assert.deepEqual(plan.affected, ['db', 'main', 'routes', 'users']);
    assert.deepEqual(plan.unload, ['main', 'routes', 'users', 'db']);
    assert.deepEqual(plan.load, ['db', 'users', 'routes', 'main']);
  });

  it('stops at a module that accepts itself', () => {
    const plan = planReload(adjacency, ['users'], hot({ users: { selfAccepts: true } }));
    assert.deepEqual(plan.affected, ['users']);
  });

  it('stops at an importer that accepts the dependency', () => {
    const plan = planReload(adjacency, ['db'], hot({ users: { acceptsDeps: ['db'] }, routes: { selfAccepts: true } }));
    assert.deepEqual(plan.affected, ['db', 'routes']);
    assert.deepEqual(plan.load, ['db', 'routes']);
  });

  it('reports modules that decline', () => {
    assert.deepEqual(planReload(adjacency, ['users'], hot({ routes: { declines: true } })).declinedBy, ['routes']);
  });

  it('reloads a cycle as one unit even when one member accepts itself', () => {
    const cyclic = new Map([
      ['a', ['b']],
      ['b', ['a']],
      ['c', ['a']],
    ]);
    const plan = planReload(cyclic, ['a'], hot({ a: { selfAccepts: true }, b: { selfAccepts: true } }));
    assert.deepEqual(plan.affected, ['a', 'b']);
    assert.deepEqual(plan.units, [['a', 'b']]);
  });
});
