import * as fs from 'node:fs';
import * as path from 'node:path';
import { ts } from '../typescript';
import { isOuterExpression, skipOuterExpressions, skipParentheses } from '../bindings';

/**
 * Whether a dropped promise can really reject, asked of the code rather than of its type. A promise's type says
 * nothing about whether it can fail: `async function stop() { try { await x() } catch (e) { log(e) } }` only ever
 * resolves, `Promise.resolve(v)` and a resolve-only `new Promise` too, and a value typed as a promise may be a
 * debounced function's `undefined`. The floating-promise rule asks here before it reports, so that a warning is
 * one an engineer would act on; the answer names where the rejection comes from, which the warning shows.
 *
 * The walk is bounded: it follows calls into the project's own functions (not into packages' declarations, which
 * are trusted as typed) a few levels deep, and answers "may reject" wherever it cannot tell.
 */

/** Where a rejection may come from: the node to point at, and what happens there. */
export interface RejectionSource {
  node: ts.Node;
  what: string;
  /** For a call that throws further down: what throws there. */
  cause?: string;
}

/**
 * Library functions whose promise only ever resolves, by where they are declared: a worker thread's `terminate()`
 * (fulfilled with the exit code), VS Code's prompts (fulfilled with `undefined` when dismissed) when given
 * their items rather than a promise of them, and the timers of `timers/promises` given no `signal` (only an abort
 * rejects them): `options` is the position of the options argument that must not carry one.
 */
const resolveOnlyMethods: Array<{ file: RegExp; owner: string; name: RegExp; options?: number }> = [
  { file: /[\\/]@types[\\/]node[\\/](ts[\d.]+[\\/])?worker_threads\.d\.ts$/, owner: 'Worker', name: /^terminate$/ },
  { file: /[\\/]@types[\\/]node[\\/](ts[\d.]+[\\/])?timers[\\/]promises\.d\.ts$/, owner: 'timers/promises', name: /^setTimeout$/, options: 2 },
  { file: /[\\/]@types[\\/]node[\\/](ts[\d.]+[\\/])?timers[\\/]promises\.d\.ts$/, owner: 'timers/promises', name: /^setImmediate$/, options: 1 },
  {
    file: /[\\/]@types[\\/]vscode[\\/]index\.d\.ts$/,
    owner: 'window',
    name: /^show(QuickPick|InputBox|InformationMessage|WarningMessage|ErrorMessage)$/,
  },
];

/** How many calls deep the walk follows the project's functions before it gives up and trusts the type. */
const maxDepth = 4;

/** How many of the project's files may hold a promise property's name before its uses are not looked for. */
const maxReferringFiles = 40;

/** How many synchronous calls deep a call that may throw is followed into the project's functions. */
const maxSyncDepth = 8;

/**
 * Calls that cannot throw in practice: logging (`logger.warn`, `this.options.logger?.debug`), settling a promise (a
 * stored `resolve` or `reject`), a primitive conversion.
 */
const quietCallees =
  /^(console\.\w+|debug|log|([\w$]+\.)*logger\.\w+|this\.log\w*|this\.debug|([\w$]+\.)*(resolve|reject)|String|Number|Boolean|Array\.isArray)$/;

/** A callee's implementations in the project, or why there is nothing to follow. */
type Implementations =
  | { kind: 'functions'; functions: ts.SignatureDeclaration[] }
  /** The value is asserted to be a function returning a promise (`debounce(fn) as T`), but what it is returns none. */
  | { kind: 'not-a-promise'; at: ts.Node }
  | { kind: 'unknown' };

export class RejectionReach {
  private readonly checker: ts.TypeChecker;
  private readonly inProgress = new Set<ts.Node>();
  /** The `dependencies` of the nearest package.json, by folder, read once per analysis (an edited package.json is read again). */
  private readonly dependenciesByFolder = new Map<string, Set<string> | undefined>();
  /** Parameters of the functions being followed that their call passes a value that is never null or undefined, with its type there. */
  private readonly provided = new Map<ts.Symbol, ts.Type>();
  private readonly index: ProgramIndex;
  /**
   * Set while the values of a promise property no code calls `reject` on are judged: a `new Promise` whose executor
   * only hands its `reject` out (`methods = { resolve, reject }`, a deferred) cannot reject then.
   */
  private rejectNeverCalled = false;

  constructor(
    private readonly program: ts.Program,
    private readonly isPromiseType: (node: ts.Node, type?: ts.Type) => boolean,
    /** A union of a promise with `void` or `undefined`: an API whose implementations may be synchronous. */
    private readonly isMaybePromise: (node: ts.Node) => boolean,
  ) {
    this.checker = program.getTypeChecker();
    this.index = ProgramIndex.of(program);
  }

  /**
   * True when the promise made by this expression only ever resolves, or is no promise at all once the code is
   * followed: then dropping it loses nothing.
   */
  cannotReject(expression: ts.Expression): boolean {
    return this.sourceOf(expression, 0) === undefined;
  }

