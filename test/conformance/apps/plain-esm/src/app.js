import { compose, poweredBy } from './lib/middleware.js';
import { route } from './lib/router.js';
import * as notes from './notes.js';

const routes = [
  route('GET', '/', () => ({ name: 'notes', version: 'app-1' })),
  route('GET', '/notes', () => notes.all()),
  route('GET', '/notes/:id', (params) => notes.one(Number(params.id))),
];

export const handler = compose([poweredBy], (req, res) => {
  for (const candidate of routes) {
    const params = candidate.match(req.method, req.url);
    if (!params) continue;
    const body = candidate.handle(params);
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not found' }));
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: 'no route' }));
});
