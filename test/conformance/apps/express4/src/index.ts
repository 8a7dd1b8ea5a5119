import express from 'express';
import { router } from '@/routes';

const app = express();
const port = Number(process.env.PORT ?? 3000);

app.use((req, res, next) => {
  res.set('x-entry', 'entry-1');
  next();
});
app.use(express.json());
app.use('/', router);

app.listen(port, '127.0.0.1', () => {
  console.log(`Example app listening on port ${port}`);
});
