// Listening sockets are handed over, not bound twice. When a new version listens on an address a server of
// the version it replaces holds, the new server shares that server's listening handle at once (it is
// `listening`, `address()` answers, 'listening' fires, so `await app.listen()` resolves), and takes the
// handle's connections over at commit. The old server then accepts nothing new; requests that arrive later
// on its open keep-alive connections are answered by the new server's code, and those already running
// finish on the old one. Closing idle connections instead would race with clients sending their next
// request on them: a client would see a reset. A rollback hands the handle back the same way.
import type { ServerResponse } from 'node:http';
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { ServerConnections } from './connections';
import type { ModuleVersion } from '../modules/module';

/** An address a server asked for: a TCP port (with its host, `*` for all) or a pipe path. */
export interface Address {
  key: string;
  description: string;
}

interface Slot {
  address: Address;
  handle: any;
  connectionKey: string;
  owner: net.Server;
  /** A new version's server waiting for its transaction to commit. */
  pending: net.Server | undefined;
}

interface ServerState {
  version: ModuleVersion | undefined;
  slot: Slot | undefined;
  role: 'owner' | 'pending' | 'detached';
  /** Binds the server's address again, as it first asked for it (without its callbacks). */
  relisten?: () => void;
}

/** What happens when `claimer` listens where `holder` already does; `ignore`: the claimer is dead code. */
export type Claim = 'at-commit' | 'now' | 'conflict' | 'ignore';

export interface ListenPolicy {
  claim(claimer: ModuleVersion | undefined, holder: ModuleVersion | undefined): Claim;
  /** A version's bind failed (another process holds the address, a conflict inside the app, no permission). */
  bindFailed(version: ModuleVersion | undefined, error: Error, address: Address, holder: string): void;
  /** A request listener threw: a fault of the app's (the request is answered 500 and its connection closed). */
  requestFaulted(error: unknown): void;
}

/** Events a server that no longer listens passes to the server that does. */
const forwarded = new Set(['request', 'checkContinue', 'checkExpectation', 'upgrade', 'connect']);

let ownerSymbol: symbol | undefined;

export class ListenSlots {
  private readonly slots = new Map<string, Slot>();
  private readonly servers = new WeakMap<net.Server, ServerState>();
  private readonly claimListeners = new Set<() => void>();
  /** The connections the app's servers hold, looked at when a reload commits. */
  readonly connections = new ServerConnections();
  /** New requests waiting for a cluster's commit (the hold barrier), in arrival order; undefined when none are held. */
  private held: Array<{ server: net.Server; args: unknown[] }> | undefined;
  private holdTimer: NodeJS.Timeout | undefined;

  constructor(
    /** Who may take a slot over: the running runtime's policy. */
    public policy: ListenPolicy,
  ) {}

  /** `server.listen(...args)` of a server `version` owns; `listen` is Node's. */
  listen(server: net.Server, version: ModuleVersion | undefined, args: unknown[], listen: (...args: unknown[]) => net.Server): net.Server {
    const address = addressOf(args);
    const state = this.track(server, version);
    const slot = address ? this.slots.get(address.key) : undefined;
    if (version && !version.alive) return server;
    if (address) state.relisten = () => this.bind(server, state, address, withoutCallbacks(args), listen);
    if (!address || !slot || slot.owner === server) return this.bind(server, state, address, args, listen);
    const holder = this.servers.get(slot.owner)?.version;
    const claim = slot.pending ? 'conflict' : this.policy.claim(version, holder);
    if (claim === 'ignore') return server;
    const callback = args.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    if (claim === 'conflict') {
      const holderName = slot.pending ? describeHolder(this.servers.get(slot.pending)?.version) : describeHolder(holder);
      const error = Object.assign(new Error(`listen EADDRINUSE: address already in use ${address.description}, held by ${holderName}`), {
        code: 'EADDRINUSE',
        errno: -98,
        syscall: 'listen',
        address: address.description,
      });
      this.policy.bindFailed(version, error, address, holderName);
      process.nextTick(() => server.emit('error', error));
      return server;
    }
    // Share the handle: the server listens (for its own code) before it receives anything.
    const shared = server as any;
    shared._handle = slot.handle;
    shared._connectionKey = slot.connectionKey;
    state.slot = slot;
    state.role = 'pending';
    slot.pending = server;
    if (claim === 'now') this.transfer(slot, server);
    for (const listener of [...this.claimListeners]) listener();
    if (callback) server.once('listening', callback);
    process.nextTick(() => server.emit('listening'));
    return server;
  }

