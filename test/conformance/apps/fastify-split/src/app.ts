import AutoLoad, { type AutoloadPluginOptions } from '@fastify/autoload';
import Fastify, { type FastifyInstance } from 'fastify';
import { join } from 'node:path';

export type AppOptions = Partial<AutoloadPluginOptions>;

/** Builds the instance; server.ts listens. Plugins and routes register during Fastify's boot, after this returns. */
export function buildApp(options: AppOptions = {}): FastifyInstance {
  const app = Fastify({ logger: false });

  // Support plugins shared by the whole app (decorators, hooks).
  void app.register(AutoLoad, { dir: join(__dirname, 'plugins'), options });

  // Routes, one plugin per folder or file.
  void app.register(AutoLoad, { dir: join(__dirname, 'routes'), options });

  return app;
}
