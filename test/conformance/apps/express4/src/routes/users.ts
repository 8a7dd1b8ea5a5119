import { Router } from 'express';
import { apiName } from './index';

export const usersRouter = Router();

usersRouter.get('/', (req, res) => {
  res.json({ api: apiName, users: ['ada', 'grace'] });
});
