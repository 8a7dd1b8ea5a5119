// Writes a layered synthetic project of N modules: 4 layers, each module importing up to 4 modules of its own
// layer or below (one of them as a type), with a few hazards sprinkled in. Deterministic for a given N.
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export function generate(folder, count) {
  rmSync(folder, { recursive: true, force: true });
  const layers = ['core', 'data', 'services', 'http'];
  let seed = count;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const perLayer = Math.ceil(count / layers.length);
  const name = (layer, index) => `src/${layers[layer]}/m${String(index).padStart(5, '0')}.ts`;
  for (let layer = 0; layer < layers.length; layer++) mkdirSync(join(folder, 'src', layers[layer]), { recursive: true });
  for (let i = 0; i < count; i++) {
    const layer = Math.floor(i / perLayer);
    const index = i % perLayer;
    const lines = [];
    const uses = [];
    for (let k = 0; k < 4 && i > 0; k++) {
      const targetLayer = Math.floor(random() * (layer + 1));
      const targetIndex = Math.floor(random() * (targetLayer === layer ? Math.max(index, 1) : perLayer));
      if (targetLayer === layer && targetIndex >= index) continue;
      const spec = `../${layers[targetLayer]}/m${String(targetIndex).padStart(5, '0')}.js`;
      if (k === 3) lines.push(`import type { Value as V${k} } from '${spec}';`);
      else (lines.push(`import { value as v${k} } from '${spec}';`), uses.push(`v${k}`));
    }
    lines.push(`export type Value = number;`);
    lines.push(`export const value: Value = ${uses.length ? uses.join(' + ') : 1};`);
    lines.push(`export async function load(): Promise<number> { return value; }`);
    if (i % 50 === 0) lines.push(`setInterval(() => load(), 1000);`);
    if (i % 70 === 0) lines.push(`load();`);
    if (i % 90 === 0) lines.push(`process.on('exit', () => undefined);`);
    writeFileSync(join(folder, name(layer, index)), `${lines.join('\n')}\n`);
  }
  writeFileSync(
    join(folder, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: true,
        noEmit: true,
        types: [],
      },
      include: ['src'],
    }),
  );
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    join(folder, 'reloadable.config.json'),
    JSON.stringify({ root: 'src', layers: layers.map((layer) => ({ name: layer, include: [`src/${layer}/**`] })) }),
  );
}
