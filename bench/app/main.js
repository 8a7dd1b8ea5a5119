// Plain node, node --watch and reloadable: a static import. Under reloadable the import is live, so the
// server reaches each new handler without glue.
import { handle } from './handler.js';
import { serve } from './server.js';

serve((url) => handle(url));