  /** Where the promise this expression makes can reject, or undefined when it cannot. */
  sourceOf(expression: ts.Expression, depth: number): RejectionSource | undefined {
    // `call() as Delay` is the call's promise; another value asserted to be a promise is judged as asserted.
    const inner = skipOuterExpressions(expression);
    const node = ts.isCallExpression(inner) || ts.isNewExpression(inner) || ts.isAwaitExpression(inner) ? inner : skipParentheses(expression);
    if (ts.isAwaitExpression(node)) return this.sourceOf(node.expression, depth);
    if (ts.isConditionalExpression(node)) return this.sourceOf(node.whenTrue, depth) ?? this.sourceOf(node.whenFalse, depth);
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.CommaToken) return this.sourceOf(node.right, depth);
    // `(this.pending = connect())` is the promise assigned.
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) return this.sourceOf(node.right, depth);
    if (ts.isNewExpression(node)) return this.newPromise(node) ? undefined : { node, what: `\`${text(node)}\` may reject` };
    if (!ts.isCallExpression(node)) {
      // `this.closed as Promise<void>`: the property's promise, as the property is used.
      const property = ts.isPropertyAccessExpression(inner) && this.isPromiseType(inner) ? inner : undefined;
      if (property && depth < maxDepth) {
        const held = this.heldPromiseSource(property, depth);
        if (held !== 'unknown') return held;
      }
      if (!this.isPromiseType(node)) return undefined;
      // A variable's promise given a rejection handler where it is put there (`p.catch(log)`, `p.then(done, failed)`
      // after the `const`, or after each assignment of a `let`): its rejection is handled there, so another holder
      // dropping it loses nothing.
      if (ts.isIdentifier(inner) && this.observedWhereDeclared(inner)) return undefined;
      const elsewhere: RejectionSource = { node, what: `\`${text(node)}\` is a promise made elsewhere` };
      // A constant of the project (`export const connecting = connect()`): the promise is the one its initializer makes.
      const initializer = depth < maxDepth ? this.constantInitializer(node) : undefined;
      if (!initializer || this.inProgress.has(initializer)) return elsewhere;
      this.inProgress.add(initializer);
      try {
        return this.sourceOf(initializer, depth + 1);
      } finally {
        this.inProgress.delete(initializer);
      }
    }
    const promiseStatic = staticPromiseCall(node);
    if (promiseStatic === 'resolve') {
      const [value] = node.arguments;
      return value && this.isPromiseType(value) ? this.sourceOf(value, depth) : undefined;
    }
    if (promiseStatic === 'reject') return { node, what: '`Promise.reject(…)` rejects' };
    // It waits for every promise and reports each outcome, failures included: it never rejects.
    if (promiseStatic === 'allSettled') return undefined;
    if (promiseStatic === 'all' || promiseStatic === 'race' || promiseStatic === 'any') {
      // It rejects only with a rejection of one of the promises it is given.
      const elements = node.arguments[0] && this.elementsSource(node.arguments[0], depth);
      if (elements !== 'unknown') return elements;
    }
    if (promiseStatic !== undefined) return { node, what: `\`${text(node)}\` may reject` };
    // `Object.assign(p, methods)` is `p`.
    const target = identityTarget(node, this.program);
    if (target) return this.sourceOf(target, depth);
    const method = methodName(node.expression);
    if ((method === 'then' || method === 'finally') && ts.isPropertyAccessExpression(skipParentheses(node.expression))) {
      const receiver = (skipParentheses(node.expression) as ts.PropertyAccessExpression).expression;
      const callbacks = node.arguments.filter((argument) => ts.isFunctionLike(skipParentheses(argument)));
      if (callbacks.length !== node.arguments.length) return { node, what: `\`${text(node)}\` may reject` };
      return (
        this.sourceOf(receiver, depth) ??
        callbacks.map((callback) => this.functionSource(skipParentheses(callback) as ts.SignatureDeclaration, depth + 1, true)).find(Boolean)
      );
    }
    // `p.catch(h)` rejects only where `h` throws; `p.catch()`, handed no handler, as `p` does.
    if (method === 'catch' && ts.isPropertyAccessExpression(skipParentheses(node.expression))) {
      const receiver = (skipParentheses(node.expression) as ts.PropertyAccessExpression).expression;
      const [handler] = node.arguments;
      if (!handler) return this.sourceOf(receiver, depth);
      if (ts.isFunctionLike(skipParentheses(handler)))
        return this.functionSource(skipParentheses(handler) as ts.SignatureDeclaration, depth + 1, true);
    }
    if (this.resolveOnly(node)) return undefined;
    if (this.importsDependency(node)) return undefined;
    return this.callSource(node, depth);
  }

  /**
   * `import('rollup')` where the nearest package.json lists `rollup` in `dependencies`: the package is installed with
   * the app, so the import resolves (an optional or a peer dependency, or one not listed, may well be missing).
   */
  private importsDependency(call: ts.CallExpression): boolean {
    const [specifier] = call.arguments;
    if (call.expression.kind !== ts.SyntaxKind.ImportKeyword || !specifier || !ts.isStringLiteralLike(specifier)) return false;
    const name = /^(@[^/]+\/[^/]+|[^./@][^/]*)/.exec(specifier.text)?.[1];
    if (!name || name.startsWith('node:')) return false;
    return this.dependenciesNear(path.dirname(call.getSourceFile().fileName))?.has(name) === true;
  }

  /** The `dependencies` of the nearest package.json above a folder. */
  private dependenciesNear(folder: string): Set<string> | undefined {
    if (this.dependenciesByFolder.has(folder)) return this.dependenciesByFolder.get(folder);
    let found: Set<string> | undefined;
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8')) as { dependencies?: Record<string, unknown> };
      found = new Set(Object.keys(manifest.dependencies ?? {}));
    } catch {
      const parent = path.dirname(folder);
      found = parent === folder ? undefined : this.dependenciesNear(parent);
    }
    this.dependenciesByFolder.set(folder, found);
    return found;
  }

  /**
   * Where the promises of an array given to `Promise.all` can reject: an array literal's elements, or the
   * promises `items.map(fn)` makes with a function written there; 'unknown' for any other array.
   */
  private elementsSource(array: ts.Expression, depth: number): RejectionSource | undefined | 'unknown' {
    const node = skipParentheses(array);
    if (ts.isArrayLiteralExpression(node)) {
      if (node.elements.some(ts.isSpreadElement)) return 'unknown';
      for (const element of node.elements) {
        const source = this.sourceOf(element, depth);
        if (source) return source;
      }
      return undefined;
    }
    if (ts.isCallExpression(node) && methodName(node.expression) === 'map' && node.arguments.length === 1) {
      const mapper = skipParentheses(node.arguments[0]);
      if (!ts.isArrowFunction(mapper) && !ts.isFunctionExpression(mapper)) return 'unknown';
      return this.functionSource(mapper, depth + 1, isAsync(mapper));
    }
    return 'unknown';
  }

  /**
   * A promise kept on a property of the project (`this.closed = deferred()`, `this.ready = new Promise(…)`), judged by
   * all the project does with the property: every value it is given must be unable to reject except through a
   * `reject` it hands out (a deferred), and no reference may call that `reject` or pass the value where one can be
   * reached (a place typed as a plain promise cannot reach it). 'unknown' when that cannot be told.
   */
  private heldPromiseSource(access: ts.PropertyAccessExpression, depth: number): RejectionSource | undefined | 'unknown' {
    const symbol = this.checker.getSymbolAtLocation(access.name);
    const declarations = symbol?.getDeclarations() ?? [];
    if (!symbol || declarations.length === 0) return 'unknown';
    for (const declaration of declarations) {
      const source = declaration.getSourceFile();
      // A class's or an interface's property, or one of an object literal (`return { promise: new Promise(…), cancel }`).
      if (!(ts.isPropertyDeclaration(declaration) || ts.isPropertySignature(declaration) || ts.isPropertyAssignment(declaration))) return 'unknown';
      if (source.isDeclarationFile || this.program.isSourceFileFromExternalLibrary(source)) return 'unknown';
    }
    const known = this.index.heldPromises.get(symbol);
    if (known !== undefined) return known;
    // Keyed by the declaration: a value that reads the property again (`this.x = this.x.then(…)`) is the same question.
    const key = declarations[0]!;
    if (this.inProgress.has(key)) return 'unknown';
    this.inProgress.add(key);
    let answer: RejectionSource | undefined | 'unknown';
    try {
      answer = this.judgeHeldPromise(symbol, declarations, depth);
    } finally {
      this.inProgress.delete(key);
    }
    this.index.heldPromises.set(symbol, answer);
    return answer;
  }

  private judgeHeldPromise(symbol: ts.Symbol, declarations: readonly ts.Declaration[], depth: number): RejectionSource | undefined | 'unknown' {
    const values: ts.Expression[] = [];
    for (const declaration of declarations) {
      const initializer = (declaration as ts.PropertyDeclaration | ts.PropertyAssignment).initializer;
      if (initializer) values.push(initializer);
    }
    const references = this.index.propertyReferences(symbol.getName());
    if (!references) return 'unknown';
    for (const reference of references) {
      if (ts.isPropertyAccessExpression(reference) && this.checker.getSymbolAtLocation(reference.name) !== symbol) continue;
      // A member of an object literal made for the property's type (`return { promise: new Promise(…) }`): a value it is given.
      if (ts.isPropertyAssignment(reference) || ts.isShorthandPropertyAssignment(reference)) {
        if (!this.literalMemberOf(reference, symbol)) continue;
        values.push(ts.isPropertyAssignment(reference) ? reference.initializer : reference.name);
        continue;
      }
      // `const { closed } = this`: a copy the search cannot follow.
      if (!ts.isPropertyAccessExpression(reference)) return 'unknown';
      const use = this.useOfHeldPromise(reference);
      if (use === 'unknown') return 'unknown';
      if (use) values.push(use);
    }
    // Never given a value here: set by code that cannot be read.
    if (values.length === 0) return 'unknown';
    // A `reject` handed out can come back only on the property's own value (a deferred): a property typed as a plain
    // promise leaves a handed-out `reject` somewhere else, which its references say nothing about.
    const judging = this.rejectNeverCalled;
    this.rejectNeverCalled = this.checker.getTypeOfSymbol(symbol).getNonNullableType().getProperty('reject') !== undefined;
    try {
      for (const value of values) {
        const source = this.sourceOf(value, depth + 1);
        if (source) return source;
      }
    } finally {
      this.rejectNeverCalled = judging;
    }
    return undefined;
  }

  /** Whether an object literal's member is the property `symbol`: the literal's own, or the one of the type it is made for. */
  private literalMemberOf(member: ts.PropertyAssignment | ts.ShorthandPropertyAssignment, symbol: ts.Symbol): boolean {
    const literal = member.parent;
    const name = symbol.getName();
    const made = this.checker.getContextualType(literal)?.getNonNullableType();
    return (
      this.checker.getTypeAtLocation(literal).getProperty(name) === symbol ||
      (made !== undefined && partsOf(made).some((part) => part.getProperty(name) === symbol))
    );
  }

  /** What one reference to a promise property does with it: the value it assigns, nothing, or 'unknown' when it may reject it. */
  private useOfHeldPromise(reference: ts.PropertyAccessExpression): ts.Expression | undefined | 'unknown' {
    let outer: ts.Expression = reference;
    while (isOuterExpression(outer.parent)) outer = outer.parent as ts.Expression;
    const parent = outer.parent;
    if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && parent.left === outer) return parent.right;
    if (ts.isPropertyAccessExpression(parent) && parent.expression === outer) {
      // Settled by its owner, or waited on: `.then`, `.catch` and `.finally` make promises of their own, judged where they are dropped.
      return ['resolve', 'then', 'catch', 'finally'].includes(parent.name.text) ? undefined : 'unknown';
    }
    if (ts.isAwaitExpression(parent) || ts.isExpressionStatement(parent) || ts.isVoidExpression(parent)) return undefined;
    // Handed on: only where the value is typed as something without a `reject` (`return p` from a function typed to return a `Promise`).
    const asserted =
      outer !== reference && (ts.isAsExpression(outer) || ts.isTypeAssertionExpression(outer)) ? this.checker.getTypeAtLocation(outer) : undefined;
    const target = asserted ?? this.checker.getContextualType(outer);
    if (!target || target.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return 'unknown';
    return partsOf(target).some((part) => part.getProperty('reject') !== undefined) ? 'unknown' : undefined;
  }

  /**
   * A member of an interface of the project, called through a value typed by the interface: what the project's
   * classes that implement it (`class P implements I`) run for it, their own or inherited code. Undefined when no
   * class implements it or one's member cannot be read. Objects built as literals (`const i: I = { … }`) and
   * subclasses that override the member are not looked for.
   */
  private implementationsInClasses(declaration: ts.Declaration, name: string): ts.SignatureDeclaration[] | undefined {
    // The answer depends on the program only: each module's check asks again for the interfaces it calls through.
    const known = this.index.implementations.get(declaration);
    if (known?.has(name)) return known.get(name);
    const found = this.findImplementationsInClasses(declaration, name);
    if (known) known.set(name, found);
    else this.index.implementations.set(declaration, new Map([[name, found]]));
    return found;
  }

  private findImplementationsInClasses(declaration: ts.Declaration, name: string): ts.SignatureDeclaration[] | undefined {
    const owner = declaration.parent;
    if (!ts.isInterfaceDeclaration(owner) || !(ts.isPropertySignature(declaration) || ts.isMethodSignature(declaration))) return undefined;
    const symbol = this.checker.getSymbolAtLocation(owner.name);
    const classes = symbol ? this.implementers(owner, symbol) : [];
    const literals = symbol ? this.literalImplementations(symbol, name) : [];
    if (literals === undefined || classes.length + literals.length === 0) return undefined;
    const functions: ts.SignatureDeclaration[] = [...literals];
    for (const cls of classes) {
      const classSymbol = cls.name && this.checker.getSymbolAtLocation(cls.name);
      const member = classSymbol && this.checker.getDeclaredTypeOfSymbol(classSymbol).getProperty(name);
      const declarations = member?.getDeclarations() ?? [];
      if (declarations.length === 0) return undefined;
      for (const found of declarations) {
        const source = found.getSourceFile();
        if (source.isDeclarationFile || this.program.isSourceFileFromExternalLibrary(source)) return undefined;
        if (ts.isFunctionLike(found) && (found as ts.FunctionLikeDeclaration).body) functions.push(found);
        else if (ts.isMethodDeclaration(found))
          continue; // an overload's signature
        else if (ts.isPropertyDeclaration(found) && found.initializer && ts.isFunctionLike(skipOuterExpressions(found.initializer)))
          functions.push(skipOuterExpressions(found.initializer) as ts.SignatureDeclaration);
        else return undefined;
      }
    }
    return functions.length > 0 ? functions : undefined;
  }

  /**
   * What objects of the project built as literals of this interface (`return { name, getTask }` from a factory
   * typed to return it, `const queue: Queue = { … }`) run for the member: [] when there are none, undefined when
   * one's member is not a function that can be read.
   */
  private literalImplementations(iface: ts.Symbol, name: string): ts.SignatureDeclaration[] | undefined {
    const functions: ts.SignatureDeclaration[] = [];
    for (const member of this.index.literalMembers(name)) {
      const contextual = this.checker.getContextualType(member.parent as ts.ObjectLiteralExpression);
      if (!contextual || (contextual.getSymbol() ?? contextual.aliasSymbol) !== iface) continue;
      const value = ts.isMethodDeclaration(member)
        ? member
        : ts.isPropertyAssignment(member)
          ? skipOuterExpressions(member.initializer)
          : this.shorthandValue(member);
      if (!value || !ts.isFunctionLike(value) || !(value as ts.FunctionLikeDeclaration).body) return undefined;
      functions.push(value as ts.SignatureDeclaration);
    }
    return functions;
  }

  /** `{ getTask }`: the function the name stands for, declared or set in a `const`. */
  private shorthandValue(member: ts.ShorthandPropertyAssignment): ts.Node | undefined {
    const symbol = this.checker.getShorthandAssignmentValueSymbol(member);
    const declarations = symbol?.getDeclarations() ?? [];
    if (declarations.length !== 1) return undefined;
    const [declaration] = declarations;
    if (ts.isFunctionDeclaration(declaration)) return declaration;
    if (isConstDeclaration(declaration) && declaration.initializer) return skipOuterExpressions(declaration.initializer);
    return undefined;
  }

  /** The project's classes that name this interface in `implements`. */
  private implementers(iface: ts.InterfaceDeclaration, symbol: ts.Symbol): ts.ClassLikeDeclaration[] {
    const classes: ts.ClassLikeDeclaration[] = [];
    for (const { cls, type } of this.index.implementsClauses(iface.name.text)) {
      let target = this.checker.getSymbolAtLocation(type.expression);
      if (target && target.flags & ts.SymbolFlags.Alias) target = this.checker.getAliasedSymbol(target);
      if (target === symbol) classes.push(cls);
    }
    return classes;
  }

  /**
   * Whether the variable an identifier names is given a rejection handler where its promise is put in it, by a
   * statement of the same block run whenever that is: `p.catch(h)`, `p.then(f, h)`, either on `Promise.resolve(p)` or
   * after `.then(f)`/`.finally(f)` steps, which pass a rejection on. A `const` is observed in the block that declares
   * it; a `let` at its initializer and at each assignment (`shutdown = stop(); Promise.resolve(shutdown).then(done,
   * failed)`), every one of them a statement of its own.
   */
  private observedWhereDeclared(node: ts.Identifier): boolean {
    const symbol = this.checker.getSymbolAtLocation(node);
    const declaration = symbol?.valueDeclaration;
    if (!symbol || !declaration || !ts.isVariableDeclaration(declaration) || !ts.isIdentifier(declaration.name)) return false;
    if (!ts.isVariableStatement(declaration.parent.parent)) return false;
    const statement = declaration.parent.parent;
    if ((declaration.parent.flags & ts.NodeFlags.Const) !== 0) return this.observedAfter(statement, symbol);
    if (declaration.initializer && this.isPromiseType(declaration.initializer) && !this.observedAfter(statement, symbol)) return false;
    // Every other write: an assignment statement followed by its observation. Any other write (`for (p of …)`,
    // destructuring, `p ||= …` inside an expression) is one that cannot be followed: not observed.
    const scope = ts.findAncestor(declaration, (ancestor) => ts.isFunctionLike(ancestor) || ts.isSourceFile(ancestor));
    let observed = true;
    const visit = (child: ts.Node): void => {
      if (!observed) return;
      if (ts.isIdentifier(child) && child !== declaration.name && isWriteTarget(child) && this.checker.getSymbolAtLocation(child) === symbol) {
        const assignment = child.parent;
        const statement = assignment.parent;
        observed =
          ts.isBinaryExpression(assignment) &&
          assignment.left === child &&
          ts.isExpressionStatement(statement) &&
          statement.expression === assignment &&
          this.observedAfter(statement, symbol);
        return;
      }
      ts.forEachChild(child, visit);
    };
    if (scope) ts.forEachChild(scope, visit);
    return observed;
  }

  /** Whether a statement after `statement` in its block gives the promise `symbol` holds a rejection handler. */
  private observedAfter(statement: ts.Statement, symbol: ts.Symbol): boolean {
    const block = statement.parent;
    if (!(ts.isBlock(block) || ts.isSourceFile(block))) return false;
    const names = (receiver: ts.Expression): boolean => {
      const inner = skipOuterExpressions(receiver);
      if (ts.isIdentifier(inner)) return this.checker.getSymbolAtLocation(inner) === symbol;
      if (!ts.isCallExpression(inner)) return false;
      if (staticPromiseCall(inner) === 'resolve') return inner.arguments.length === 1 && names(inner.arguments[0]!);
      const method = methodName(inner.expression);
      const passesOn = (method === 'then' && inner.arguments.length === 1) || method === 'finally';
      return (
        passesOn &&
        ts.isPropertyAccessExpression(skipParentheses(inner.expression)) &&
        names((skipParentheses(inner.expression) as ts.PropertyAccessExpression).expression)
      );
    };
    return block.statements.slice(block.statements.indexOf(statement) + 1).some((later) => {
      if (!ts.isExpressionStatement(later)) return false;
      const expression = skipOuterExpressions(later.expression);
      const call = ts.isVoidExpression(expression) ? skipOuterExpressions(expression.expression) : expression;
      if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(skipParentheses(call.expression))) return false;
      // A handler that is not a function (`.catch(undefined)`) handles nothing, as for the rule itself.
      const handler = rejectionHandlerOf(call, methodName(call.expression));
      if (!handler || this.checker.getTypeAtLocation(handler).getCallSignatures().length === 0) return false;
      return names((skipParentheses(call.expression) as ts.PropertyAccessExpression).expression);
    });
  }

  /** The initializer of the `const` of the project an identifier names (through imports), if it names one. */
  private constantInitializer(node: ts.Expression): ts.Expression | undefined {
    if (!ts.isIdentifier(node)) return undefined;
    let symbol = this.checker.getSymbolAtLocation(node);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    const declarations = symbol?.getDeclarations() ?? [];
    const declaration = declarations.length === 1 ? declarations[0] : undefined;
    if (!declaration || !isConstDeclaration(declaration) || !declaration.initializer) return undefined;
    const source = declaration.getSourceFile();
    if (source.isDeclarationFile || this.program.isSourceFileFromExternalLibrary(source)) return undefined;
    return declaration.initializer;
  }

  /** A library function documented to only ever resolve (see `resolveOnlyMethods`), given no promise to wait for. */
  private resolveOnly(call: ts.CallExpression): boolean {
    const declaration = this.checker.getResolvedSignature(call)?.getDeclaration();
    // A class's or interface's method, or a function of a namespace (`namespace window { function showQuickPick … }`).
    const owner = declaration?.parent && ts.isModuleBlock(declaration.parent) ? declaration.parent.parent : declaration?.parent;
    if (!declaration || !owner || !(ts.isClassDeclaration(owner) || ts.isInterfaceDeclaration(owner) || ts.isModuleDeclaration(owner)) || !owner.name)
      return false;
    const name = declaration.name && ts.isIdentifier(declaration.name) ? declaration.name.text : '';
    const file = declaration.getSourceFile().fileName;
    const listed = resolveOnlyMethods.find((method) => method.file.test(file) && method.owner === owner.name!.text && method.name.test(name));
    if (!listed || call.arguments.some((argument) => this.isPromiseType(argument))) return false;
    const options = listed.options === undefined ? undefined : call.arguments[listed.options];
    return options === undefined || withoutSignal(options);
  }

  /** A call: followed into the project's implementation of the callee; trusted as typed where there is none. */
  private callSource(call: ts.CallExpression, depth: number): RejectionSource | undefined {
    const unknown: RejectionSource = { node: call, what: `\`${text(call.expression)}(…)\` returns a promise that may reject` };
    // A call back into the function being judged (a retry: `.catch(() => wait().then(() => this.connect()))`) asks
    // the same question again: it rejects only where the rest of that function does, which the walk is reading.
    if (depth >= maxDepth) {
      const callee = this.checker.getResolvedSignature(call)?.getDeclaration();
      return callee && this.inProgress.has(callee) ? undefined : unknown;
    }
    const found = this.implementationsOf(call);
    if (found.kind === 'not-a-promise') return undefined;
    // `Promise | void` from code that cannot be read: an API whose implementations may well be synchronous.
    if (found.kind === 'unknown') return this.isMaybePromise(call) ? undefined : unknown;
    for (const fn of found.functions) {
      const source = this.withArguments(fn, call, () => this.functionSource(fn, depth + 1, isAsync(fn)));
      if (source) return source;
    }
    return undefined;
  }

  /**
   * Runs the walk of a function reached from this call knowing which parameters the call passes a value that is
   * never null or undefined: `settings ?? this.lookup()` in the function does not run `this.lookup()` for it.
   */
  private withArguments<T>(fn: ts.SignatureDeclaration, call: ts.CallExpression | ts.NewExpression, walk: () => T): T {
    const added: ts.Symbol[] = [];
    fn.parameters.forEach((parameter, index) => {
      const argument = call.arguments?.[index];
      if (!argument || parameter.dotDotDotToken || !ts.isIdentifier(parameter.name) || ts.isSpreadElement(argument)) return;
      const type = this.checker.getTypeAtLocation(argument);
      if (!isNeverNullish(type)) return;
      const symbol = this.checker.getSymbolAtLocation(parameter.name);
      if (symbol && !this.provided.has(symbol)) {
        this.provided.set(symbol, type);
        added.push(symbol);
      }
    });
    try {
      return walk();
    } finally {
      for (const symbol of added) this.provided.delete(symbol);
    }
  }

  /**
   * An `if` whose branch cannot be taken: it tests for the absence of a parameter the call being followed passes
   * (`if (matchers == null) throw …`), or of a map entry just made sure of (see `presentAfterGetOrCreate`).
   */
  private neverTaken(statement: ts.IfStatement): boolean {
    const test = parameterTest(statement.expression);
    const symbol = test && this.provided.size > 0 ? this.checker.getSymbolAtLocation(test.name) : undefined;
    const type = symbol && this.provided.get(symbol);
    if (test && type) {
      // `p == null` is false for any value passed; `!p` only for an object (an empty string or a 0 is falsy);
      // `typeof p !== 'string'` for a string.
      if (test.kind === 'nullish') return true;
      if (test.kind === 'falsy') return isObjectType(type);
      return typeOfIs(type, test.kind.typeOf);
    }
    return presentAfterGetOrCreate(statement);
  }

  /** `p ?? fallback` where the call being followed passes `p`: the one operand that runs. */
  private providedOperand(node: ts.Node): ts.Expression | undefined {
    if (!ts.isBinaryExpression(node) || node.operatorToken.kind !== ts.SyntaxKind.QuestionQuestionToken) return undefined;
    const left = skipParentheses(node.left);
    if (!ts.isIdentifier(left) || this.provided.size === 0) return undefined;
    const symbol = this.checker.getSymbolAtLocation(left);
    return symbol && this.provided.has(symbol) ? left : undefined;
  }

  /**
   * Where a function's returned promise can reject. An async function rejects where it throws, awaits a promise
   * that rejects, or returns one, outside a `try` whose `catch` swallows the error; a plain function returning a
   * promise rejects where the promise it returns does (it throws, rather than rejects, anywhere else).
   */
  functionSource(fn: ts.SignatureDeclaration, depth: number, async: boolean): RejectionSource | undefined {
    const body = (fn as ts.FunctionLikeDeclaration).body;
    if (!body) return { node: fn, what: 'a function without a body' };
    if (this.inProgress.has(fn)) return undefined;
    this.inProgress.add(fn);
    try {
      if (!ts.isBlock(body)) {
        if (async) return this.expressionThrows(body, depth) ?? this.returnedSource(body, depth);
        return isKeptPromise(skipParentheses(body)) ? undefined : this.returnedSource(body, depth);
      }
      return this.blockSource(body, depth, async);
    } finally {
      this.inProgress.delete(fn);
    }
  }

  private returnedSource(expression: ts.Expression, depth: number): RejectionSource | undefined {
    return this.isPromiseType(expression) ? this.sourceOf(expression, depth) : undefined;
  }

  /** An async arrow's expression body: rejects where a call in it throws, or where it returns a rejecting promise. */
  private expressionThrows(expression: ts.Expression, depth: number): RejectionSource | undefined {
    let found: RejectionSource | undefined;
    const visit = (node: ts.Node): void => {
      if (found || ts.isFunctionLike(node)) return;
      const operand = this.providedOperand(node);
      if (operand) return visit(operand);
      if (ts.isAwaitExpression(node)) {
        found = this.sourceOf(node.expression, depth);
        return;
      }
      // The body's own call, when it returns a promise, rejects (or not) as that promise does: returnedSource follows it.
      const returned = node === skipParentheses(expression) && this.isPromiseType(node);
      // Followed as in a function body: into the project's code, a package's call taken at its declaration's word.
      if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && !returned && !isQuiet(node)) {
        found = this.syncThrow(node, 0);
        if (found) return;
      }
      ts.forEachChild(node, visit);
    };
    visit(expression);
    return found;
  }

  /**
   * The statements of a function body, each in its region: outside any `try`, in a `try` whose `catch` swallows
   * (errors there are caught, except a promise returned without `await`), or in a `catch`/`finally` (where a call is
   * taken for logging or cleanup, and only a `throw` or an awaited rejection escapes).
   */
  private blockSource(body: ts.Block, depth: number, async: boolean): RejectionSource | undefined {
    let found: RejectionSource | undefined;
    type Region = 'open' | 'guarded' | 'handler';
    const visit = (node: ts.Node, region: Region): void => {
      if (found || ts.isFunctionLike(node) || ts.isClassLike(node)) return;
      const operand = this.providedOperand(node);
      if (operand) return visit(operand, region);
      if (ts.isIfStatement(node) && this.neverTaken(node)) {
        if (node.elseStatement) visit(node.elseStatement, region);
        return;
      }
      if (ts.isTryStatement(node)) {
        const guarded = node.catchClause !== undefined && this.catchSwallows(node.catchClause.block, depth, async);
        visit(node.tryBlock, guarded ? 'guarded' : region);
        if (node.catchClause) visit(node.catchClause.block, region === 'open' ? 'handler' : region);
        if (node.finallyBlock) visit(node.finallyBlock, region === 'open' ? 'handler' : region);
        return;
      }
      if (ts.isReturnStatement(node) && node.expression) {
        // A promise returned without `await` is the caller's, even from inside a `try`.
        const returned = skipParentheses(node.expression);
        // A plain function handing back a promise kept on an object (`return this.task.promise`) makes none: the
        // caller that drops it loses nothing its maker does not hold.
        if (!async && isKeptPromise(returned)) return;
        if (!ts.isAwaitExpression(returned) && this.isPromiseType(returned)) {
          found = this.sourceOf(returned, depth);
          return;
        }
        if (!async) return;
      }
      if (!async) {
        ts.forEachChild(node, (child) => visit(child, region));
        return;
      }
      if (region !== 'guarded') {
        if (ts.isThrowStatement(node)) {
          found = { node, what: '`throw`' };
          return;
        }
        if (ts.isAwaitExpression(node)) {
          found = this.sourceOf(node.expression, depth);
          if (found) return;
          // The awaited call itself is judged by its promise, not taken for a throwing call.
          const awaited = skipParentheses(node.expression);
          if (ts.isCallExpression(awaited)) {
            awaited.arguments.forEach((argument) => visit(argument, region));
            return;
          }
        }
        if (region === 'open' && (ts.isCallExpression(node) || ts.isNewExpression(node)) && !isQuiet(node) && !this.isDroppedPromiseCall(node)) {
          found = this.syncThrow(node, 0);
          if (found) return;
        }
      }
      ts.forEachChild(node, (child) => visit(child, region));
    };
    visit(body, 'open');
    return found;
  }

  /**
   * A call whose arguments are all constants (`Uri.parse(\`${Provider.scheme}://workspace/a.json\`)`): parsing
   * the same text fails every time or never, and code the project runs does not fail every time.
   */
  private constantArguments(call: ts.CallExpression | ts.NewExpression): boolean {
    const constant = (node: ts.Expression): boolean => {
      const value = skipParentheses(node);
      if (ts.isStringLiteral(value) || ts.isNoSubstitutionTemplateLiteral(value) || ts.isNumericLiteral(value)) return true;
      if (ts.isTemplateExpression(value)) return value.templateSpans.every((span) => constant(span.expression));
      if (!ts.isIdentifier(value) && !ts.isPropertyAccessExpression(value)) return false;
      if (this.checker.getTypeAtLocation(value).isLiteral()) return true;
      // A `const`, or a class's `readonly` or `static` field, set to a constant where it is declared.
      const declarations = this.checker.getSymbolAtLocation(ts.isPropertyAccessExpression(value) ? value.name : value)?.getDeclarations() ?? [];
      const [declaration] = declarations;
      if (declarations.length !== 1 || seen.has(declaration)) return false;
      const fixed =
        isConstDeclaration(declaration) ||
        (ts.isPropertyDeclaration(declaration) && ts.getCombinedModifierFlags(declaration) & (ts.ModifierFlags.Readonly | ts.ModifierFlags.Static));
      const initializer = (declaration as ts.VariableDeclaration | ts.PropertyDeclaration).initializer;
      if (!fixed || !initializer) return false;
      seen.add(declaration);
      return constant(initializer);
    };
    const seen = new Set<ts.Declaration>();
    const args = call.arguments ?? [];
    return args.length > 0 && args.every(constant);
  }

  /** A `catch` block that neither throws nor awaits a rejecting promise: the error stops there. */
  private catchSwallows(block: ts.Block, depth: number, async: boolean): boolean {
    let escapes = false;
    const visit = (node: ts.Node): void => {
      if (escapes || ts.isFunctionLike(node)) return;
      if (ts.isThrowStatement(node)) escapes = true;
      else if (async && ts.isAwaitExpression(node) && this.sourceOf(node.expression, depth) !== undefined) escapes = true;
      else if (ts.isReturnStatement(node) && node.expression && this.returnedSource(node.expression, depth) !== undefined) escapes = true;
      else ts.forEachChild(node, visit);
    };
    visit(block);
    return !escapes;
  }

  /** A call statement dropping a promise inside the function is its own finding; it does not make this one reject. */
  private isDroppedPromiseCall(node: ts.CallExpression | ts.NewExpression): boolean {
    return ts.isExpressionStatement(node.parent) && this.isPromiseType(node);
  }

  /** `new Promise(executor)` that can only resolve: its executor never takes, or never uses, `reject`, and never throws. */
  private newPromise(node: ts.NewExpression): boolean {
    if (!ts.isIdentifier(node.expression) || node.expression.text !== 'Promise') return false;
    const executor = node.arguments?.[0] && skipParentheses(node.arguments[0]);
    if (!executor || !(ts.isArrowFunction(executor) || ts.isFunctionExpression(executor))) return false;
    const reject = executor.parameters[1];
    if (reject && (!ts.isIdentifier(reject.name) || usesName(executor.body, reject.name.text))) {
      if (!this.rejectNeverCalled || !ts.isIdentifier(reject.name) || !onlyHandsOut(executor.body, reject.name.text)) return false;
    }
    return !containsThrow(executor.body);
  }

  /**
   * A plain call, in an async function, that may throw (and so reject the function's promise): one into the
   * project's own synchronous functions is followed, and throws where their code throws (a `throw`, or a call
   * to a throwing function of the project or to one of the few library calls made to throw: parsing, `…Sync`
   * I/O, assertions); a call into code that cannot be read is taken to.
   */
  private syncThrow(call: ts.CallExpression | ts.NewExpression, depth: number): RejectionSource | undefined {
    const may: RejectionSource = { node: call, what: `\`${text(call.expression)}(…)\` may throw` };
    if (depth >= maxSyncDepth) return may;
    let bodies: Array<{ body: ts.Node; fn?: ts.SignatureDeclaration }>;
    if (ts.isNewExpression(call)) {
      const made = this.classCode(call);
      if (!made) return this.libraryCall(call) ? this.libraryThrow(call, may) : may;
      bodies = made.map((body) => ({ body }));
    } else {
      const found = this.implementationsOf(call);
      if (found.kind === 'unknown' && this.libraryCall(call)) return this.libraryThrow(call, may);
      if (found.kind !== 'functions' || found.functions.some((fn) => isAsync(fn) || !(fn as ts.FunctionLikeDeclaration).body)) return may;
      if (this.isPromiseType(call)) return may;
      bodies = found.functions.map((fn) => ({ body: (fn as ts.FunctionLikeDeclaration).body!, fn }));
    }
    for (const { body, fn } of bodies) {
      if (this.inProgress.has(body)) continue;
      this.inProgress.add(body);
      try {
        const inner = fn ? this.withArguments(fn, call, () => this.throwIn(body, depth + 1)) : this.throwIn(body, depth + 1);
        if (inner) {
          const cause = inner.cause ?? inner.what;
          return { node: call, what: `\`${text(call.expression)}(…)\` may throw (${cause} in the code it calls)`, cause };
        }
      } finally {
        this.inProgress.delete(body);
      }
    }
    return undefined;
  }

  /**
   * A call into a declaration of the standard library or a package (`path.normalize(p)`, `set.delete(x)`,
   * `new Map()`), not into the project's code nor through a value whose type says nothing (`any`, a callback).
   */
  private libraryCall(call: ts.CallExpression | ts.NewExpression): boolean {
    const declaration = this.checker.getResolvedSignature(call)?.getDeclaration();
    if (!declaration) return false;
    const source = declaration.getSourceFile();
    return source.isDeclarationFile || this.program.isSourceFileFromExternalLibrary(source);
  }

  /**
   * A library call is taken at its word, as in the project's synchronous code: it throws only when it is one of
   * the few made to throw on bad input (parsing, `…Sync` I/O, assertions, serialisers), given more than constants.
   */
  private libraryThrow(call: ts.CallExpression | ts.NewExpression, may: RejectionSource): RejectionSource | undefined {
    return throwingLibraryCall.test(call.expression.getText().replace(/\s+/g, '')) && !this.constantArguments(call) ? may : undefined;
  }

  /**
   * What `new C(…)` runs of a class of the project: its constructor's body and its fields' initializers;
   * undefined when it cannot be read (a class of a package, or one that extends another).
   */
  private classCode(made: ts.NewExpression): ts.Node[] | undefined {
    let symbol = this.checker.getSymbolAtLocation(made.expression);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    const declaration = symbol?.getDeclarations()?.find(ts.isClassLike);
    if (!declaration || declaration.getSourceFile().isDeclarationFile || this.program.isSourceFileFromExternalLibrary(declaration.getSourceFile()))
      return undefined;
    if (declaration.heritageClauses?.some((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)) return undefined;
    const code: ts.Node[] = [];
    for (const member of declaration.members) {
      if (ts.isConstructorDeclaration(member) && member.body) code.push(member.body);
      else if (
        ts.isPropertyDeclaration(member) &&
        member.initializer &&
        !(ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Static) &&
        !ts.isFunctionLike(skipOuterExpressions(member.initializer))
      )
        code.push(member.initializer);
    }
    return code;
  }

  /** Where synchronous code throws: a `throw` outside a swallowing `try`, or a call that does (see `syncThrow`). */
  private throwIn(body: ts.Node, depth: number): RejectionSource | undefined {
    let found: RejectionSource | undefined;
    const visit = (node: ts.Node): void => {
      if (found || ts.isFunctionLike(node) || ts.isClassLike(node)) return;
      const operand = this.providedOperand(node);
      if (operand) return visit(operand);
      if (ts.isIfStatement(node) && this.neverTaken(node)) {
        if (node.elseStatement) visit(node.elseStatement);
        return;
      }
      if (ts.isTryStatement(node)) {
        if (!node.catchClause || containsThrow(node.catchClause.block)) visit(node.tryBlock);
        if (node.catchClause) visit(node.catchClause.block);
        if (node.finallyBlock) visit(node.finallyBlock);
        return;
      }
      if (ts.isThrowStatement(node)) {
        found = { node, what: '`throw`' };
        return;
      }
      if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
        const projectCall = ts.isCallExpression(node) ? this.implementationsOf(node).kind === 'functions' : this.classCode(node) !== undefined;
        if (projectCall) found = this.syncThrow(node, depth);
        else found = this.libraryThrow(node, { node, what: `\`${text(node.expression)}(…)\` may throw` });
        if (found) return;
      }
      ts.forEachChild(node, visit);
    };
    visit(body);
    return found;
  }

  /** The functions a call reaches in the project's own sources, through declarations, assertions and prototype assignments. */
  implementationsOf(call: ts.CallExpression): Implementations {
    const callee = skipParentheses(call.expression);
    if (ts.isFunctionLike(callee)) return { kind: 'functions', functions: [callee as ts.SignatureDeclaration] };
    // `f.call(this, …)` and `f.apply(this, args)` run `f`.
    if (ts.isPropertyAccessExpression(callee) && (callee.name.text === 'call' || callee.name.text === 'apply')) {
      return this.implementationsOfValue(callee.expression);
    }
    if (!ts.isPropertyAccessExpression(callee) && !ts.isIdentifier(callee)) return { kind: 'unknown' };
    return this.implementationsOfValue(callee);
  }

  private implementationsOfValue(node: ts.Expression): Implementations {
    const found = this.declaredImplementations(node);
    if (found.kind !== 'unknown' || !ts.isPropertyAccessExpression(node)) return found;
    // A method the type system knows from an interface (`interface Commander { exec(): Promise<…> }`), which the
    // receiver's class of the project sets on its prototype (`Pipeline.prototype.exec = function …`).
    const assigned = this.receiverPrototypeAssignment(node);
    return assigned ? { kind: 'functions', functions: [assigned] } : found;
  }

  private declaredImplementations(node: ts.Expression): Implementations {
    let symbol = this.checker.getSymbolAtLocation(ts.isPropertyAccessExpression(node) ? node.name : node);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    const declarations = symbol?.getDeclarations() ?? [];
    if (declarations.length === 0) return { kind: 'unknown' };
    const functions: ts.SignatureDeclaration[] = [];
    for (const declaration of declarations) {
      const source = declaration.getSourceFile();
      if (source.isDeclarationFile || this.program.isSourceFileFromExternalLibrary(source)) return { kind: 'unknown' };
      if (ts.isFunctionLike(declaration) && (declaration as ts.FunctionLikeDeclaration).body) {
        functions.push(declaration);
        continue;
      }
      if (ts.isFunctionDeclaration(declaration) || ts.isMethodDeclaration(declaration)) continue; // an overload's signature
      const initializer =
        ts.isVariableDeclaration(declaration) || ts.isPropertyDeclaration(declaration) || ts.isPropertyAssignment(declaration)
          ? declaration.initializer
          : undefined;
      if (initializer) {
        const asserted = assertedValue(initializer);
        const value = skipOuterExpressions(initializer);
        if (ts.isFunctionLike(value)) functions.push(value as ts.SignatureDeclaration);
        else if (!asserted && this.isConstAlias(declaration, value)) {
          // `const exec = pipeline.exec`: the functions the value it copies reaches.
          this.inProgress.add(value);
          try {
            const aliased = this.implementationsOfValue(value);
            if (aliased.kind !== 'functions') return aliased;
            functions.push(...aliased.functions);
          } finally {
            this.inProgress.delete(value);
          }
        } else if (asserted && !this.returnsPromise(asserted)) return { kind: 'not-a-promise', at: asserted };
        else if (ts.isCallExpression(value) && this.makesVoidFunctions(value)) return { kind: 'not-a-promise', at: value };
        else return { kind: 'unknown' };
        continue;
      }
      const owner = declaration.parent;
      const assigned =
        (ts.isInterfaceDeclaration(owner) || ts.isClassDeclaration(owner)) && owner.name
          ? prototypeAssignment(owner as ts.InterfaceDeclaration | ts.ClassDeclaration, symbol!.getName())
          : undefined;
      if (assigned) {
        functions.push(assigned);
        continue;
      }
      const implemented = this.implementationsInClasses(declaration, symbol!.getName());
      if (!implemented) return { kind: 'unknown' };
      functions.push(...implemented);
    }
    return functions.length > 0 ? { kind: 'functions', functions } : { kind: 'unknown' };
  }

  /** A `const` of the project set to another name or property (`const exec = pipeline.exec`), not yet being followed. */
  private isConstAlias(declaration: ts.Declaration, value: ts.Expression): boolean {
    return isConstDeclaration(declaration) && (ts.isIdentifier(value) || ts.isPropertyAccessExpression(value)) && !this.inProgress.has(value);
  }

  /** `receiver.name` where the receiver is an instance of a class of the project that sets `name` on its prototype. */
  private receiverPrototypeAssignment(access: ts.PropertyAccessExpression): ts.SignatureDeclaration | undefined {
    const type: ts.Type = this.checker.getTypeAtLocation(access.expression);
    // `this` (and `const self = this`) is the class's `this` type, a type parameter constrained by the class.
    let current = type.flags & ts.TypeFlags.TypeParameter ? this.checker.getBaseConstraintOfType(type) : type;
    // The class, then the classes it extends: the nearest that sets the name on its prototype.
    for (let level = 0; current && level < 8; level++) {
      const declaration = current.getSymbol()?.getDeclarations()?.find(ts.isClassDeclaration);
      if (!declaration?.name) return undefined;
      const source = declaration.getSourceFile();
      if (source.isDeclarationFile || this.program.isSourceFileFromExternalLibrary(source)) return undefined;
      const assigned = prototypeAssignment(declaration, access.name.text);
      if (assigned) return assigned;
      current = current.isClassOrInterface() ? this.checker.getBaseTypes(current)[0] : undefined;
    }
    return undefined;
  }

  /**
   * `const run = debounce(async () => …)`: whether the factory, a function of the project, returns only plain
   * functions that return nothing (they schedule the work, whose outcome is not the caller's): then calling
   * what it made gives no promise, whatever its type says.
   */
  private makesVoidFunctions(call: ts.CallExpression): boolean {
    const factory = this.implementationsOf(call);
    if (factory.kind !== 'functions') return false;
    return factory.functions.every((fn) => {
      const returned = returnedExpressions(fn);
      return (
        returned !== undefined &&
        returned.length > 0 &&
        returned.every((expression) => {
          const value = expression && skipOuterExpressions(expression);
          if (!value || !(ts.isFunctionExpression(value) || ts.isArrowFunction(value)) || isAsync(value)) return false;
          const made = returnedExpressions(value);
          return made !== undefined && made.every((inner) => inner === undefined);
        })
      );
    });
  }

  /** True when calling a value of this expression's own type (before any assertion) gives a promise. */
  private returnsPromise(expression: ts.Expression): boolean {
    const type = this.checker.getTypeAtLocation(expression);
    const signatures = type.getCallSignatures();
    if (type.flags & ts.TypeFlags.Any || signatures.length === 0) return true;
    return signatures.some((signature) => this.isPromiseType(expression, signature.getReturnType()));
  }
}

