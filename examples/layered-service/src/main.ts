import { createServer } from 'node:http';
import { handle } from './http/routes.js';

const port = Number(process.env.PORT ?? 3000);

// Written as plain Node: when routes.ts (or what it uses) changes, this module runs again because it handed
// `handle` to the server, and the new server takes the listening socket over from the old one. Requests
// already running finish on the old code; the next ones reach the new code.
const server = createServer(handle);
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`layered-service listening on http://127.0.0.1:${port}\n`);
});
