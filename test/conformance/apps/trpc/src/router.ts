import { router } from './trpc.js';
import { greetingRouter } from './routers/greeting.js';
import { postsRouter } from './routers/posts.js';

export const appRouter = router({
  greeting: greetingRouter,
  posts: postsRouter,
});

export type AppRouter = typeof appRouter;
