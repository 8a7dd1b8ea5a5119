import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    someSupport(): string;
  }
}

export default fp(async (fastify) => {
  fastify.decorate('someSupport', () => 'hugs');
});
