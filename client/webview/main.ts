// The module graph panel, in the webview: draws the layout as SVG in VS Code's theme colours, and handles
// filters, search, folder collapsing, zoom and clicks. Facts arrive from the extension by message; every
// decision about presentation is made here.
import { assertNever } from '../../src-shared/exhaustive';
import { webviewProtocolVersion, type FromPanel, type PanelFacts, type ToPanel } from '../../src-shared/webview-protocol';
import { layoutGraph, nodeText, type Layout, type PlacedNode } from './layout';
import { buildView, type Filters, type GraphView } from './model';

declare function acquireVsCodeApi(): { postMessage(message: unknown): void; getState(): unknown; setState(state: unknown): void };

const vscode = acquireVsCodeApi();
const send = (message: FromPanel) => vscode.postMessage(message);
const svgNs = 'http://www.w3.org/2000/svg';
const filters: Filters = (vscode.getState() as Filters | undefined) ?? {};
let facts: PanelFacts | undefined;
let view: GraphView | undefined;
let layout: Layout | undefined;
let zoom = 1;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const canvas = $<HTMLDivElement>('canvas');
const summary = $<HTMLSpanElement>('summary');
const folderSelect = $<HTMLSelectElement>('folder');
const layerSelect = $<HTMLSelectElement>('layer');
const searchInput = $<HTMLInputElement>('search');
const collapse = $<HTMLInputElement>('collapse');

window.addEventListener('message', (event: MessageEvent<ToPanel>) => {
  const message = event.data;
  if (message?.version !== webviewProtocolVersion) return;
  switch (message.type) {
    case 'facts': {
      const previousLast = lastReloadId(facts);
      facts = message.facts;
      const last = lastReloadId(facts);
      render(last !== undefined && last !== previousLast);
      break;
    }
    default:
      assertNever(message.type);
  }
});

/** The id of the last reload of the folder shown: a new one is animated. */
function lastReloadId(shown: PanelFacts | undefined): number | undefined {
  return (shown?.folders.find((folder) => folder.folder === filters.folder) ?? shown?.folders[0])?.last?.id;
}

folderSelect.addEventListener('change', () => update({ folder: folderSelect.value || undefined, layer: undefined }));
layerSelect.addEventListener('change', () => update({ layer: layerSelect.value || undefined }));
collapse.addEventListener('change', () => update({ collapseFolders: collapse.checked }));
let searchTimer: ReturnType<typeof setTimeout> | undefined;
searchInput.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => update({ search: searchInput.value }, false), 120);
});
$('zoom-in').addEventListener('click', () => setZoom(zoom * 1.25));
$('zoom-out').addEventListener('click', () => setZoom(zoom / 1.25));
$('zoom-fit').addEventListener('click', () => fit());
$('reload').addEventListener('click', () => send({ version: webviewProtocolVersion, type: 'reload' }));
canvas.addEventListener(
  'wheel',
  (event) => {
    if (!event.ctrlKey && !event.metaKey) return;
    event.preventDefault();
    setZoom(zoom * (event.deltaY < 0 ? 1.1 : 1 / 1.1));
  },
  { passive: false },
);

function update(change: Partial<Filters>, relayout = true): void {
  Object.assign(filters, change);
  vscode.setState(filters);
  if (relayout) render(false);
  else if (facts) {
    // A search changes which modules match, not where they are: the view again, the layout kept.
    view = buildView(facts, filters);
    highlightSearch();
  }
}

function render(animate: boolean): void {
  if (!facts) return;
  fillSelect(
    folderSelect,
    facts.folders.map((folder) => [folder.folder, folder.name]),
    filters.folder,
    undefined,
  );
  view = buildView(facts, filters);
  if (!view) {
    summary.textContent = 'No workspace folder with modules.';
    canvas.replaceChildren();
    return;
  }
  fillSelect(
    layerSelect,
    view.layers.map((layer) => [layer, layer]),
    filters.layer,
    'all layers',
  );
  searchInput.value = filters.search ?? '';
  collapse.checked = filters.collapseFolders ?? false;
  if (view.configError) {
    summary.textContent = `The config cannot be read: ${view.configError}`;
    canvas.replaceChildren();
    return;
  }
  const split = facts.app?.split;
  const processes = split ? ` · processes differ: ${split.map((each) => `${each.process} on epoch ${each.epoch}`).join(', ')}` : '';
  const runtime = facts.app ? ` · ${facts.app.entry} running, ${facts.app.modules} modules live${processes}` : ' · no app connected';
  summary.classList.toggle('split', split !== undefined);
  summary.textContent = `${view.modules.length} ${filters.collapseFolders ? 'folders' : 'modules'} · ${view.layers.length} layers · ${view.violations} upward imports · ${view.cycles} cycles${runtime}`;
  layout = layoutGraph(view);
  draw(layout, animate);
  highlightSearch();
}

function fillSelect(select: HTMLSelectElement, options: Array<[string, string]>, value: string | undefined, all: string | undefined): void {
  const entries = all ? [['', all], ...options] : options;
  const wanted = entries.map(([optionValue, label]) => `${optionValue}\u0000${label}`).join('\u0001');
  if (select.dataset.options !== wanted) {
    select.replaceChildren(
      ...entries.map(([optionValue, label]) => {
        const option = document.createElement('option');
        option.value = optionValue;
        option.textContent = label;
        return option;
      }),
    );
    select.dataset.options = wanted;
  }
  select.value = value ?? '';
  select.hidden = options.length < (all ? 1 : 2);
}

