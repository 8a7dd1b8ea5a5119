import { createServer } from 'node:http';
import { handle } from './routes.js';

const server = createServer(handle);
server.prependListener('request', (_request, response) => {
  response.setHeader('x-entry', 'entry-1');
});
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on ${JSON.stringify(server.address())}`);
});
