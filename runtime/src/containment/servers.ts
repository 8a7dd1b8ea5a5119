// Servers a version's code starts (`net`, `http`, `https`, `http2`: every server is a `net.Server`) are
// recorded on it; their `listen` goes through the listen slots, so a new version's server takes the listening
// socket over instead of binding it twice, and `close` lets go of a shared socket instead of closing it.
import { AsyncResource } from 'node:async_hooks';
import * as net from 'node:net';
import { appContext } from '../modules/module';
import type { ListenSlots } from './listen-slots';
import { owner } from './replace';
import { safe } from './resources';

const tracked = new WeakSet<net.Server>();

export function patchServers(slots: ListenSlots): void {
  const listen = net.Server.prototype.listen;
  const close = net.Server.prototype.close;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    const version = owner();
    if (!version) return listen.apply(this, args as never);
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
    // The handle is made outside the version: connections and requests belong to no version's context. The
    // listen callback is the version's own loading, and runs in its context.
    const bound = args.map((arg) => (typeof arg === 'function' ? AsyncResource.bind(arg as (...args: unknown[]) => unknown) : arg));
    return appContext.exit(() => slots.listen(this, version, bound, (...forwarded) => listen.apply(this, forwarded as never)));
  } as typeof listen;
  net.Server.prototype.close = function (this: net.Server, ...args: unknown[]) {
    return slots.close(this, args, (...forwarded) => close.apply(this, forwarded as never));
  } as typeof close;
}

function describeServer(server: net.Server): string {
  const address = safe(() => server.address(), null);
  const label = server.constructor?.name === 'Server' ? 'server' : `${server.constructor?.name ?? 'server'}`;
  if (address && typeof address === 'object') return `${label} on ${address.address}:${address.port}`;
  if (typeof address === 'string') return `${label} on ${address}`;
  return label;
}
