import { createServer } from 'node:http';
import { handle } from './http/routes.js';

const port = Number(process.env.PORT ?? 3000);

// The server belongs to the entry, which is never reloaded; `handle` is a live export, so each request
// reaches the newest version of routes.ts.
const server = import.meta.hot?.own(createServer(handle)) ?? createServer(handle);
server.listen(port, '127.0.0.1', () => process.stdout.write(`layered-service listening on http://127.0.0.1:${port}\n`));
