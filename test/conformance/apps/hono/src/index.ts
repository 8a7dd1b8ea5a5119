import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { routes } from './routes.js';

const app = new Hono();

app.use('*', async (c, next) => {
  await next();
  c.header('x-entry', 'entry-1');
});
app.route('/', routes);

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' }, (info) => {
  console.log(`Server is running on http://localhost:${info.port}`);
});
