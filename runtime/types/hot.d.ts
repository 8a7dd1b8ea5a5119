// The module API of Reloadable (`import.meta.hot`), for apps run with `reloadable run`.
// List the package in tsconfig `types` (`"types": ["node", "reloadable-node"]`), or reference this file alone
// with `/// <reference types="reloadable-node/hot" />`.

// `Symbol.dispose` and `Symbol.asyncDispose` for projects whose `lib` predates them (as @types/node declares them):
// the same declarations as TypeScript's esnext.disposable lib, so both merge.
interface SymbolConstructor {
  readonly dispose: unique symbol;
  readonly asyncDispose: unique symbol;
}

/** Something a module version owns: closed when the version is retired. */
type ReloadableResource =
  | { close(): unknown }
  | { dispose(): unknown }
  | { destroy(): unknown }
  | { abort(): unknown }
  | { terminate(): unknown }
  | { kill(): unknown }
  | { end(): unknown }
  | { disconnect(): unknown }
  | { [Symbol.dispose](): void }
  | { [Symbol.asyncDispose](): PromiseLike<void> };

type ReloadableEvent = 'before-unload' | 'after-unload' | 'after-load' | 'commit' | 'rollback';

interface ReloadableHot {
  /** An object kept across versions of this module. */
  readonly data: Record<string, unknown>;
  /** This module's version number: 1, 2, … */
  readonly version: number;
  /** `cb(data)` runs when this version is retired. */
  dispose(cb: (data: Record<string, unknown>) => void | Promise<void>): void;
  /** Accept updates of this module (no argument) or of the listed dependencies (as in Vite). */
  accept(cb?: (module: unknown) => void): void;
  accept(deps: string | readonly string[], cb?: (modules: unknown) => void): void;
  /** A change reaching this module cannot be applied hot. */
  decline(): void;
  /** Propagate this update to the importers, as if this module did not accept it. */
  invalidate(message?: string): void;
  /** Lifecycle events; a listener that throws is reported, never propagated. */
  on(event: ReloadableEvent, cb: (payload: unknown) => void): void;
  /** Typed, versioned state handoff: `save` on the old version, `restore(saved, fromVersion)` on the new one. */
  state<T>(options: { version: number; save(): T; restore(saved: T, fromVersion: number): void }): void;
  /** Closes the resource when this version is retired; returns it. */
  own<T extends ReloadableResource>(resource: T): T;
  setInterval(callback: () => void, ms: number): ReturnType<typeof setInterval>;
  setTimeout(callback: () => void, ms: number): ReturnType<typeof setTimeout>;
  /** Adds a listener removed when this version is retired. */
  listen<T extends { on?: Function; addEventListener?: Function }>(target: T, event: string, listener: (...args: any[]) => void): void;
  /** A stable mailbox: messages go to the current version and wait, in order, during a swap. */
  mailbox<M>(handler: (message: M) => void | Promise<void>): { post(message: M): void };
}

interface ImportMeta {
  /** Present when the module runs under `reloadable run`. */
  readonly hot?: ReloadableHot;
}
