// Loader hooks for workers and forked processes of the app (registered by register.mjs): TypeScript ES
// modules compiled with oxc, `.js` specifiers of `.ts` files resolved as TypeScript resolves them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transformSync } from 'oxc-transform';

type NextResolve = (specifier: string, context?: unknown) => Promise<{ url: string; format?: string | null }>;
type NextLoad = (url: string, context?: unknown) => Promise<{ format?: string | null; source?: unknown }>;

const typescript = new Set(['.ts', '.mts', '.cts', '.tsx']);
const substitutes: Record<string, string[]> = { '.js': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'], '': ['.ts', '.tsx', '/index.ts'] };

export async function resolve(specifier: string, context: { parentURL?: string }, next: NextResolve): Promise<unknown> {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (!context.parentURL?.startsWith('file:') || !(specifier.startsWith('.') || specifier.startsWith('/'))) throw error;
    const base = path.resolve(path.dirname(fileURLToPath(context.parentURL)), specifier);
    const extension = path.extname(base);
    const stem = extension in substitutes ? base.slice(0, base.length - extension.length) : base;
    for (const substitute of substitutes[extension] ?? substitutes['']!) {
      const candidate = stem + substitute;
      if (fs.existsSync(candidate)) return { url: pathToFileURL(candidate).href, shortCircuit: true };
    }
    throw error;
  }
}

export async function load(url: string, context: unknown, next: NextLoad): Promise<unknown> {
  if (!url.startsWith('file:') || !typescript.has(path.extname(new URL(url).pathname))) return next(url, context);
  const file = fileURLToPath(url);
  if (!isModule(file)) return { format: 'commonjs', shortCircuit: true };
  const { code, errors } = transformSync(file, fs.readFileSync(file, 'utf8'), {
    sourcemap: false,
    target: `node${process.versions.node.split('.')[0]}`,
  });
  if (errors.length > 0) throw new SyntaxError(`${file}: ${errors[0]!.message}`);
  return { format: 'module', source: code, shortCircuit: true };
}

function isModule(file: string): boolean {
  const extension = path.extname(file);
  if (extension === '.mts') return true;
  if (extension === '.cts') return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { type?: string }).type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
}