/** `Promise.resolve(…)`, `Promise.all(…)`…: the static method's name. */
function staticPromiseCall(call: ts.CallExpression): string | undefined {
  const callee = skipParentheses(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression) || callee.expression.text !== 'Promise') return undefined;
  return callee.name.text;
}

function methodName(callee: ts.Expression): string | undefined {
  const node = skipParentheses(callee);
  return ts.isPropertyAccessExpression(node) ? node.name.text : undefined;
}

function isAsync(fn: ts.SignatureDeclaration): boolean {
  return ts.getCombinedModifierFlags(fn as ts.Declaration) & ts.ModifierFlags.Async ? true : false;
}

function isQuiet(node: ts.CallExpression | ts.NewExpression): boolean {
  // `this.logger?.debug(…)` is the logger's call too.
  return ts.isCallExpression(node) && quietCallees.test(node.expression.getText().replace(/\s+/g, '').replace(/\?\./g, '.'));
}

/** `x as T` or `<T>x` at the top of an initializer: the value under the assertion. */
function assertedValue(initializer: ts.Expression): ts.Expression | undefined {
  let node = skipParentheses(initializer);
  let asserted: ts.Expression | undefined;
  while (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node) || ts.isSatisfiesExpression(node)) {
    if (!ts.isSatisfiesExpression(node)) asserted = node.expression;
    node = skipParentheses(node.expression);
  }
  return asserted && skipParentheses(asserted);
}

