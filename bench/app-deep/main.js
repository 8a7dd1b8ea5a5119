// The entry: one server whose every request awaits through handler → service → repository → store.
import { createServer } from 'node:http';
import { handle } from './handler.js';

const server = createServer((request, response) => {
  handle(request.url).then(
    (body) => response.end(body),
    (error) => {
      response.statusCode = 500;
      response.end(String(error));
    },
  );
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
