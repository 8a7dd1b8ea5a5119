// The module graph panel, in Node: the facts the extension sends (server flags presented, the app's facts in
// the folder's ids), the model (what collapsing and filtering do), and the layout (where modules land, and that
// a 2,000-module graph is laid out with no overlaps).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import type { ModuleStatus, ReloadResult } from '../../src-shared/control-protocol';
import type { FolderGraph } from '../../src-shared/lsp-protocol';
import type { PanelFolder } from '../../src-shared/webview-protocol';
import { ProjectAnalysis } from '../../server/src/analysis/analyzer';
import { panelFacts, prefixIn } from '../../client/src/panel-facts';
import { layoutGraph, nodeText, nodeWidth, type PlacedNode } from '../../client/webview/layout';
import { buildView } from '../../client/webview/model';
import { fixturesDir } from '../helpers/fixtures';

const folder = 'file:///ws';
const folderInfo = () => ({ path: '/ws', name: 'ws' });

/** A folder's graph as the server sends it: `upward` and `cycle` name the edges the server flagged. */
function graph(
  modules: Array<[string, string | null, number?]>,
  edges: Array<[string, string, ('upward' | 'cycle')?]>,
  cycles: string[][] = [],
): PanelFolder {
  return {
    folder,
    name: 'ws',
    layers: ['core', 'services', 'http'],
    modules: modules.map(([id, layer, hazards]) => ({ id, layer, uri: `${folder}/${id}`, hazards: hazards ?? 0 })),
    edges: edges.map(([from, to, flag]) => ({ from, to, kind: 'static', typeOnly: false, upward: flag === 'upward', inCycle: flag === 'cycle' })),
    cycles,
    reloadOrder: { unload: [], load: [] },
  };
}

const layered = graph(
  [
    ['src/core/db.ts', 'core'],
    ['src/core/log.ts', 'core', 2],
    ['src/services/users.ts', 'services'],
    ['src/services/audit.ts', 'services'],
    ['src/http/routes.ts', 'http'],
    ['src/main.ts', null],
  ],
  [
    ['src/http/routes.ts', 'src/services/users.ts'],
    ['src/services/users.ts', 'src/core/db.ts'],
    ['src/services/users.ts', 'src/services/audit.ts', 'cycle'],
    ['src/services/audit.ts', 'src/services/users.ts', 'cycle'],
    ['src/core/log.ts', 'src/http/routes.ts', 'upward'],
    ['src/main.ts', 'src/http/routes.ts'],
  ],
  [['src/services/audit.ts', 'src/services/users.ts']],
);

function overlaps(a: PlacedNode, b: PlacedNode): boolean {
  return Math.abs(a.x - b.x) * 2 < a.width + b.width && Math.abs(a.y - b.y) * 2 < a.height + b.height;
}

