import express from 'express';
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { registerChat } from './chat';
import { rooms } from './rooms';

const app = express();
const server = createServer(app);
const io = new Server(server);

app.get('/', (req, res) => {
  res.send('<h1>chat</h1>');
});
app.get('/rooms', (req, res) => {
  res.json({ rooms: rooms() });
});

io.on('connection', (socket) => registerChat(io, socket));

const port = Number(process.env.PORT ?? 3000);
server.listen(port, '127.0.0.1', () => {
  console.log(`server running at http://127.0.0.1:${port}`);
});
