// Client sockets a version's code opens (TCP and IPC through `net.Socket#connect`, UDP through
// `dgram.Socket#bind`) are recorded on it and destroyed when it retires.
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { owner } from './replace';

const tracked = new WeakSet<object>();

export function patchSockets(): void {
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const version = owner();
    if (version && !tracked.has(this)) {
      tracked.add(this);
      const socket = this;
      const describe = () => (socket.remoteAddress ? `socket to ${socket.remoteAddress}:${socket.remotePort}` : 'socket');
      version.resources.add(
        'socket',
        socket,
        describe,
        () => !socket.destroyed,
        () => void socket.destroy(),
        net.Socket.prototype.connect,
      );
    }
    return connect.apply(this, args as never);
  } as typeof connect;
  const bind = dgram.Socket.prototype.bind;
  dgram.Socket.prototype.bind = function (this: dgram.Socket, ...args: unknown[]) {
    const version = owner();
    if (version && !tracked.has(this)) {
      tracked.add(this);
      const socket = this;
      let open = true;
      socket.once('close', () => (open = false));
      version.resources.add(
        'socket',
        socket,
        () => 'udp socket',
        () => open,
        () => void socket.close(),
        dgram.Socket.prototype.bind,
      );
    }
    return bind.apply(this, args as never);
  } as typeof bind;
}
