// Live exports. Importers never hold a module version's exports: they hold the module's facade, whose
// functions, classes and objects forward to whatever version is live when they are used. A handler stored
// before a reload (`server.on('request', handle)`) therefore serves the new code after it, and every call
// through a facade is counted on the version that runs it, which is what draining waits for.
import { types } from 'node:util';
import type { ModuleVersion } from './version';

export interface FacadeHost {
  /** The version whose exports a use sees now (the candidate while a reload prepares it). */
  live(): ModuleVersion;
  /** A stateful module during its swap: new async calls wait. */
  readonly suspended: boolean;
  /** Runs `call` once the swap is over, in arrival order. */
  defer<T>(call: () => T): Promise<Awaited<T>>;
}

type Key = string | symbol;

const exportsOf = (host: FacadeHost): any => host.live().exports;

/** The facade of a module: a stand-in for its `module.exports`. */
export function createFacade(host: FacadeHost, initial: unknown): object {
  const forwarders = new Map<Key, object>();
  const forward = (key: Key, value: unknown): unknown => {
    if (typeof value !== 'function' && (typeof value !== 'object' || value === null)) return value;
    const kind = typeof value === 'function' ? 'function' : Array.isArray(value) ? 'array' : 'object';
    const cacheKey = `${kind}:${String(key)}`;
    let forwarder = forwarders.get(cacheKey);
    if (!forwarder) {
      const current = () => exportsOf(host)?.[key];
      forwarder = kind === 'function' ? functionForwarder(host, current) : objectForwarder(host, current, kind === 'array');
      forwarders.set(cacheKey, forwarder);
    }
    return forwarder;
  };
  const current = () => exportsOf(host);
  const handler = forwardingHandler(current);
  handler.get = (_, key) => {
    if (key === '__esModule') return current()?.__esModule;
    const target = current();
    return target === null || target === undefined ? undefined : forward(key, Reflect.get(Object(target), key));
  };
  return typeof initial === 'function' ? callable(host, current, handler) : new Proxy({}, handler);
}

/** A stand-in for an exported function or class: calls and `new` reach the live version's. */
function functionForwarder(host: FacadeHost, current: () => any): object {
  const handler = forwardingHandler(current);
  handler.get = (_, key) => Reflect.get(Object(current()), key);
  return callable(host, current, handler);
}

function callable(host: FacadeHost, current: () => any, handler: ProxyHandler<any>): object {
  handler.apply = (_, thisArg, args) => {
    const fn = current();
    if (host.suspended && types.isAsyncFunction(fn)) return host.defer(() => Reflect.apply(current(), thisArg, args));
    return host.live().run(() => Reflect.apply(fn, thisArg, args));
  };
  handler.construct = (_, args, newTarget) => {
    const constructor = current();
    // `new Stand()` gets the live class as new.target; a subclass's `super()` keeps its own.
    return host.live().run(() => Reflect.construct(constructor, args, newTarget === proxy ? constructor : newTarget));
  };
  const proxy: object = new Proxy(function stand() {}, handler);
  return proxy;
}

/**
 * A stand-in for an exported object. Its methods are bound to the live object, so private fields and
 * built-ins such as Map work, and each call is counted on the version that exported it.
 */
function objectForwarder(host: FacadeHost, current: () => any, isArray: boolean): object {
  const bound = new WeakMap<object, Map<Key, Function>>();
  const handler = forwardingHandler(current);
  handler.get = (_, key) => {
    const target = Object(current());
    const value = Reflect.get(target, key, target);
    if (typeof value !== 'function') return value;
    let methods = bound.get(target);
    if (!methods) bound.set(target, (methods = new Map()));
    let method = methods.get(key);
    if (!method || (method as any).original !== value) {
      const version = host.live();
      method = function (this: unknown, ...args: unknown[]) {
        if (host.suspended && types.isAsyncFunction(value)) {
          return host.defer(() => {
            const live = Object(current());
            return Reflect.apply(Reflect.get(live, key, live), live, args);
          });
        }
        return version.run(() => Reflect.apply(value, target, args));
      };
      (method as any).original = value;
      methods.set(key, method);
    }
    return method;
  };
  return new Proxy(isArray ? [] : {}, handler);
}

/** The traps every stand-in shares: reads, writes and reflection go to the live value. */
function forwardingHandler(current: () => any): ProxyHandler<any> {
  const live = () => Object(current());
  return {
    set: (_, key, value) => Reflect.set(live(), key, value),
    has: (_, key) => Reflect.has(live(), key),
    deleteProperty: (_, key) => Reflect.deleteProperty(live(), key),
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(live(), key, descriptor),
    getPrototypeOf: () => Reflect.getPrototypeOf(live()),
    ownKeys: (target) => {
      const keys = new Set<Key>(Reflect.ownKeys(live()));
      // A proxy must list its target's fixed keys (a function's `prototype`, an array's `length`).
      for (const key of Reflect.ownKeys(target)) if (!Reflect.getOwnPropertyDescriptor(target, key)?.configurable) keys.add(key);
      return [...keys];
    },
    getOwnPropertyDescriptor: (target, key) => {
      const fixed = Reflect.getOwnPropertyDescriptor(target, key);
      if (fixed && !fixed.configurable) return fixed;
      const descriptor = Reflect.getOwnPropertyDescriptor(live(), key);
      // Reported configurable: a proxy may not claim a fixed property its own target lacks.
      return descriptor && { ...descriptor, configurable: true };
    },
  };
}

