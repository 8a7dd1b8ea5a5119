import type { FastifyPluginAsync } from 'fastify';
import { getMe, getUsers } from '../../controllers/user-controller';
import { checkSession } from '../../hooks/check-session';

/** Registered by autoload with the prefix /users, during the boot. */
const users: FastifyPluginAsync = async (fastify) => {
  fastify.get('/', { preHandler: [checkSession] }, getUsers);
  fastify.get('/me', { preHandler: [checkSession] }, getMe);
};

export default users;
