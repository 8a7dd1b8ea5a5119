import type { Server, Socket } from 'socket.io';
import { defaultRoom } from './rooms';

export function registerChat(io: Server, socket: Socket): void {
  void socket.join(defaultRoom);
  socket.on('chat message', (message: string, ack?: (answer: unknown) => void) => {
    io.to(defaultRoom).emit('chat message', message);
    ack?.({ received: message, room: defaultRoom, by: 'chat-1' });
  });
}