type ImplementsClause = { cls: ts.ClassLikeDeclaration; type: ts.ExpressionWithTypeArguments };
type LiteralMember = ts.PropertyAssignment | ts.ShorthandPropertyAssignment | ts.MethodDeclaration;

/**
 * Where the implementations of the project's interfaces are looked for — the `implements` clauses of its classes by
 * the name they implement, the members of its object literals by name — and the implementations found, for as long
 * as the program lives: every module checked with it asks about the same interfaces, and a walk over every file for
 * each call through one made the whole-workspace pass pay once per call site.
 */
class ProgramIndex {
  private static readonly byProgram = new WeakMap<ts.Program, ProgramIndex>();
  /** The implementations of an interface member, by its declaration and name (see `implementationsInClasses`). */
  readonly implementations = new Map<ts.Declaration, Map<string, ts.SignatureDeclaration[] | undefined>>();
  /** Whether a promise property of the project can reject, by its symbol (see `heldPromiseSource`). */
  readonly heldPromises = new Map<ts.Symbol, RejectionSource | undefined | 'unknown'>();
  private readonly referencesByName = new Map<string, ts.Node[] | undefined>();
  private clausesByName: Map<string, ImplementsClause[]> | undefined;
  private membersByName: Map<string, LiteralMember[]> | undefined;

