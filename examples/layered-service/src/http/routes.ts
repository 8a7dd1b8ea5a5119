import type { IncomingMessage, ServerResponse } from 'node:http';
import { visit } from '../services/counter.js';
import { audit, recent } from '../services/audit.js';

/** The request handler main.ts gives its server. */
export function handle(request: IncomingMessage, response: ServerResponse): void {
  const path = request.url ?? '/';
  if (path === '/audit') {
    response.end(JSON.stringify(recent()));
    return;
  }
  const count = visit(path);
  audit.post(`GET ${path}`);
  response.setHeader('content-type', 'application/json');
  response.end(JSON.stringify({ path, count, version: import.meta.hot?.version ?? 1 }));
}

// Log a line when the process is asked to stop; the listener is removed when this version retires.
import.meta.hot?.listen(process, 'SIGUSR2', () => process.stdout.write('routes: SIGUSR2\n'));
