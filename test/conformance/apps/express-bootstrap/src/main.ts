import { createApp } from './app.js';
import { connect } from './db/connection.js';

async function bootstrap() {
  const db = await connect(process.env.DATABASE_URL ?? 'memory://items');
  const app = createApp(db);
  const port = Number(process.env.PORT ?? 3000);
  app.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
}

bootstrap();
