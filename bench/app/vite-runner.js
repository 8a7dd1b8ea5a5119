// Runs main-vite.js in Vite's module runner, with the dev server watching the folder for changes.
import { createServer, createServerModuleRunner } from 'vite';

const server = await createServer({
  root: import.meta.dirname,
  configFile: false,
  logLevel: 'silent',
  appType: 'custom',
  server: { middlewareMode: true },
});
const runner = createServerModuleRunner(server.environments.ssr);
await runner.import('/main-vite.js');
