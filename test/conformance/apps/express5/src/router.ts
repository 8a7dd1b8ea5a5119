import type { AwilixContainer } from 'awilix';
import { Router } from 'express';

export function router(container: AwilixContainer): Router {
  const routes = Router();
  routes.get('/', (req, res) => {
    const greeter = container.resolve<{ greet(): string }>('greeter');
    res.json({ route: 'route-1', service: greeter.greet() });
  });
  return routes;
}
