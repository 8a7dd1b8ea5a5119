import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/** A preHandler: only signed-in users get past it. */
export function checkSession(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (!request.user) {
    void reply.code(401).send({ error: 'sign in first' });
    return;
  }
  done();
}
