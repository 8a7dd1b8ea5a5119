import { createServer, type Server } from 'node:http';
import { handle } from './http/routes.js';

const hot = import.meta.hot;
const port = Number(process.env.PORT ?? 3000);

// The server outlives the versions of this module: a new version takes over the listening server (owning
// the same object hands it over) instead of binding the port again. `handle` is a live export, so every
// request reaches the newest version of routes.ts.
const server: Server =
  (hot?.data.server as Server | undefined) ??
  createServer(handle).listen(port, '127.0.0.1', () => {
    process.stdout.write(`layered-service listening on http://127.0.0.1:${port}\n`);
  });
hot?.own(server);
if (hot) hot.data.server = server;