  private constructor(private readonly program: ts.Program) {}

  static of(program: ts.Program): ProgramIndex {
    let index = ProgramIndex.byProgram.get(program);
    if (!index) ProgramIndex.byProgram.set(program, (index = new ProgramIndex(program)));
    return index;
  }

  /** The clauses naming an interface `name` (`implements Name`, `implements ns.Name`). */
  implementsClauses(name: string): readonly ImplementsClause[] {
    if (!this.clausesByName) {
      this.clausesByName = new Map();
      for (const source of this.projectFiles()) {
        for (const clause of implementsClausesOf(source)) {
          const named = ts.isPropertyAccessExpression(clause.type.expression) ? clause.type.expression.name : clause.type.expression;
          if (ts.isIdentifier(named)) appendTo(this.clausesByName, named.text, clause);
        }
      }
    }
    return this.clausesByName.get(name) ?? [];
  }

  /** The members named `name` of the project's object literals. */
  literalMembers(name: string): readonly LiteralMember[] {
    if (!this.membersByName) {
      this.membersByName = new Map();
      for (const source of this.projectFiles()) {
        for (const [member, found] of literalMembersOf(source)) for (const each of found) appendTo(this.membersByName, member, each);
      }
    }
    return this.membersByName.get(name) ?? [];
  }

