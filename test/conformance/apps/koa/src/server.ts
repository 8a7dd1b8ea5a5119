import Koa from 'koa';
import { router } from './router';

const app = new Koa();

app.use(async (ctx, next) => {
  await next();
  ctx.set('x-entry', 'entry-1');
});
app.use(router.routes()).use(router.allowedMethods());

app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log('Koa listening');
});
