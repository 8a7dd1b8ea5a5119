import type { IncomingMessage, ServerResponse } from 'node:http';
import { greeting } from './greeter.js';

export function handle(request: IncomingMessage, response: ServerResponse): void {
  response.setHeader('content-type', 'application/json');
  response.end(JSON.stringify({ route: 'route-1', service: greeting() }));
}
