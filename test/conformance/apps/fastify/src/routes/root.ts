import type { FastifyPluginAsync } from 'fastify';
import { greeting } from '../services/greeter.js';

const root: FastifyPluginAsync = async (fastify) => {
  fastify.get('/', async () => {
    return { route: 'route-1', service: greeting(), support: fastify.someSupport() };
  });
};

export default root;