  private bind(
    server: net.Server,
    state: ServerState,
    address: Address | undefined,
    args: unknown[],
    listen: (...args: unknown[]) => net.Server,
  ): net.Server {
    // Any error before 'listening' is the listen's: a bind that fails, and a host that does not resolve too.
    const onError = (error: NodeJS.ErrnoException) => {
      const holder = error.code === 'EADDRINUSE' ? 'another process' : 'nobody';
      this.policy.bindFailed(
        state.version,
        error,
        address ?? { key: '?', description: String((error as { address?: unknown }).address ?? '?') },
        holder,
      );
    };
    server.prependOnceListener('error', onError);
    server.once('listening', () => {
      server.removeListener('error', onError);
      if (!address) return;
      const shared = server as any;
      const slot: Slot = { address, handle: shared._handle, connectionKey: shared._connectionKey, owner: server, pending: undefined };
      this.slots.set(address.key, slot);
      state.slot = slot;
      state.role = 'owner';
    });
    return listen(...args);
  }

  private track(server: net.Server, version: ModuleVersion | undefined): ServerState {
    let state = this.servers.get(server);
    if (state) return state;
    state = { version, slot: undefined, role: 'owner' };
    this.servers.set(server, state);
    this.connections.watch(server);
    const slots = this;
    const emit = server.emit;
    server.emit = function (this: net.Server, event: string | symbol, ...args: unknown[]): boolean {
      const own = slots.servers.get(this);
      if (own?.slot && own.role !== 'owner' && typeof event === 'string' && forwarded.has(event) && own.slot.owner !== this) {
        return own.slot.owner.emit(event, ...args);
      }
      if (event === 'upgrade') slots.connections.upgrade(args[1] as Duplex);
      if (event !== 'request') return (emit as (event: string | symbol, ...args: unknown[]) => boolean).call(this, event, ...args);
      if (slots.held) {
        slots.held.push({ server: this, args });
        return true;
      }
      const response = args[1] as ServerResponse;
      try {
        return (emit as (event: string | symbol, ...args: unknown[]) => boolean).call(this, event, ...args);
      } catch (error) {
        // A listener that throws would leave the request unanswered: it gets a 500, and the fault is reported.
        answerFault(response);
        slots.policy.requestFaulted(error);
        return true;
      }
    } as typeof server.emit;
    return state;
  }

  /**
   * The hold barrier: new requests wait (in order) until `release`, so that none starts on the old code once
   * another process of the cluster started one on the new. Bounded: after `maxMs` they go on to whichever code
   * serves then.
   */
  hold(maxMs: number, setTimer: (callback: () => void, ms: number) => NodeJS.Timeout): void {
    if (this.held) return;
    this.held = [];
    this.holdTimer = setTimer(() => this.release(), maxMs);
  }

  /** Lets the held requests go, in their order, to the server that serves now; returns how many waited. */
  release(): number {
    const held = this.held;
    if (!held) return 0;
    this.held = undefined;
    clearTimeout(this.holdTimer);
    for (const { server, args } of held) server.emit('request', ...args);
    return held.length;
  }

  /** Makes `to` the server that accepts the slot's connections. */
  private transfer(slot: Slot, to: net.Server): void {
    const from = slot.owner;
    if (from === to) return;
    ownerSymbol ??= Object.getOwnPropertySymbols(slot.handle).find((symbol) => symbol.description === 'owner_symbol');
    if (ownerSymbol) slot.handle[ownerSymbol] = to;
    const receiving = to as any;
    receiving._handle = slot.handle;
    receiving._connectionKey = slot.connectionKey;
    (from as any)._handle = null;
    const fromState = this.servers.get(from);
    const toState = this.servers.get(to)!;
    if (fromState) fromState.role = 'detached';
    toState.role = 'owner';
    toState.slot = slot;
    slot.owner = to;
    if (slot.pending === to) slot.pending = undefined;
  }

  /** Calls `listener` each time a server claims a slot; returns how to stop. */
  onClaim(listener: () => void): () => void {
    this.claimListeners.add(listener);
    return () => this.claimListeners.delete(listener);
  }

  /** The slots servers of `versions` own now (what their replacements are expected to claim). */
  heldBy(versions: ReadonlySet<ModuleVersion>): Address[] {
    return [...this.slots.values()]
      .filter((slot) => versions.has(this.servers.get(slot.owner)?.version as ModuleVersion))
      .map((slot) => slot.address);
  }

  /** Whether a server of one of `versions` waits to take the slot at `address` over. */
  claimed(address: Address, versions: ReadonlySet<ModuleVersion>): boolean {
    const pending = this.slots.get(address.key)?.pending;
    return pending !== undefined && versions.has(this.servers.get(pending)?.version as ModuleVersion);
  }

