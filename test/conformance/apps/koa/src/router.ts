import Router from '@koa/router';
import { greeting } from './services/greeter';

export const router = new Router();

router.get('/', (ctx) => {
  ctx.body = { route: 'route-1', service: greeting() };
});
