import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { onMessage } from './handlers/message.js';

export const server = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, path: '/chat' }));
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
});

const wss = new WebSocketServer({ server, path: '/chat' });

wss.on('connection', (socket) => {
  socket.on('message', (data) => socket.send(onMessage(String(data))));
});
