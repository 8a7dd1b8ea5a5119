import { asFunction, createContainer, Lifetime } from 'awilix';
import express from 'express';
import { router } from './router.js';

const container = createContainer();
await container.loadModules(['services/*.ts'], {
  cwd: import.meta.dirname,
  esModules: true,
  formatName: 'camelCase',
  resolverOptions: { register: asFunction, lifetime: Lifetime.SINGLETON },
});

const app = express();
app.use((req, res, next) => {
  res.set('x-entry', 'entry-1');
  next();
});
app.use(router(container));

const port = Number(process.env.PORT ?? 3000);
app.listen(port, '127.0.0.1', () => {
  console.log(`Listening on port ${port}`);
});
