// Quick fixes for reload hazards, as text edits on one file. Pure: the language server turns them into code
// actions, and the tests apply them and analyse the result again.
//
// A fix must keep the program's meaning outside the runtime where it can: `import.meta.hot?.own(x)` still
// creates `x` when there is no runtime. Fixes that only make sense under `reloadable run` (the runtime's own
// timers and listeners) say so in their title and use `import.meta.hot!` in TypeScript.
import { ts } from './typescript';
import { forEachNode } from './traverse';
import { isHazardCode, type HazardCode } from '../../../src-shared/hazard-codes';
import { isJavaScript } from './source-store';

/** Replaces `[start, end)` (0-based offsets) with `text`. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export interface HazardFix {
  title: string;
  edits: TextEdit[];
  /** The fix to offer first (and apply with "fix all"). */
  preferred?: boolean;
}

/** Methods that return the handle they are called on: a chain of them still yields the handle. */
const chainable = new Set([
  'listen',
  'on',
  'once',
  'addListener',
  'prependListener',
  'unref',
  'ref',
  'setTimeout',
  'setKeepAlive',
  'setNoDelay',
  'setMaxListeners',
]);
const listenerMethods = new Set(['on', 'addListener', 'addEventListener']);

/** The fixes for one diagnostic: the hazard's own fixes first, then "suppress with reason". */
export function fixesFor(sourceFile: ts.SourceFile, code: string, start: number, end: number): HazardFix[] {
  const fixes: HazardFix[] = [];
  if (!isHazardCode(code)) return fixes;
  const node = nodeAt(sourceFile, start, end);
  const typescript = !isJavaScript(sourceFile.fileName);
  const hot = typescript ? 'import.meta.hot!' : 'import.meta.hot';
  if (node) {
    switch (code) {
      case 'unowned-timer':
        fixes.push(...ownFixes(sourceFile, node, 'timer'));
        fixes.push(...hotTimerFix(sourceFile, node, hot));
        break;
      case 'unowned-handle':
        fixes.push(...ownFixes(sourceFile, node, 'handle'));
        break;
      case 'stray-listener':
        fixes.push(...hotListenFix(sourceFile, node, hot));
        break;
      case 'floating-promise':
        fixes.push(...promiseFixes(sourceFile, node));
        break;
      default:
        break;
    }
  }
  fixes.push(suppressFix(sourceFile, code, start));
  return fixes;
}

/** The node a diagnostic covers: the outermost node spanning exactly `[start, end)`. */
export function nodeAt(sourceFile: ts.SourceFile, start: number, end: number): ts.Node | undefined {
  let found: ts.Node | undefined;
  forEachNode(sourceFile, (node) => {
    if (node.getStart(sourceFile) > start || node.getEnd() < end) return 'skip';
    if (node.getStart(sourceFile) !== start || node.getEnd() !== end) return undefined;
    found = node;
    return 'stop';
  });
  return found;
}

/**
 * `import.meta.hot?.own(…)` around a dropped handle: the handle as a statement, a chain of calls that return
 * the handle (`createServer(…).listen(3000)`), or a variable (owned on the line after its declaration).
 */
function ownFixes(sourceFile: ts.SourceFile, node: ts.Node, what: 'timer' | 'handle'): HazardFix[] {
  const title = `Own this ${what}: import.meta.hot?.own(…) closes it when the module is reloaded`;
  let whole = node;
  while (
    ts.isPropertyAccessExpression(whole.parent) &&
    whole.parent.expression === whole &&
    chainable.has(whole.parent.name.text) &&
    ts.isCallExpression(whole.parent.parent) &&
    whole.parent.parent.expression === whole.parent
  ) {
    whole = whole.parent.parent;
  }
  const statement = whole.parent;
  if (ts.isVoidExpression(statement) && ts.isExpressionStatement(statement.parent)) {
    // `void setImmediate(…)`: the `void` said "dropped on purpose"; owning it replaces that.
    const voided = statement;
    return [
      {
        title,
        preferred: true,
        edits: [
          { start: voided.getStart(sourceFile), end: whole.getStart(sourceFile), text: 'import.meta.hot?.own(' },
          { start: whole.getEnd(), end: whole.getEnd(), text: ')' },
        ],
      },
    ];
  }
  if (ts.isExpressionStatement(statement)) {
    return [{ title, preferred: true, edits: wrap(sourceFile, whole, 'import.meta.hot?.own(', ')') }];
  }
  if (whole === node && ts.isVariableDeclaration(whole.parent) && whole.parent.initializer === whole && ts.isIdentifier(whole.parent.name)) {
    const declarationList = whole.parent.parent;
    const variableStatement = declarationList.parent;
    if (ts.isVariableStatement(variableStatement) && isStatementListMember(variableStatement)) {
      const indent = indentationAt(sourceFile, variableStatement.getStart(sourceFile));
      const at = variableStatement.getEnd();
      return [{ title, preferred: true, edits: [{ start: at, end: at, text: `\n${indent}import.meta.hot?.own(${whole.parent.name.text});` }] }];
    }
  }
  return [];
}