function element<K extends keyof SVGElementTagNameMap>(
  name: K,
  attributes: Record<string, string | number>,
  parent?: Element,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(svgNs, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  parent?.appendChild(node);
  return node;
}

function draw({ nodes, edges, bands, width, height }: Layout, animate: boolean): void {
  const svg = element('svg', {
    id: 'graph',
    width: width * zoom,
    height: height * zoom,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': 'module graph',
  });
  const defs = element('defs', {}, svg);
  for (const [id, cls] of [
    ['arrow', 'edge'],
    ['arrow-error', 'edge error'],
  ]) {
    const marker = element(
      'marker',
      { id, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' },
      defs,
    );
    element('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: `arrowhead ${cls}` }, marker);
  }
  for (const band of bands) {
    const group = element('g', { class: 'band', 'data-layer': band.layer }, svg);
    element('rect', { x: 0, y: band.y, width, height: band.height, class: 'band-fill' }, group);
    element('text', { x: 6, y: band.y + 16, class: 'band-label' }, group).textContent = band.layer;
  }
  const edgeGroup = element('g', { class: 'edges' }, svg);
  for (const edge of edges) {
    const [a, b] = edge.points;
    const error = edge.upward || edge.cycle;
    const line = element(
      'line',
      {
        x1: a.x,
        y1: a.y,
        x2: b.x,
        y2: b.y,
        class: `edge${error ? ' error' : ''}${edge.typeOnly ? ' type-only' : ''}`,
        'marker-end': `url(#${error ? 'arrow-error' : 'arrow'})`,
      },
      edgeGroup,
    );
    element('title', {}, line).textContent =
      `${edge.from} → ${edge.to}${edge.upward ? ' (goes up the layers)' : ''}${edge.cycle ? ' (in a cycle)' : ''}`;
  }
  const nodeGroup = element('g', { class: 'nodes' }, svg);
  for (const node of nodes) drawNode(node, nodeGroup, animate);
  canvas.replaceChildren(svg);
}

function drawNode(node: PlacedNode, parent: Element, animate: boolean): void {
  const classes = ['node'];
  if (node.hazards > 0) classes.push('hazards');
  if (node.inCycle) classes.push('cycle');
  if (node.pendingOrder) classes.push('pending');
  if (node.lastOrder) classes.push('last-reload');
  if (node.failure) classes.push('failed');
  if (node.uri) classes.push('clickable');
  const group = element(
    'g',
    { class: classes.join(' '), transform: `translate(${node.x - node.width / 2},${node.y - node.height / 2})`, 'data-id': node.id, tabindex: 0 },
    parent,
  );
  element('rect', { width: node.width, height: node.height, rx: 4 }, group);
  const { label, badges } = nodeText(node);
  element('text', { x: 8, y: 19, class: 'label' }, group).textContent = label;
  if (badges) element('text', { x: node.width - 6, y: 19, class: 'badges', 'text-anchor': 'end' }, group).textContent = badges;
  if (node.pendingOrder) {
    element('circle', { cx: 0, cy: 0, r: 9, class: 'order' }, group);
    element('text', { x: 0, y: 4, class: 'order-text', 'text-anchor': 'middle' }, group).textContent = String(node.pendingOrder);
  }
  if (animate && node.lastOrder) {
    group.classList.add('reloaded');
    (group as SVGGElement).style.animationDelay = `${(node.lastOrder - 1) * 180}ms`;
  }
  element('title', {}, group).textContent = [
    node.id,
    node.layer ? `layer ${node.layer}` : 'no layer',
    node.hazards ? `${node.hazards} hazards` : 'no hazards',
    node.version !== undefined ? `live version ${node.version}, ${node.inFlight ?? 0} calls in flight` : undefined,
    node.pendingOrder ? `pending: loads ${ordinal(node.pendingOrder)}` : undefined,
    node.lastOrder ? `last reload: loaded ${ordinal(node.lastOrder)}` : undefined,
    node.failure ? `the last reload failed here and rolled back (${node.failure})` : undefined,
  ]
    .filter(Boolean)
    .join('\n');
  if (node.uri) {
    const uri = node.uri;
    const open = () => send({ version: webviewProtocolVersion, type: 'open', uri });
    group.addEventListener('click', open);
    group.addEventListener('keydown', (event) => {
      if ((event as KeyboardEvent).key === 'Enter') open();
    });
  }
}

function ordinal(n: number): string {
  return `${n}${n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th'}`;
}

/** Dims what the search does not match, as the model decided (a collapsed folder matches by its modules). */
function highlightSearch(): void {
  if (!view) return;
  const search = filters.search?.trim();
  const matching = new Map(view.modules.map((module) => [module.id, module.matches]));
  let first: Element | undefined;
  for (const group of canvas.querySelectorAll('g.node')) {
    const matches = matching.get(group.getAttribute('data-id') ?? '') ?? true;
    group.classList.toggle('dimmed', !matches);
    group.classList.toggle('match', Boolean(search) && matches);
    if (search && matches && !first) first = group;
  }
  first?.scrollIntoView({ block: 'center', inline: 'center' });
}

function setZoom(value: number): void {
  zoom = Math.min(4, Math.max(0.05, value));
  const svg = canvas.querySelector('svg');
  if (svg && layout) {
    svg.setAttribute('width', String(layout.width * zoom));
    svg.setAttribute('height', String(layout.height * zoom));
  }
}

function fit(): void {
  if (!layout) return;
  setZoom(Math.min(canvas.clientWidth / layout.width, canvas.clientHeight / layout.height, 1));
  canvas.scrollTo(0, 0);
}

send({ version: webviewProtocolVersion, type: 'ready' });
