import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    user: string | null;
  }
}

/** Reads the session from a header on every request, and stamps every answer. */
export default fp(async (fastify) => {
  fastify.decorateRequest('user', null);
  fastify.addHook('onRequest', async (request) => {
    const session = request.headers['x-session'];
    request.user = typeof session === 'string' ? session : null;
  });
  fastify.addHook('onSend', async (_request, reply) => {
    reply.header('x-powered-by', 'session-plugin-1');
  });
});
