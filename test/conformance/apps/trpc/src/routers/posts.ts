import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { publicProcedure, router } from '../trpc.js';
import { posts } from '../db.js';

export const postsRouter = router({
  list: publicProcedure.query(() => posts.map((post) => ({ id: post.id, title: post.title }))),
  byId: publicProcedure.input(z.number()).query(({ input }) => {
    const post = posts.find((candidate) => candidate.id === input);
    if (!post) throw new TRPCError({ code: 'NOT_FOUND', message: `no post ${input}` });
    return post;
  }),
});
