import { createHTTPServer } from '@trpc/server/adapters/standalone';
import { appRouter } from './router.js';

const server = createHTTPServer({ router: appRouter });

const port = Number(process.env.PORT ?? 3000);
server.listen(port, '127.0.0.1');
console.log(`tRPC listening on ${port}`);
