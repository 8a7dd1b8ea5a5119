// hot-hook: the handler is a boundary (package.json), imported dynamically on each request so that the
// newest version is the one that answers.
import { serve } from './server.js';

serve(async (url) => {
  const { handle } = await import('./handler.js', import.meta.hot?.boundary);
  return handle(url);
});
