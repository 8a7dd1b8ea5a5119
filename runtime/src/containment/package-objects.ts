// A package's own object that a version's code made and listens to (a chokidar watcher, a queue worker: an
// emitter of a package class with a `close()`), of a package that makes handles, is released through that
// `close()` when the version retires, before the handles beneath it, and the handles that package made for the
// version are then the package's to close (resources.ts). A package may share one system handle among all its
// callers (chokidar keeps one `fs.watch` per path for every watcher of it): closing the handle the old version
// happened to make would close it under the new version's object too, and only the package knows whether one
// still uses it.
//
// Not such an object: one of Node's own (a server, socket, stream, child, worker, watcher: tracked beneath, as
// handles), one a package makes while a module loads (its singleton, every version's), one no version's code
// listened to (a client pool a call made lazily), one of a package that never made a handle (its `close()` may
// do more than a retirement needs: socket.io's closes the HTTP server it was given), and one a newer live version
// listens to too or that is kept in `hot.data`, in a `hot.own` or on `globalThis` (still used: neither it nor its
// package's handles are touched).
import * as childProcess from 'node:child_process';
import * as dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import * as path from 'node:path';
import { Stream } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { runtimeFile } from '../location';
import type { ModuleVersion } from '../modules/module';
import { callSites, packageRootOf } from './package-roots';
import { likeOriginal, owner } from './replace';
import type { PackageObject } from './resources';

const made = new WeakMap<object, PackageObject>();
const runtimePackage = packageRootOf(runtimeFile);

export function patchPackageObjects(): void {
  const events = EventEmitter as unknown as { init: (this: EventEmitter, options?: unknown) => unknown };
  const init = events.init;
  // Every emitter of the process comes through here (each request, response and socket of a serving app): one
  // argument passed on as it came, no rest array, and nothing more asked while no version's code is running.
  events.init = likeOriginal(function trackedInit(this: EventEmitter, options?: unknown) {
    const result = init.call(this, options);
    const version = owner();
    if (version !== undefined && typeof (this as { close?: unknown }).close === 'function' && !isNodeHandle(this)) record(this, version, trackedInit);
    return result;
  }, init);
}

const followed = new WeakSet<object>();

/**
 * Notes which versions' code listens to such an object: its class's own listener methods are wrapped, once per
 * class (`once` and `prependOnceListener` go through `on` and `prependListener`), so that no other emitter (a
 * request, a socket) pays for it.
 */
function followListeners(target: object): void {
  const prototype = Object.getPrototypeOf(target) as Record<string, unknown> | null;
  if (!prototype || followed.has(prototype)) return;
  followed.add(prototype);
  for (const method of ['on', 'addListener', 'prependListener']) {
    const add = prototype[method];
    if (typeof add !== 'function') continue;
    const tracked = likeOriginal(function trackedAdd(this: object, ...args: unknown[]) {
      const entry = made.get(this);
      if (entry !== undefined) {
        const version = owner();
        if (version) entry.listeners.add(version);
      }
      return add.apply(this, args);
    }, add);
    try {
      Object.defineProperty(prototype, method, { value: tracked, writable: true, configurable: true, enumerable: false });
    } catch {
      // A frozen class: its objects' listeners go unseen, and the objects stay unreleased.
    }
  }
}

function record(target: EventEmitter, version: ModuleVersion, creator: Function): void {
  const name = (target.constructor as Function | undefined)?.name;
  if (!name) return;
  let root: string | undefined;
  for (const frame of callSites(creator, 64)) {
    const file = frame.getFileName() ?? '';
    // Made while a module loads: the package's own (a default connection), every version's.
    if (file.startsWith('node:internal/modules/')) return;
    if (root === undefined && frame.isConstructor() && frame.getFunctionName() === name) {
      if (file.startsWith('node:')) return;
      root = packageRootOf(file);
      if (root === undefined || root === runtimePackage) return;
    }
  }
  if (root === undefined) return;
  const entry: PackageObject = {
    target: target as unknown as PackageObject['target'],
    root,
    listeners: new Set(),
    describe: () => `${name} of ${path.basename(root)}`,
  };
  made.set(target, entry);
  followListeners(target);
  version.resources.addPackageObject(entry);
}

/** One of Node's handles tracked beneath (a file watcher's class is not exported: its constructor's frame tells). */
function isNodeHandle(target: object): boolean {
  return (
    target instanceof Stream ||
    target instanceof net.Server ||
    target instanceof childProcess.ChildProcess ||
    target instanceof Worker ||
    target instanceof dgram.Socket
  );
}
