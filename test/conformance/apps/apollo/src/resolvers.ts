import { greeting } from './greeter.js';

export const resolvers = {
  Query: {
    route: () => 'route-1',
    service: () => greeting(),
    entry: (_parent: unknown, _args: unknown, context: { entry: string }) => context.entry,
  },
};