  /**
   * At commit: servers of `versions` waiting on a slot take it over. Returns how to undo that: the handles go
   * back; one a new server closed in the meantime (an app that closes its server on a fault of its own, say)
   * is bound again for the server that held it.
   */
  commit(versions: ReadonlySet<ModuleVersion>): () => void {
    const moved: Array<[Slot, net.Server]> = [];
    for (const slot of this.slots.values()) {
      const pending = slot.pending;
      if (!pending || !versions.has(this.servers.get(pending)?.version as ModuleVersion)) continue;
      moved.push([slot, slot.owner]);
      this.transfer(slot, pending);
    }
    return () => {
      for (const [slot, previous] of moved.reverse()) {
        if (this.slots.get(slot.address.key) === slot) this.transfer(slot, previous);
        else this.relisten(previous, slot);
      }
    };
  }

  /** Binds the address of `slot`, closed since `server` handed it on, for `server` again. */
  private relisten(server: net.Server, slot: Slot): void {
    const state = this.servers.get(server);
    if (!state?.relisten || state.slot !== slot || (server as any)._handle || this.slots.has(slot.address.key)) return;
    state.slot = undefined;
    state.role = 'owner';
    state.relisten();
  }

  /**
   * Stops a server its version no longer needs. A server still holding its slot closes for real; one that
   * handed its slot on lets its open connections be (they are answered by the new server) and drops its own
   * request listeners, so its version's code can be collected.
   */
  retire(server: net.Server): void {
    const state = this.servers.get(server);
    if (!state?.slot) {
      if (server.listening) server.close();
      return;
    }
    const slot = state.slot;
    if (state.role === 'pending') {
      slot.pending = undefined;
      (server as any)._handle = null;
      state.role = 'detached';
      server.emit('close');
    } else if (state.role === 'owner') {
      if (slot.pending) {
        this.transfer(slot, slot.pending);
      } else {
        this.slots.delete(slot.address.key);
        server.close();
        return;
      }
    }
    for (const event of forwarded) server.removeAllListeners(event);
  }

  /** `server.close()` by app code: a server that shares a handle it does not own lets go of it instead. */
  close(server: net.Server, args: unknown[], close: (...args: unknown[]) => net.Server): net.Server {
    const state = this.servers.get(server);
    const slot = state?.slot;
    if (!state || !slot) return close(...args);
    const callback = args.find((arg) => typeof arg === 'function') as ((error?: Error) => void) | undefined;
    if (state.role === 'owner' && slot.pending) this.transfer(slot, slot.pending);
    if (state.role === 'owner') {
      this.slots.delete(slot.address.key);
      return close(...args);
    }
    if (slot.pending === server) slot.pending = undefined;
    (server as any)._handle = null;
    if (callback) server.once('close', () => callback());
    return close();
  }

  /** Whether a server's listening socket went to another server (a newer version's). */
  handedOver(server: net.Server): boolean {
    const state = this.servers.get(server);
    return state?.slot !== undefined && state.role === 'detached';
  }

  /** Whether a tracked server still listens for itself, or waits to (a leak once its version retired). */
  listening(server: net.Server): boolean {
    const state = this.servers.get(server);
    if (state?.role === 'pending') return true;
    return state?.role === 'owner' ? server.listening : false;
  }
}

/** A 500 for a request whose handler threw, its connection closed; a response already under way is cut. */
function answerFault(response: ServerResponse): void {
  try {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response.statusCode = 500;
    response.setHeader('connection', 'close');
    response.end();
  } catch {
    response.destroy();
  }
}

function withoutCallbacks(args: unknown[]): unknown[] {
  return args.filter((arg) => typeof arg !== 'function');
}

function describeHolder(version: ModuleVersion | undefined): string {
  return version ? `${version.id} v${version.number}` : 'a server outside the app';
}

const wildcard = new Set(['', '::', '0.0.0.0']);

/** The address `listen(...args)` asks for, or undefined for a random port, a handle or a file descriptor. */
export function addressOf(args: unknown[]): Address | undefined {
  let [first] = args;
  let host: unknown = typeof args[1] === 'string' ? args[1] : undefined;
  if (typeof first === 'object' && first !== null) {
    const options = first as { port?: unknown; host?: unknown; path?: unknown; fd?: unknown; handle?: unknown; _handle?: unknown };
    if (options.fd !== undefined || options.handle !== undefined || options._handle !== undefined) return undefined;
    if (typeof options.path === 'string') return pipe(options.path);
    first = options.port;
    host = options.host;
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return pipe(first);
  const port = Number(first);
  if (!Number.isInteger(port) || port <= 0) return undefined;
  const name = typeof host === 'string' && !wildcard.has(host) ? host.toLowerCase() : '*';
  return { key: `tcp:${name}:${port}`, description: name === '*' ? `:${port}` : `${name.includes(':') ? `[${name}]` : name}:${port}` };
}

function pipe(file: string): Address {
  return { key: `pipe:${file}`, description: file };
}