  /**
   * The project's property accesses named `name` (`x.name`), and the bindings that copy such a property out
   * (`const { name } = x`), looked for in the files whose text has the name; undefined when more than
   * `maxReferringFiles` do (a name as common as `ready` or `promise`, which would cost more than it tells).
   */
  propertyReferences(name: string): readonly ts.Node[] | undefined {
    if (this.referencesByName.has(name)) return this.referencesByName.get(name);
    const files = this.projectFiles().filter((source) => source.text.includes(name));
    let references: ts.Node[] | undefined;
    if (files.length <= maxReferringFiles) {
      const found: ts.Node[] = [];
      const visit = (node: ts.Node): void => {
        if (ts.isPropertyAccessExpression(node) && node.name.text === name) found.push(node);
        else if ((ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) && ts.isIdentifier(node.name) && node.name.text === name)
          found.push(node);
        else if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
          const key = node.propertyName ?? node.name;
          if (ts.isIdentifier(key) && key.text === name) found.push(node);
        }
        ts.forEachChild(node, visit);
      };
      for (const source of files) visit(source);
      references = found;
    }
    this.referencesByName.set(name, references);
    return references;
  }

  private projectFiles(): ts.SourceFile[] {
    return this.program.getSourceFiles().filter((source) => !source.isDeclarationFile && !this.program.isSourceFileFromExternalLibrary(source));
  }
}

function appendTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The `implements` clauses of a file's classes; read once per file text (the editor's programs share unchanged files). */
const clausesByFile = new WeakMap<ts.SourceFile, ImplementsClause[]>();

function implementsClausesOf(source: ts.SourceFile): ImplementsClause[] {
  let clauses = clausesByFile.get(source);
  if (clauses) return clauses;
  clauses = [];
  const found = clauses;
  const visit = (node: ts.Node): void => {
    if (ts.isClassLike(node)) {
      for (const clause of node.heritageClauses ?? []) {
        if (clause.token === ts.SyntaxKind.ImplementsKeyword) for (const type of clause.types) found.push({ cls: node, type });
      }
    }
    ts.forEachChild(node, visit);
  };
  if (source.text.includes('implements')) visit(source);
  clausesByFile.set(source, clauses);
  return clauses;
}

/** The members of a file's object literals, by name; read once per file text. */
const literalMembersByFile = new WeakMap<ts.SourceFile, Map<string, LiteralMember[]>>();

function literalMembersOf(source: ts.SourceFile): Map<string, LiteralMember[]> {
  let byName = literalMembersByFile.get(source);
  if (!byName) {
    const found = new Map<string, LiteralMember[]>();
    const visit = (node: ts.Node): void => {
      if (ts.isObjectLiteralExpression(node)) {
        for (const member of node.properties) {
          if (!(ts.isPropertyAssignment(member) || ts.isShorthandPropertyAssignment(member) || ts.isMethodDeclaration(member))) continue;
          if (!ts.isIdentifier(member.name) && !ts.isStringLiteral(member.name)) continue;
          appendTo(found, member.name.text, member);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    byName = found;
    literalMembersByFile.set(source, byName);
  }
  return byName;
}

/**
 * A method declared on an interface or class `C` and implemented as `C.prototype.name = function …` in the same
 * file, the way code written before classes (or merged with an interface) defines its methods; or a property of a
 * class its own code sets to a function (`this.start = (options) => start(context, options)` in the constructor).
 */
function prototypeAssignment(owner: ts.InterfaceDeclaration | ts.ClassDeclaration, name: string): ts.SignatureDeclaration | undefined {
  if (!owner.name) return undefined;
  const className = owner.name.text;
  let found: ts.SignatureDeclaration | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = skipParentheses(node.left);
      // `C.prototype.x = …`, or `this.x = …` in the class's own code (a method bound in the constructor).
      const onInstance = (target: ts.Expression) =>
        target.kind === ts.SyntaxKind.ThisKeyword &&
        ts.isClassDeclaration(owner) &&
        ts.findAncestor(node, (ancestor) => ancestor === owner) !== undefined;
      if (
        ts.isPropertyAccessExpression(left) &&
        left.name.text === name &&
        (left.expression.getText() === `${className}.prototype` || onInstance(left.expression))
      ) {
        let value = skipOuterExpressions(node.right);
        // `C.prototype.x = wrap(function …)`: the function inside a wrapper such as a deprecation notice.
        if (ts.isCallExpression(value) && value.arguments[0]) value = skipOuterExpressions(value.arguments[0]);
        if (ts.isFunctionExpression(value) || ts.isArrowFunction(value)) found = value;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(owner.getSourceFile());
  return found;
}

/** Library calls made to throw on bad input, followed into a synchronous function of the project. */
const throwingLibraryCall =
  /^(JSON\.(parse|stringify)|require|URL|([\w$]+\.)*\w+Sync|assert(\.\w+)?|([\w$]+\.)*(parse|decode|deserialize|unpack|pack|encode|serialize))$/;

/**
 * What a function returns, one entry per `return` (undefined for a bare `return`, and one for falling off the
 * end of a block); undefined when it has no body.
 */
function returnedExpressions(fn: ts.SignatureDeclaration): Array<ts.Expression | undefined> | undefined {
  const body = (fn as ts.FunctionLikeDeclaration).body;
  if (!body) return undefined;
  if (!ts.isBlock(body)) return [body];
  const returned: Array<ts.Expression | undefined> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isReturnStatement(node)) returned.push(node.expression);
    ts.forEachChild(node, visit);
  };
  visit(body);
  const last = body.statements.at(-1);
  if (!last || !ts.isReturnStatement(last)) returned.push(undefined);
  return returned;
}

/**
 * `if (!entry) throw …` where `const entry = map.get(key)` follows `if (!map.has(key)) map.set(key, …)` (or an
 * early exit when it is missing) in the same block: the get-or-create idiom, whose guard is there for the type
 * checker and is never taken.
 */
function presentAfterGetOrCreate(statement: ts.IfStatement): boolean {
  const tested = absenceTest(statement.expression)?.text;
  const block = statement.parent;
  if (!tested || !ts.isBlock(block)) return false;
  const statements = block.statements;
  const at = statements.indexOf(statement);
  // The `const` read from the map, declared before the test.
  let read: { map: string; key: string } | undefined;
  let readAt = -1;
  for (let index = at - 1; index >= 0 && !read; index--) {
    const candidate = statements[index];
    if (!ts.isVariableStatement(candidate) || !(candidate.declarationList.flags & ts.NodeFlags.Const)) continue;
    for (const declaration of candidate.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || declaration.name.text !== tested || !declaration.initializer) continue;
      const call = skipParentheses(declaration.initializer);
      if (!ts.isCallExpression(call) || call.arguments.length !== 1 || methodName(call.expression) !== 'get') return false;
      read = { map: receiverText(call), key: call.arguments[0].getText() };
      readAt = index;
    }
  }
  if (!read) return false;
  const { map, key } = read;
  const isHas = (expression: ts.Expression): boolean => {
    const node = skipParentheses(expression);
    if (!ts.isPrefixUnaryExpression(node) || node.operator !== ts.SyntaxKind.ExclamationToken) return false;
    const call = skipParentheses(node.operand);
    return (
      ts.isCallExpression(call) &&
      methodName(call.expression) === 'has' &&
      receiverText(call) === map &&
      call.arguments.length === 1 &&
      call.arguments[0].getText() === key
    );
  };
  const setsOrExits = (branch: ts.Statement): boolean => {
    const inner = ts.isBlock(branch) ? branch.statements : [branch];
    return inner.some((child) => {
      if (ts.isReturnStatement(child) || ts.isThrowStatement(child)) return true;
      if (!ts.isExpressionStatement(child)) return false;
      const call = skipParentheses(child.expression);
      return ts.isCallExpression(call) && methodName(call.expression) === 'set' && receiverText(call) === map && call.arguments[0]?.getText() === key;
    });
  };
  // Between the make-sure and the test, nothing but other declarations (no `delete`, no call that could).
  for (let index = readAt - 1; index >= 0; index--) {
    const candidate = statements[index];
    if (ts.isIfStatement(candidate) && !candidate.elseStatement && isHas(candidate.expression) && setsOrExits(candidate.thenStatement))
      return statements.slice(index + 1, at).every((between) => between === statements[readAt] || ts.isVariableStatement(between));
  }
  return false;
}

/** `map.get(key)`: `map`, as written (the call's callee is a property access, as `methodName` found). */
function receiverText(call: ts.CallExpression): string {
  return (skipParentheses(call.expression) as ts.PropertyAccessExpression).expression.getText();
}

type ParameterTest = { name: ts.Identifier; kind: 'nullish' | 'falsy' | { typeOf: string } };

/** What an `if` tests a name for: `x == null` (and `=== undefined`, `=== null`), `!x`, `typeof x !== 'string'`. */
function parameterTest(condition: ts.Expression): ParameterTest | undefined {
  const node = skipParentheses(condition);
  if (
    ts.isBinaryExpression(node) &&
    [ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken].includes(node.operatorToken.kind) &&
    ts.isTypeOfExpression(node.left) &&
    ts.isIdentifier(skipParentheses(node.left.expression)) &&
    ts.isStringLiteral(node.right)
  )
    return { name: skipParentheses(node.left.expression) as ts.Identifier, kind: { typeOf: node.right.text } };
  const name = absenceTest(node);
  if (!name) return undefined;
  return { name, kind: ts.isPrefixUnaryExpression(node) ? 'falsy' : 'nullish' };
}

/** Whether every value of the type answers `typeof` with this name. */
function typeOfIs(type: ts.Type, typeOf: string): boolean {
  const parts = partsOf(type);
  const flag =
    typeOf === 'string'
      ? ts.TypeFlags.StringLike
      : typeOf === 'number'
        ? ts.TypeFlags.NumberLike
        : typeOf === 'boolean'
          ? ts.TypeFlags.BooleanLike
          : typeOf === 'bigint'
            ? ts.TypeFlags.BigIntLike
            : undefined;
  if (flag !== undefined) return parts.every((part) => (part.flags & flag) !== 0);
  if (typeOf === 'function') return parts.every((part) => part.getCallSignatures().length > 0);
  return false;
}

/** `!x`, `x === undefined`, `x == null`, `x === null`: the name tested for being absent. */
function absenceTest(condition: ts.Expression): ts.Identifier | undefined {
  const node = skipParentheses(condition);
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken) {
    const operand = skipParentheses(node.operand);
    return ts.isIdentifier(operand) ? operand : undefined;
  }
  if (
    ts.isBinaryExpression(node) &&
    [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken].includes(node.operatorToken.kind) &&
    ts.isIdentifier(node.left) &&
    (node.right.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(node.right) && node.right.text === 'undefined'))
  )
    return node.left;
  return undefined;
}

