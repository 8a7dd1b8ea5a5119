import { z } from 'zod';
import { publicProcedure, router } from '../trpc.js';

export const greetingRouter = router({
  hello: publicProcedure.input(z.object({ name: z.string() })).query(({ input }) => ({ text: `hello ${input.name}`, from: 'greeting-1' })),
});
