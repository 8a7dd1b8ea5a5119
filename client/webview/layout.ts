// The module graph panel's layout: the layers as horizontal bands, bottom layer at the bottom, each band laid
// out by dagre (a layered, Sugiyama-style layout) from the imports inside it, then stacked. Laying out band by
// band keeps each run small (dagre's time grows much faster than the module count) and keeps every module in
// its declared layer. Pure: no DOM, so it is tested in Node.
import dagre from '@dagrejs/dagre';
import type { GraphView, ViewEdge, ViewModule } from './model';

export interface PlacedNode extends ViewModule {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge extends ViewEdge {
  points: Array<{ x: number; y: number }>;
}

export interface Band {
  layer: string;
  y: number;
  height: number;
}

export interface Layout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  bands: Band[];
  width: number;
  height: number;
}

export const unlayered = '(no layer)';
const nodeHeight = 30;
const bandPadding = 28;
/** Modules with no import inside their band would sit in one endless row: they wrap at this many. */
const maxRowWidth = 2400;

/** What a node shows: its label (with the module count of a collapsed folder) and its badges. */
export function nodeText(module: ViewModule): { label: string; badges: string } {
  const badges: string[] = [];
  if (module.version !== undefined) badges.push(`v${module.version}`);
  if (module.inFlight) badges.push(`${module.inFlight}⇄`);
  if (module.hazards > 0) badges.push(`⚠${module.hazards}`);
  return { label: module.size > 1 ? `${module.label} (${module.size})` : module.label, badges: badges.join(' ') };
}

/** Wide enough for the label and, right-aligned after a gap, the badges. */
export function nodeWidth(module: ViewModule): number {
  const { label, badges } = nodeText(module);
  const characters = label.length + (badges ? badges.length + 2 : 0);
  return Math.max(90, Math.min(320, 24 + characters * 7));
}

export function layoutGraph(view: GraphView): Layout {
  const layers = [...view.layers];
  if (view.modules.some((module) => module.layer === null)) layers.push(unlayered);
  const byLayer = new Map<string, ViewModule[]>(layers.map((layer) => [layer, []]));
  for (const module of view.modules) byLayer.get(module.layer ?? unlayered)?.push(module);

  // Top band first on screen: modules with no layer (the entry, typically, which imports everything), then the
  // last (highest) layer, down to the first.
  const bands: Band[] = [];
  const nodes: PlacedNode[] = [];
  let top = 0;
  let width = 0;
  for (const layer of [...layers].reverse()) {
    const modules = byLayer.get(layer)!;
    if (modules.length === 0) continue;
    const placed = layoutBand(modules, view.edges);
    const height = Math.max(...placed.map((node) => node.y + node.height / 2), nodeHeight) + bandPadding;
    for (const node of placed) nodes.push({ ...node, y: node.y + top + bandPadding });
    width = Math.max(width, ...placed.map((node) => node.x + node.width / 2));
    bands.push({ layer, y: top, height: height + bandPadding / 2 });
    top += height + bandPadding / 2;
  }
  const at = new Map(nodes.map((node) => [node.id, node]));
  const edges: PlacedEdge[] = [];
  for (const edge of view.edges) {
    const from = at.get(edge.from);
    const to = at.get(edge.to);
    if (!from || !to) continue;
    // From the importer's edge facing the imported module to the imported module's facing edge.
    const down = to.y >= from.y;
    edges.push({
      ...edge,
      points: [
        { x: from.x, y: from.y + (down ? from.height / 2 : -from.height / 2) },
        { x: to.x, y: to.y + (down ? -to.height / 2 : to.height / 2) },
      ],
    });
  }
  return { nodes, edges, bands, width: width + 20, height: top };
}

/** One band: dagre from the band's own imports (importer above imported), then wrapping of the loose modules. */
function layoutBand(modules: ViewModule[], edges: ViewEdge[]): PlacedNode[] {
  const ids = new Set(modules.map((module) => module.id));
  const inside = edges.filter((edge) => ids.has(edge.from) && ids.has(edge.to) && edge.from !== edge.to);
  const linked = new Set(inside.flatMap((edge) => [edge.from, edge.to]));
  const placed: PlacedNode[] = [];
  let bottom = 0;
  let right = 0;
  if (linked.size > 0) {
    const graph = new dagre.graphlib.Graph();
    graph.setGraph({ rankdir: 'TB', nodesep: 14, ranksep: 36, marginx: 10, marginy: 0 });
    graph.setDefaultEdgeLabel(() => ({}));
    for (const module of modules) if (linked.has(module.id)) graph.setNode(module.id, { width: nodeWidth(module), height: nodeHeight });
    for (const edge of inside) graph.setEdge(edge.from, edge.to);
    dagre.layout(graph);
    for (const module of modules) {
      if (!linked.has(module.id)) continue;
      const { x, y, width, height } = graph.node(module.id);
      placed.push({ ...module, x, y, width, height });
      bottom = Math.max(bottom, y + height / 2);
      right = Math.max(right, x + width / 2);
    }
  }
  // The rest in rows beside (or under) the laid-out part, in id order so a folder's modules stay together.
  const loose = modules.filter((module) => !linked.has(module.id)).sort((a, b) => a.id.localeCompare(b.id));
  let x = right > 0 && right < maxRowWidth / 2 ? right + 30 : 10;
  const left = x;
  let y = right > 0 && right < maxRowWidth / 2 ? nodeHeight / 2 : bottom + (bottom > 0 ? 30 : nodeHeight / 2);
  for (const module of loose) {
    const width = nodeWidth(module);
    if (x + width > maxRowWidth && x > left) {
      x = left;
      y += nodeHeight + 14;
    }
    placed.push({ ...module, x: x + width / 2, y, width, height: nodeHeight });
    x += width + 14;
  }
  return placed;
}
