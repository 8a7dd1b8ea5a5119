// Edits generated from an app's own code, not chosen by hand: for each module, a change to a literal its code
// returns or logs; each middleware changed to set a header; an edit of the entry alone; a syntax error and its
// fix; a throw at the top level and its removal. Every edit is followed by its revert, so the sources go back to
// the start between steps and a fresh start of them is asked once.
import { parseSync } from 'oxc-parser';

export type StepKind = 'literal' | 'middleware' | 'entry' | 'syntax-error' | 'top-level-throw';

export interface Edit {
  kind: StepKind;
  /** The module, relative to the app's folder. */
  module: string;
  /** What changed, for the report: `'route-1' → 'route-1~1'`. */
  what: string;
  /** The module's text after the edit. */
  text: string;
  /** A fault: the runtime must roll it back and keep the old code serving (a fresh start fails on it). */
  fault: boolean;
}

interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

/** A literal of the module's code, with how likely a probe sees it. */
interface Literal {
  node: Node;
  value: string;
  /** 2: returned, sent or logged; 1: anywhere else in code. A probe answer that contains it adds 2. */
  score: number;
}

// Type-only syntax: a literal in it is no value the code can return.
const typeOnly =
  /^TS(TypeAnnotation|TypeAliasDeclaration|InterfaceDeclaration|LiteralType|TypeParameter.*|ModuleDeclaration|DeclareFunction|IndexSignature)$/;
// Calls whose arguments reach a response or a log.
const answering = /^(send|json|end|write|text|html|body|log|info|warn|error|debug|emit|render|setHeader|header|set|status|code|reply|redirect|type)$/;
const middlewareHosts = /^(use|addHook|register|all|before|after)$/;
const middlewareOptions = /^(preHandler|onRequest|preValidation|preParsing|onSend|middleware|middlewares|beforeHandle)$/;

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';
}

function children(node: Node): Array<[string, Node]> {
  const out: Array<[string, Node]> = [];
  for (const [key, value] of Object.entries(node)) {
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) out.push([key, item]);
    } else if (isNode(value)) out.push([key, value]);
  }
  return out;
}

/** Walks the tree depth first with each node's ancestors (nearest last) and the key it hangs from. */
function walk(node: Node, visit: (node: Node, ancestors: Node[], key: string) => boolean | void, ancestors: Node[] = [], key = ''): void {
  if (visit(node, ancestors, key) === false) return;
  ancestors.push(node);
  for (const [childKey, child] of children(node)) walk(child, visit, ancestors, childKey);
  ancestors.pop();
}

function calleeName(call: Node): string | undefined {
  const callee = call.callee as Node;
  if (callee.type === 'Identifier') return callee.name as string;
  if (callee.type === 'MemberExpression' && !(callee.computed as boolean)) return ((callee.property as Node).name as string) ?? undefined;
  return undefined;
}

function literalsOf(program: Node): Literal[] {
  const found: Literal[] = [];
  walk(program, (node, ancestors, key) => {
    if (typeOnly.test(node.type) || node.type === 'ImportDeclaration' || node.type === 'ImportExpression') return false;
    if ((node.type === 'ExportNamedDeclaration' || node.type === 'ExportAllDeclaration') && key === 'source') return false;
    if (node.type === 'ExpressionStatement' && typeof node.directive === 'string') return false;
    const parent = ancestors[ancestors.length - 1];
    if (parent && key === 'source') return false;
    // Property names, member names and `require('x')` name things; changing them is no edit of a value.
    if (parent && key === 'key' && !(parent.computed as boolean)) return false;
    if (parent?.type === 'MemberExpression' && key === 'property') return false;
    if (parent?.type === 'CallExpression' && calleeName(parent) === 'require') return false;
    const isString = node.type === 'Literal' && typeof node.value === 'string' && (node.value as string).length > 0;
    const isNumber = node.type === 'Literal' && typeof node.value === 'number';
    const isTemplate = node.type === 'TemplateLiteral' && (node.expressions as Node[]).length === 0;
    if (!isString && !isNumber && !isTemplate) return;
    const value = isTemplate ? ((node.quasis as Node[])[0].value as { cooked: string }).cooked : String(node.value);
    if (isTemplate && value.length === 0) return;
    const answered = ancestors.some(
      (ancestor, index) =>
        ancestor.type === 'ReturnStatement' ||
        (ancestor.type === 'ArrowFunctionExpression' && (ancestor.expression as boolean) && ancestors[index + 1] === ancestor.body) ||
        (ancestor.type === 'CallExpression' && answering.test(calleeName(ancestor) ?? '')),
    );
    // A number counts only where it is answered: elsewhere it is a port, a size or an index.
    if (isNumber && !answered) return;
    found.push({ node, value, score: answered ? 2 : 1 });
  });
  return found;
}

