import { Router } from 'express';
import { greeting } from '@/services/greeter';
import { usersRouter } from './users';

export const apiName = 'express4';

export const router = Router();

router.get('/', (req, res) => {
  res.json({ route: 'route-1', service: greeting() });
});

router.use('/users', usersRouter);
