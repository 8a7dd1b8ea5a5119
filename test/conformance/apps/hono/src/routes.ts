import { Hono } from 'hono';
import { greeting } from './services/greeter.js';

export const routes = new Hono();

routes.get('/', (c) => c.json({ route: 'route-1', service: greeting() }));
