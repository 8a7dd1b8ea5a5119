// dynohot: the entry accepts the handler, and dynohot's bindings then point at the new version.
import { handle } from './handler.js';
import { serve } from './server.js';

serve((url) => handle(url));
import.meta.hot?.accept('./handler.js');