describe('the facts of the graph', () => {
  test('the server flags exactly the edges its rules report, type-only imports never', () => {
    const analysis = ProjectAnalysis.open(path.join(fixturesDir, 'projects/layered'));
    const diagnostics = analysis.check().diagnostics;
    const edges = analysis.decidedEdges();
    const reportedAt = (code: string) => new Set(diagnostics.filter((d) => d.code === code).map((d) => analysis.idOf(d.file)));
    const upward = edges.filter((edge) => edge.upward);
    assert.ok(upward.length > 0 && upward.every((edge) => !edge.typeOnly && reportedAt('layer-violation').has(edge.from)));
    assert.deepEqual(new Set(edges.filter((edge) => edge.inCycle).map((edge) => edge.from)), reportedAt('import-cycle'));
    assert.ok(
      edges.some((edge) => edge.typeOnly),
      'the fixture has a type-only import',
    );
    assert.ok(edges.filter((edge) => edge.typeOnly).every((edge) => !edge.upward && !edge.inCycle));
  });

  test('the panel presents the flags it is sent and decides none', () => {
    const view = buildView(panelFacts([layered], folderInfo, undefined), {})!;
    const flagged = (kind: 'upward' | 'cycle') =>
      view.edges
        .filter((edge) => edge[kind])
        .map((edge) => `${edge.from}>${edge.to}`)
        .sort();
    assert.deepEqual(flagged('upward'), ['src/core/log.ts>src/http/routes.ts']);
    assert.deepEqual(flagged('cycle'), ['src/services/audit.ts>src/services/users.ts', 'src/services/users.ts>src/services/audit.ts']);
    assert.equal(view.violations, 1);
    assert.equal(view.cycles, 1);
    const unflagged: FolderGraph = { ...layered, edges: layered.edges.map((edge) => ({ ...edge, upward: false, inCycle: false })) };
    assert.equal(buildView(panelFacts([unflagged], folderInfo, undefined), {})!.violations, 0, 'no layer arithmetic of its own');
  });

  test("translates the app's live versions and pending order into the ids of the folder it runs in", () => {
    const live = (id: string, version: number, inFlight: number): ModuleStatus => ({
      id,
      layer: null,
      version,
      inFlight,
      stateful: false,
      retiring: [{ version: version - 1, inFlight: 1 }],
    });
    const subfolder = graph(
      [
        ['app/src/a.ts', 'core'],
        ['app/src/b.ts', 'core'],
      ],
      [['app/src/b.ts', 'app/src/a.ts']],
    );
    const app = {
      project: '/ws/app',
      entry: 'src/main.ts',
      modules: [live('src/a.ts', 3, 2), live('src/b.ts', 1, 0)],
      pending: ['src/a.ts', 'src/b.ts'],
    };
    const facts = panelFacts([subfolder], folderInfo, app);
    const view = buildView(facts, {})!;
    const a = view.modules.find((module) => module.id === 'app/src/a.ts')!;
    assert.deepEqual([a.version, a.inFlight, a.pendingOrder], [3, 3, 1]);
    assert.equal(view.modules.find((module) => module.id === 'app/src/b.ts')!.pendingOrder, 2);
    const elsewhere = panelFacts([subfolder], folderInfo, { ...app, project: '/other' });
    assert.equal(elsewhere.folders[0]!.live, undefined, 'an app of another folder shows nothing here');
  });

  test("lists an app's processes and their epochs only while they differ", () => {
    const folder = graph([['src/a.ts', 'core']], []);
    const app = (epochs: number[]) => ({
      project: '/ws',
      entry: 'src/main.ts',
      modules: [],
      cluster: { epoch: 4, workers: epochs.map((epoch, index) => ({ worker: index + 1, epoch })) },
    });
    assert.equal(panelFacts([folder], folderInfo, app([4, 4])).app!.split, undefined);
    assert.deepEqual(panelFacts([folder], folderInfo, app([4, 3])).app!.split, [
      { process: 'worker 1', epoch: 4 },
      { process: 'worker 2', epoch: 3 },
    ]);
  });

  test('knows where an app runs relative to a folder, by path, not by text', () => {
    assert.equal(prefixIn('/ws', '/ws'), '');
    assert.equal(prefixIn('/ws', '/ws/app'), 'app/');
    assert.equal(prefixIn('/ws', '/wsx/app'), undefined);
  });

  test('numbers the modules of a committed reload, and marks the module a rolled-back one failed in', () => {
    const result = (outcome: 'committed' | 'rolled-back') =>
      ({
        id: 7,
        outcome,
        changed: ['src/http/routes.ts'],
        unloadOrder: ['src/http/routes.ts'],
        loadOrder: ['src/services/users.ts', 'src/http/routes.ts'],
        error: outcome === 'rolled-back' ? { module: 'src/http/routes.ts', phase: 'transform', message: 'Unexpected ","' } : undefined,
      }) as unknown as ReloadResult;
    const app = (last: ReloadResult) => ({ project: '/ws', entry: 'src/main.ts', modules: [], last });
    const committed = buildView(panelFacts([layered], folderInfo, app(result('committed'))), {})!;
    const byId = (view: typeof committed, id: string) => view.modules.find((module) => module.id === id)!;
    assert.deepEqual(
      [
        byId(committed, 'src/services/users.ts').lastOrder,
        byId(committed, 'src/http/routes.ts').lastOrder,
        byId(committed, 'src/core/db.ts').lastOrder,
      ],
      [1, 2, undefined],
    );
    assert.ok(committed.modules.every((module) => module.failure === undefined));
    const rolledBack = buildView(panelFacts([layered], folderInfo, app(result('rolled-back'))), {})!;
    assert.equal(byId(rolledBack, 'src/http/routes.ts').failure, 'transform: Unexpected ","');
    assert.ok(rolledBack.modules.every((module) => module.lastOrder === undefined));
    assert.equal(rolledBack.modules.filter((module) => module.failure).length, 1);
  });
});

