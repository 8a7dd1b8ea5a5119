import AutoLoad from '@fastify/autoload';
import Fastify from 'fastify';
import { join } from 'node:path';

const fastify = Fastify({ logger: false });

fastify.addHook('onSend', async (request, reply) => {
  reply.header('x-entry', 'entry-1');
});

fastify.register(AutoLoad, { dir: join(import.meta.dirname, 'plugins') });
fastify.register(AutoLoad, { dir: join(import.meta.dirname, 'routes') });

await fastify.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
console.log(`Server listening on ${fastify.server.address() && JSON.stringify(fastify.server.address())}`);