/** The rejection handler a `.catch(h)` or `.then(f, h)` call is given, by the name of the method called. */
export function rejectionHandlerOf(call: ts.CallExpression, method: string | undefined): ts.Expression | undefined {
  return method === 'catch' ? call.arguments[0] : method === 'then' ? call.arguments[1] : undefined;
}

/** An options object written out with no `signal` (and nothing spread in that could bring one). */
function withoutSignal(options: ts.Expression): boolean {
  const node = skipOuterExpressions(options);
  if (!ts.isObjectLiteralExpression(node)) return false;
  return node.properties.every(
    (property) => (ts.isPropertyAssignment(property) || ts.isShorthandPropertyAssignment(property)) && property.name.getText() !== 'signal',
  );
}

/** `this.task.promise`, `holder[key]`: a promise read from where it is kept, not one made here. */
function isKeptPromise(expression: ts.Expression): boolean {
  return ts.isPropertyAccessExpression(expression) || ts.isElementAccessExpression(expression);
}

/** The methods of `Object` that return the object given as their first argument. */
const identityMethods = new Set(['assign', 'defineProperty', 'defineProperties', 'setPrototypeOf', 'freeze', 'seal', 'preventExtensions']);

/** `Object.assign(p, …)`, `Object.defineProperties(p, …)` and their kind (the standard library's): `p`, which they return. */
export function identityTarget(call: ts.CallExpression, program: ts.Program): ts.Expression | undefined {
  const callee = skipParentheses(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || !identityMethods.has(callee.name.text)) return undefined;
  if (!ts.isIdentifier(callee.expression) || callee.expression.text !== 'Object') return undefined;
  const declarations = program.getTypeChecker().getSymbolAtLocation(callee.expression)?.getDeclarations() ?? [];
  if (!declarations.some((declaration) => program.isSourceFileDefaultLibrary(declaration.getSourceFile()))) return undefined;
  return call.arguments[0];
}

/** An identifier written to: the left of an assignment (plain or compound), in a pattern, or `++`/`--`'s operand. */
function isWriteTarget(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isBinaryExpression(parent)) return parent.left === node && isAssignmentOperator(parent.operatorToken.kind);
  if (ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent))
    return parent.operator === ts.SyntaxKind.PlusPlusToken || parent.operator === ts.SyntaxKind.MinusMinusToken;
  if (ts.isForInStatement(parent) || ts.isForOfStatement(parent)) return parent.initializer === node;
  // Destructuring: `[p] = list`, `({ p } = holder)`, `({ key: p } = holder)`, and `for ([p] of …)`.
  let inner: ts.Node = node;
  let outer = parent;
  while (
    ts.isArrayLiteralExpression(outer) ||
    ts.isObjectLiteralExpression(outer) ||
    ts.isShorthandPropertyAssignment(outer) ||
    (ts.isPropertyAssignment(outer) && outer.initializer === inner) ||
    ts.isSpreadElement(outer) ||
    ts.isSpreadAssignment(outer) ||
    ts.isParenthesizedExpression(outer)
  ) {
    inner = outer;
    outer = outer.parent;
  }
  if (inner === node) return false;
  if (ts.isBinaryExpression(outer)) return outer.left === inner && outer.operatorToken.kind === ts.SyntaxKind.EqualsToken;
  return (ts.isForInStatement(outer) || ts.isForOfStatement(outer)) && outer.initializer === inner;
}

function isAssignmentOperator(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}

/** A `const` (not a `let` or a `var`) variable declaration. */
function isConstDeclaration(declaration: ts.Declaration): declaration is ts.VariableDeclaration {
  return (
    ts.isVariableDeclaration(declaration) && ts.isVariableDeclarationList(declaration.parent) && (declaration.parent.flags & ts.NodeFlags.Const) !== 0
  );
}

/** A union's members, or the type itself. */
function partsOf(type: ts.Type): readonly ts.Type[] {
  return type.isUnion() ? type.types : [type];
}

/** A type with no `null`, `undefined`, `void`, `any` or `unknown` in it: a value that is always there. */
function isNeverNullish(type: ts.Type): boolean {
  const maybeAbsent = ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Void | ts.TypeFlags.Any | ts.TypeFlags.Unknown;
  const parts = partsOf(type);
  return parts.every((part) => !(part.flags & maybeAbsent) && !(part.flags & ts.TypeFlags.TypeParameter));
}

/** Every part of the type is an object (a function, an array, an instance): a value that is never falsy. */
function isObjectType(type: ts.Type): boolean {
  const parts = partsOf(type);
  return parts.every((part) => (part.flags & (ts.TypeFlags.Object | ts.TypeFlags.NonPrimitive)) !== 0);
}

function usesName(node: ts.Node, name: string): boolean {
  let used = false;
  const visit = (child: ts.Node): void => {
    if (used) return;
    if (ts.isIdentifier(child) && child.text === name) used = true;
    else ts.forEachChild(child, visit);
  };
  visit(node);
  return used;
}

/** Every use of `name` in the executor hands it out (`methods = { resolve, reject }`, `this.fail = reject`) rather than calling it. */
function onlyHandsOut(body: ts.Node, name: string): boolean {
  let handsOut = true;
  const visit = (child: ts.Node): void => {
    if (!handsOut) return;
    if (ts.isIdentifier(child) && child.text === name && !ts.isParameter(child.parent)) {
      const parent = child.parent;
      handsOut =
        ts.isShorthandPropertyAssignment(parent) ||
        (ts.isPropertyAssignment(parent) && parent.initializer === child) ||
        (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && parent.right === child);
    }
    ts.forEachChild(child, visit);
  };
  visit(body);
  return handsOut;
}

function containsThrow(node: ts.Node): boolean {
  let found = false;
  const visit = (child: ts.Node): void => {
    if (found || (child !== node && ts.isFunctionLike(child))) return;
    if (ts.isThrowStatement(child)) found = true;
    else ts.forEachChild(child, visit);
  };
  visit(node);
  return found;
}

function text(node: ts.Node): string {
  const written = node.getText().replace(/\s+/g, ' ');
  return written.length > 60 ? `${written.slice(0, 57)}…` : written;
}
