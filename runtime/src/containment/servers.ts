// Servers a version's code starts (`net`, `http`, `https`, `http2`: every server is a `net.Server`) are
// recorded on it; their `listen` goes through the listen slots, so a new version's server takes the listening
// socket over instead of binding it twice, and `close` lets go of a shared socket instead of closing it.
import { AsyncResource } from 'node:async_hooks';
import * as net from 'node:net';
import { appContext } from '../modules/module';
import type { ListenSlots } from './listen-slots';
import { runtimeRequire } from '../location';
import type { ModuleVersion } from '../modules/module';
import { calledFromGoneCode } from './faults';
import { likeOriginal, owner } from './replace';
import { safe } from './resources';

const tracked = new WeakSet<net.Server>();
/** The version whose code made each server (net, http, https, http2: each is a net.Server). */
const creators = new WeakMap<net.Server, ModuleVersion>();

// The CommonJS exports object of node:net: the one to patch (http, https and http2 servers call its Server).
const netExports = runtimeRequire('node:net') as typeof net;

export function patchServers(slots: ListenSlots): void {
  patchServerCreation();
  patchIdleClosing(slots);
  const listen = net.Server.prototype.listen;
  const close = net.Server.prototype.close;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    const version = owner();
    if (!version) {
      // A rolled-back version's bootstrap, resumed after its rollback: its server never listens (and its
      // `await app.listen()` never returns), as nothing of a rolled-back version may serve.
      if (calledFromGoneCode(net.Server.prototype.listen)) return this;
      return listen.apply(this, args as never);
    }
    // A module that starts a server another module made is tied to that module: when it runs again, so must the
    // maker, or it would start the very server it already started (as a fresh start never does).
    const creator = creators.get(this);
    if (creator && creator.record !== version.record) version.startedFrom.add(creator.id);
    if (!tracked.has(this)) {
      tracked.add(this);
      const server = this;
      version.resources.add(
        'server',
        server,
        () => describeServer(server),
        () => slots.listening(server),
        () => slots.retire(server),
        net.Server.prototype.listen,
      );
    }
    awaitListening(this);
    // The handle is made outside the version: connections and requests belong to no version's context. The
    // listen callback is the version's own loading, and runs in its context.
    const bound = args.map((arg) => (typeof arg === 'function' ? AsyncResource.bind(arg as (...args: unknown[]) => unknown) : arg));
    return appContext.exit(() => slots.listen(this, version, bound, (...forwarded) => listen.apply(this, forwarded as never)));
  } as typeof listen;
  net.Server.prototype.close = function (this: net.Server, ...args: unknown[]) {
    return slots.close(this, args, (...forwarded) => close.apply(this, forwarded as never));
  } as typeof close;
}

/**
 * An HTTP server whose listening socket went to a newer server keeps its keep-alive connections: the requests
 * that arrive on them are answered by the new code, and closing one while its client sends on it would reset that
 * request. Node's `close()` of an HTTP server closes its idle connections first (19+): a retired version's code,
 * or a package's `close()` it calls (socket.io's closes the server it was given), must not do that to connections
 * the new code serves. Each one still ends on its keep-alive timeout.
 */
function patchIdleClosing(slots: ListenSlots): void {
  for (const Server of [runtimeRequire('node:http').Server, runtimeRequire('node:https').Server] as Array<{ prototype: Record<string, unknown> }>) {
    const closeIdle = Server.prototype.closeIdleConnections;
    if (typeof closeIdle !== 'function' || !Object.hasOwn(Server.prototype, 'closeIdleConnections')) continue;
    Server.prototype.closeIdleConnections = likeOriginal(function (this: net.Server, ...args: unknown[]) {
      if (slots.handedOver(this)) return undefined;
      return closeIdle.apply(this, args);
    }, closeIdle);
  }
}

/**
 * A listen under way is part of the loading of the version that asked for it, until the server listens or
 * fails to (a host being looked up, a port being bound): a promise awaited in the version's context says so
 * to whoever watches that loading (a reload waiting for the new version to listen).
 */
function awaitListening(server: net.Server): void {
  void new Promise<void>((resolve) => {
    const settled = () => {
      server.removeListener('listening', settled);
      server.removeListener('error', settled);
      resolve();
    };
    server.once('listening', settled);
    server.once('error', settled);
  }).then(() => undefined);
}

/** Notes which version makes each server: net.Server's constructor, which every kind of server runs. */
function patchServerCreation(): void {
  const Server = netExports.Server;
  const TrackedServer = function (this: net.Server, ...args: unknown[]) {
    if (!(this instanceof Server)) return new (TrackedServer as unknown as new (...args: unknown[]) => net.Server)(...args);
    Server.apply(this, args as never);
    const version = owner();
    if (version) creators.set(this, version);
  } as unknown as typeof net.Server;
  TrackedServer.prototype = Server.prototype;
  Object.setPrototypeOf(TrackedServer, Server);
  (netExports as { Server: typeof net.Server }).Server = TrackedServer;
  const createServer = netExports.createServer;
  (netExports as { createServer: typeof createServer }).createServer = likeOriginal(function (...args: unknown[]) {
    return new (TrackedServer as unknown as new (...args: unknown[]) => net.Server)(...args);
  }, createServer) as typeof createServer;
}

function describeServer(server: net.Server): string {
  const address = safe(() => server.address(), null);
  const label = server.constructor?.name === 'Server' ? 'server' : `${server.constructor?.name ?? 'server'}`;
  if (address && typeof address === 'object') return `${label} on ${address.address}:${address.port}`;
  if (typeof address === 'string') return `${label} on ${address}`;
  return label;
}
