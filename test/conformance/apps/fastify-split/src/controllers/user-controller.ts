import type { FastifyReply, FastifyRequest } from 'fastify';
import { listUsers } from '../services/users';

export async function getUsers(_request: FastifyRequest, _reply: FastifyReply) {
  return { users: listUsers(), source: 'user-controller-1' };
}

export async function getMe(request: FastifyRequest) {
  return { me: request.user, greeting: request.server.greet(request.user ?? 'nobody') };
}
