import type { FastifyPluginAsync } from 'fastify';

const root: FastifyPluginAsync = async (fastify) => {
  fastify.get('/', async () => ({ root: true, greeting: fastify.greet('world') }));
};

export default root;