describe('the graph panel model', () => {
  test('collapses a directory into one node, keeping its totals and the flags of its edges', () => {
    const view = buildView({ folders: [layered] }, { collapseFolders: true })!;
    const services = view.modules.find((module) => module.label === 'src/services/')!;
    assert.equal(services.size, 2);
    assert.equal(services.inCycle, true);
    assert.equal(view.modules.find((module) => module.label === 'src/core/')!.hazards, 2);
    assert.ok(
      view.edges.every((edge) => edge.from !== edge.to),
      'no edge from a folder to itself',
    );
    assert.ok(
      view.edges.some((edge) => edge.upward),
      'the upward import survives the merge',
    );
  });

  test('filters by layer and marks search matches', () => {
    const view = buildView({ folders: [layered] }, { layer: 'services', search: 'AUD' })!;
    assert.deepEqual(view.modules.map((module) => module.id).sort(), ['src/services/audit.ts', 'src/services/users.ts']);
    assert.deepEqual(
      view.modules.filter((module) => module.matches).map((module) => module.id),
      ['src/services/audit.ts'],
    );
    assert.ok(view.edges.every((edge) => edge.from.startsWith('src/services/') && edge.to.startsWith('src/services/')));
  });
});

describe('the graph panel layout', () => {
  test('puts each layer in its own band, highest layer on top, modules without a layer (the entry, typically) above it', () => {
    const layout = layoutGraph(buildView({ folders: [layered] }, {})!);
    assert.deepEqual(
      layout.bands.map((band) => band.layer),
      ['(no layer)', 'http', 'services', 'core'],
    );
    for (const node of layout.nodes) {
      const band = layout.bands.find((candidate) => candidate.layer === (node.layer ?? '(no layer)'))!;
      assert.ok(
        node.y - node.height / 2 >= band.y && node.y + node.height / 2 <= band.y + band.height,
        `${node.id} lies inside the ${band.layer} band`,
      );
    }
    assert.equal(layout.edges.length, layered.edges.length);
  });

  test('makes each node wide enough for its label and, after a gap, its badges (version, calls in flight, hazards)', () => {
    // About 7 px a character at the panel's font size: the label starts 8 px in, the badges end 6 px before the edge.
    const characterWidth = 7;
    const base = { id: 'src/routes/index.ts', label: 'index.ts', layer: null, hazards: 0, size: 1, inCycle: false, matches: true };
    for (const module of [
      base,
      { ...base, version: 12, hazards: 3 },
      { ...base, version: 2, inFlight: 140, hazards: 1, label: 'a-much-longer-name.ts' },
    ]) {
      const { label, badges } = nodeText(module);
      const width = nodeWidth(module);
      assert.ok(
        8 + label.length * characterWidth + characterWidth <= width - 6 - badges.length * characterWidth,
        `${label} ${badges} fits in ${width} px`,
      );
    }
    assert.equal(nodeText({ ...base, version: 2, inFlight: 3, hazards: 1 }).badges, 'v2 3⇄ ⚠1');
    assert.equal(nodeText({ ...base, size: 4, label: 'src/routes' }).label, 'src/routes (4)');
  });

  test('lays out 2,000 modules in six layers with no two modules overlapping', () => {
    const layers = ['l0', 'l1', 'l2', 'l3', 'l4', 'l5'];
    const modules: Array<[string, string]> = [];
    const edges: Array<[string, string]> = [];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) modules.push([`src/${layers[i % 6]}/dir${i % 40}/m${i}.ts`, layers[i % 6]]);
    for (let i = 0; i < 2000; i++) {
      for (let k = 0; k < 3; k++) {
        const j = Math.floor(random() * 2000);
        if (j % 6 <= i % 6 && j !== i) edges.push([modules[i][0], modules[j][0]]);
      }
    }
    const big: PanelFolder = {
      ...graph([], []),
      layers,
      modules: modules.map(([id, layer]) => ({ id, layer, uri: `${folder}/${id}`, hazards: 0 })),
      edges: edges.map(([from, to]) => ({ from, to, kind: 'static' as const, typeOnly: false, upward: false, inCycle: false })),
    };
    const layout = layoutGraph(buildView({ folders: [big] }, {})!);
    assert.equal(layout.nodes.length, 2000);
    const byBand = new Map<string, PlacedNode[]>();
    for (const node of layout.nodes) byBand.set(node.layer!, [...(byBand.get(node.layer!) ?? []), node]);
    for (const [layer, nodes] of byBand) {
      const sorted = [...nodes].sort((a, b) => a.x - b.x);
      for (let i = 0; i < sorted.length; i++) {
        for (let j = i + 1; j < sorted.length && sorted[j].x - sorted[i].x < 330; j++) {
          assert.ok(!overlaps(sorted[i], sorted[j]), `${sorted[i].id} and ${sorted[j].id} overlap in ${layer}`);
        }
      }
    }
  });
});
