import express from 'express';
import type { Database } from './db/connection.js';
import { itemsRouter } from './routes/items.js';

export function createApp(db: Database) {
  const app = express();
  app.use((req, res, next) => {
    res.setHeader('x-app', 'bootstrap-1');
    next();
  });
  app.get('/', (req, res) => {
    res.json({ status: 'up', database: db.url });
  });
  app.use('/items', itemsRouter(db));
  return app;
}
