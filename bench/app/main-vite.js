// Vite's module runner: the entry accepts the handler and keeps the newest module it is given.
import * as initial from './handler.js';
import { serve } from './server.js';

let handler = initial;
serve((url) => handler.handle(url));
import.meta.hot?.accept('./handler.js', (next) => {
  if (next) handler = next;
});