/** A middleware: a function passed to `use`/`addHook`, given as a hook option, or taking `next`. */
function middlewaresOf(program: Node): Node[] {
  const found: Node[] = [];
  walk(program, (node, ancestors) => {
    if (!/^(FunctionDeclaration|FunctionExpression|ArrowFunctionExpression)$/.test(node.type)) return;
    const names = (node.params as Node[]).map((param) => (param.type === 'Identifier' ? (param.name as string) : ''));
    if (names.length < 2 || names.length > 3 || names.some((name) => !name)) return;
    const parent = ancestors[ancestors.length - 1];
    const grand = ancestors[ancestors.length - 2];
    const method = ancestors.findLast((ancestor) => ancestor.type === 'MethodDefinition');
    const hosted =
      (parent?.type === 'CallExpression' && middlewareHosts.test(calleeName(parent) ?? '')) ||
      (parent?.type === 'Property' && middlewareOptions.test(((parent.key as Node).name as string) ?? '')) ||
      (parent?.type === 'ArrayExpression' && grand?.type === 'Property' && middlewareOptions.test(((grand.key as Node).name as string) ?? '')) ||
      (method !== undefined && method.value === node && ((method.key as Node).name as string) === 'use');
    const takesNext = /^(next|done)$/.test(names[names.length - 1]);
    if (hosted || takesNext) found.push(node);
  });
  return found;
}

/** The statement a middleware gets: a header the app sets on every answer it passes, in each framework's words. */
function headerStatement(fn: Node, value: string): string | undefined {
  const names = (fn.params as Node[]).map((param) => param.name as string);
  const [first, second] = names;
  if (/^(ctx|c|context)$/.test(first))
    return `if (typeof ${first}.header === 'function') ${first}.header('x-oracle-mw', '${value}'); else ${first}.set('x-oracle-mw', '${value}');`;
  if (/^(res|response|reply|rep)$/.test(second) || /^(req|request)$/.test(first))
    return `if (typeof ${second}.header === 'function') ${second}.header('x-oracle-mw', '${value}'); else ${second}.setHeader('x-oracle-mw', '${value}');`;
  return undefined;
}

function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end);
}

function parse(file: string, text: string): Node | undefined {
  // A file without a known extension (express-generator's bin/www) is JavaScript.
  const result = parseSync(/\.[cm]?[jt]sx?$/.test(file) ? file : `${file}.js`, text);
  return result.errors.length > 0 ? undefined : (result.program as unknown as Node);
}

/**
 * The literal edits of one module, best first: literals a probe answer contains, then those the code returns,
 * sends or logs, then the rest; at most `limit`.
 */
export function literalEdits(module: string, text: string, answers: string, limit: number): Edit[] {
  const program = parse(module, text);
  if (!program) return [];
  const literals = literalsOf(program)
    .map((literal) => ({ ...literal, score: literal.score + (literal.value.length >= 3 && answers.includes(literal.value) ? 2 : 0) }))
    .sort((a, b) => b.score - a.score || a.node.start - b.node.start);
  return literals.slice(0, limit).map((literal, index) => {
    const { node } = literal;
    const raw = text.slice(node.start, node.end);
    const marker = `~${index + 1}`;
    const replacement = typeof node.value === 'number' ? String((node.value as number) + 1) : raw.slice(0, -1) + marker + raw.slice(-1);
    return { kind: 'literal', module, what: `${raw} → ${replacement}`, text: splice(text, node.start, node.end, replacement), fault: false };
  });
}

/** Each middleware of the module made to set `x-oracle-mw`, at most `limit`. */
export function middlewareEdits(module: string, text: string, limit: number): Edit[] {
  const program = parse(module, text);
  if (!program) return [];
  const edits: Edit[] = [];
  for (const fn of middlewaresOf(program)) {
    const line = text.slice(0, fn.start).split('\n').length;
    const statement = headerStatement(fn, `${module}:${line}`);
    const body = fn.body as Node;
    if (!statement) continue;
    const text2 =
      body.type === 'BlockStatement'
        ? splice(text, body.start + 1, body.start + 1, ` ${statement} `)
        : splice(text, body.start, body.end, `{ ${statement} return (${text.slice(body.start, body.end)}); }`);
    edits.push({ kind: 'middleware', module, what: `the middleware at line ${line} sets x-oracle-mw`, text: text2, fault: false });
    if (edits.length === limit) break;
  }
  return edits;
}

export function entryEdit(module: string, text: string): Edit {
  return {
    kind: 'entry',
    module,
    what: 'a log line added to the entry',
    text: `${text}\nconsole.log('oracle: the entry was edited');\n`,
    fault: false,
  };
}

export function faultEdits(module: string, text: string): Edit[] {
  return [
    { kind: 'syntax-error', module, what: 'a syntax error appended', text: `${text}\nconst = 1;\n`, fault: true },
    {
      kind: 'top-level-throw',
      module,
      what: 'a throw appended to the top level',
      text: `${text}\nthrow new Error('oracle: a top-level throw in ${module}');\n`,
      fault: true,
    },
  ];
}
