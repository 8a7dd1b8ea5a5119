import { Router } from 'express';
import type { Database } from '../db/connection.js';

export function itemsRouter(db: Database): Router {
  const router = Router();
  router.get('/', (req, res) => {
    res.json({ items: db.items, count: db.items.length });
  });
  router.get('/:id', (req, res) => {
    const item = db.items.find((candidate) => candidate.id === Number(req.params.id));
    if (!item) {
      res.status(404).json({ error: 'no such item' });
      return;
    }
    res.json({ item, label: `item ${item.name}` });
  });
  return router;
}
