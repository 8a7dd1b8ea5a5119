import { compareIds } from '../../../src-shared/module-graph';
import type { DrawnGraph } from '../commands/graph';

/** Graphviz: layers as clusters, bottom layer at the bottom; type-only edges dashed; cycle edges red, upward ones bold. */
export function formatDot(report: DrawnGraph): string {
  const quote = (text: string) => JSON.stringify(text);
  const lines = ['digraph modules {', '  rankdir=BT;', '  node [shape=box, fontname="Helvetica"];'];
  const byLayer = groupByLayer(report);
  let cluster = 0;
  for (const [layer, ids] of byLayer) {
    const indent = layer === null ? '  ' : '    ';
    if (layer !== null) lines.push(`  subgraph cluster_${cluster++} {`, `    label=${quote(layer)};`);
    for (const id of ids) lines.push(`${indent}${quote(id)};`);
    if (layer !== null) lines.push('  }');
  }
  for (const edge of report.edges) {
    const attributes = [edge.typeOnly ? 'style=dashed' : edge.upward ? 'style=bold' : '', edge.inCycle ? 'color=red' : ''].filter(Boolean).join(', ');
    lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)}${attributes ? ` [${attributes}]` : ''};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** Mermaid flowchart: layers as subgraphs; type-only edges dotted; cycle and upward edges marked. */
export function formatMermaid(report: DrawnGraph): string {
  const nodeName = new Map(report.modules.map((module, index) => [module.id, `m${index}`]));
  const label = (text: string) => `"${text.replace(/"/g, '#quot;')}"`;
  const lines = ['flowchart BT'];
  let cluster = 0;
  for (const [layer, ids] of groupByLayer(report)) {
    const indent = layer === null ? '  ' : '    ';
    if (layer !== null) lines.push(`  subgraph layer${cluster++}[${label(layer)}]`);
    for (const id of ids) lines.push(`${indent}${nodeName.get(id)}[${label(id)}]`);
    if (layer !== null) lines.push('  end');
  }
  for (const edge of report.edges) {
    const arrow = edge.typeOnly ? '-.->' : edge.inCycle ? '-- cycle -->' : edge.upward ? '-- up -->' : '-->';
    lines.push(`  ${nodeName.get(edge.from)} ${arrow} ${nodeName.get(edge.to)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Modules by layer, bottom layer first, modules in no layer last. */
function groupByLayer(report: DrawnGraph): Map<string | null, string[]> {
  const groups = new Map<string | null, string[]>(report.layers.map((layer) => [layer, []]));
  for (const module of report.modules) {
    const list = groups.get(module.layer) ?? [];
    list.push(module.id);
    groups.set(module.layer, list);
  }
  for (const [layer, ids] of groups) {
    if (ids.length === 0) groups.delete(layer);
    else ids.sort(compareIds);
  }
  return groups;
}
