import fp from 'fastify-plugin';
import { greeting } from '../services/greeter';

declare module 'fastify' {
  interface FastifyInstance {
    greet(name: string): string;
  }
}

/** Decorates the instance, shared with every route plugin (fastify-plugin breaks the encapsulation). */
export default fp(async (fastify) => {
  fastify.decorate('greet', (name: string) => greeting(name));
});
