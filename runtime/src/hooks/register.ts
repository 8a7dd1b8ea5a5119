// `--import <runtime>/out/register.mjs?project=<dir>`: what a worker thread or a forked child of the app needs
// to run the app's TypeScript, compiled and resolved as the main thread does (run-typescript.ts). On Node
// 22.15+ the hooks run in the worker's own thread (`module.registerHooks`), for `import` and `require` alike;
// before, `import` goes through Node's hooks thread and `require` through Module._extensions. In a thread of
// the app (a `thread` parameter), it also tells the main thread what the thread loads (./thread-report.ts).
import Module, { register } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Project } from '../modules/project';
import { runtimeRequire } from '../location';
import { isRuntimeHelper, loadTypeScript, resolveAppFile } from './run-typescript';
import { syncHooksOf } from './sync-hooks';
import { ThreadReport } from './thread-report';

const project = new Project(new URL(import.meta.url).searchParams.get('project') ?? process.cwd());
const registerHooks = syncHooksOf(Module);
const thread = ThreadReport.fromUrl(import.meta.url);
if (thread) reportCommonJs(thread);

if (registerHooks) {
  registerHooks({
    resolve(specifier, context, next) {
      // The compiler's helpers come with the runtime, not with the app.
      if (isRuntimeHelper(specifier)) return next(specifier, { ...context, parentURL: import.meta.url });
      try {
        return next(specifier, context);
      } catch (error) {
        const url = resolveAppFile(project, specifier, context.parentURL);
        if (!url) throw error;
        return { url, shortCircuit: true };
      }
    },
    load(url, context, next) {
      const compiled = loadTypeScript(project, url, true);
      const result = compiled ? { ...compiled, shortCircuit: true } : next(url, context);
      return thread ? thread.seen(url, result) : result;
    },
  });
} else {
  const data = { project: project.dir, ...(thread ? { thread: { token: thread.token, entry: thread.entry } } : {}) };
  register('./transform-hooks.mjs', import.meta.url, { data });
  const internals = Module as unknown as {
    _extensions: Record<string, (module: any, filename: string) => void>;
    _resolveFilename(request: string, ...rest: unknown[]): string;
  };
  const resolveFilename = internals._resolveFilename;
  internals._resolveFilename = function (request: string, ...rest: unknown[]) {
    return isRuntimeHelper(request) ? runtimeRequire.resolve(request) : resolveFilename.call(this, request, ...rest);
  };
  const extensions = internals._extensions;
  // A CommonJS TypeScript file (a .cts, or a .ts of a CommonJS package) is required: compiled to CommonJS.
  for (const extension of ['.ts', '.cts', '.tsx']) {
    extensions[extension] = (module, filename) => module._compile(project.compileForNode(filename, 'cjs').code, filename);
  }
}

/**
 * A CommonJS file the thread runs is reported as it is compiled (Node's hooks thread sees only ES loads), and a
 * CommonJS entry is up once its function returned; an ES entry says so itself (ThreadReport.marked).
 */
function reportCommonJs(report: ThreadReport): void {
  report.listenForEntry();
  const entry = fileURLToPath(report.entry);
  const prototype = Module.prototype as unknown as { _compile(content: string, filename: string, ...rest: unknown[]): unknown };
  const compile = prototype._compile;
  prototype._compile = function (this: unknown, content: string, filename: string, ...rest: unknown[]) {
    report.loaded(pathToFileURL(filename).href);
    const result = compile.call(this, content, filename, ...rest);
    if (filename === entry) report.up();
    return result;
  };
}