/** `setInterval(fn, ms)` → `import.meta.hot!.setInterval(fn, ms)`: the runtime's timer, cleared on reload. */
function hotTimerFix(sourceFile: ts.SourceFile, node: ts.Node, hot: string): HazardFix[] {
  if (!ts.isCallExpression(node) || node.arguments.length !== 2) return [];
  const callee = node.expression;
  const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
  // Only the global names: an aliased import (`import { setInterval as every }`) may take other arguments.
  if ((name !== 'setInterval' && name !== 'setTimeout') || (ts.isIdentifier(callee) && callee.text !== name)) return [];
  return [
    {
      title: `Use the runtime's timer: import.meta.hot.${name}(…) (under reloadable run)`,
      edits: [{ start: callee.getStart(sourceFile), end: callee.getEnd(), text: `${hot}.${name}` }],
    },
  ];
}

/** `target.on(event, fn)` → `import.meta.hot!.listen(target, event, fn)`: removed when the module is reloaded. */
function hotListenFix(sourceFile: ts.SourceFile, node: ts.Node, hot: string): HazardFix[] {
  if (!ts.isCallExpression(node) || node.arguments.length !== 2 || !ts.isExpressionStatement(node.parent)) return [];
  const callee = node.expression;
  if (!ts.isPropertyAccessExpression(callee) || !listenerMethods.has(callee.name.text) || callee.questionDotToken || node.questionDotToken) return [];
  const target = callee.expression.getText(sourceFile);
  const [event, listener] = node.arguments.map((argument) => argument.getText(sourceFile));
  return [
    {
      title: 'Register through the runtime: import.meta.hot.listen(…) removes it on reload (under reloadable run)',
      preferred: true,
      edits: [{ start: node.getStart(sourceFile), end: node.getEnd(), text: `${hot}.listen(${target}, ${event}, ${listener})` }],
    },
  ];
}

/** `await` it where the code can wait (in an async function), or mark it dropped on purpose with `void`. */
function promiseFixes(sourceFile: ts.SourceFile, node: ts.Node): HazardFix[] {
  const expression = ts.isExpressionStatement(node) ? node.expression : ts.isExpression(node) ? node : undefined;
  if (!expression) return [];
  const at = expression.getStart(sourceFile);
  // Operators that bind less tightly than `void`/`await`: `void a as T` would be `(void a) as T`.
  const needsParentheses =
    ts.isConditionalExpression(expression) ||
    ts.isBinaryExpression(expression) ||
    ts.isAsExpression(expression) ||
    ts.isSatisfiesExpression(expression);
  const insert = (prefix: string): TextEdit[] =>
    needsParentheses
      ? [
          { start: at, end: at, text: `${prefix}(` },
          { start: expression.getEnd(), end: expression.getEnd(), text: ')' },
        ]
      : [{ start: at, end: at, text: prefix }];
  const fixes: HazardFix[] = [];
  if (inAsyncFunction(node)) fixes.push({ title: 'Wait for it: await', preferred: true, edits: insert('await ') });
  fixes.push({ title: 'Mark it dropped on purpose: void', edits: insert('void ') });
  return fixes;
}

/** `// reloadable-ignore-next-line <code> -- <reason>` above the line, for the user to give the reason. */
function suppressFix(sourceFile: ts.SourceFile, code: HazardCode, start: number): HazardFix {
  const lineStart = sourceFile.getPositionOfLineAndCharacter(sourceFile.getLineAndCharacterOfPosition(start).line, 0);
  const indent = indentationAt(sourceFile, start);
  return {
    title: `Suppress ${code} on this line, with a reason`,
    edits: [{ start: lineStart, end: lineStart, text: `${indent}// reloadable-ignore-next-line ${code} -- TODO: say why this is safe\n` }],
  };
}

function wrap(sourceFile: ts.SourceFile, node: ts.Node, before: string, after: string): TextEdit[] {
  return [
    { start: node.getStart(sourceFile), end: node.getStart(sourceFile), text: before },
    { start: node.getEnd(), end: node.getEnd(), text: after },
  ];
}

function indentationAt(sourceFile: ts.SourceFile, position: number): string {
  const line = sourceFile.getLineAndCharacterOfPosition(position).line;
  const lineStart = sourceFile.getPositionOfLineAndCharacter(line, 0);
  return /^[ \t]*/.exec(sourceFile.text.slice(lineStart))![0];
}

function isStatementListMember(statement: ts.Statement): boolean {
  return (
    ts.isSourceFile(statement.parent) ||
    ts.isBlock(statement.parent) ||
    ts.isModuleBlock(statement.parent) ||
    ts.isCaseClause(statement.parent) ||
    ts.isDefaultClause(statement.parent)
  );
}

function inAsyncFunction(node: ts.Node): boolean {
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isFunctionLike(current)) return (ts.getCombinedModifierFlags(current as ts.Declaration) & ts.ModifierFlags.Async) !== 0;
    if (ts.isClassStaticBlockDeclaration(current)) return false;
  }
  return false;
}

/** Applies non-overlapping edits to a text. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let result = text;
  for (const edit of [...edits].sort((a, b) => b.start - a.start || b.end - a.end)) {
    result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  }
  return result;
}
