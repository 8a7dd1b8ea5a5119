// The cluster bench's app: each response says which version of handler.js answered, which process, and when
// the request started there. A request takes $CPU ms of CPU (default 0) and waits $DELAY ms (default 5) before
// it is answered, as a handler that reads a database does. When the
// process is told to stop (SIGINT from pm2, 'shutdown' from a cluster primary) it drains as a careful app
// does: it stops accepting, answers what is running with `Connection: close`, and closes idle keep-alive
// connections, then exits.
import { createServer } from 'node:http';
import { handle } from './handler.js';

const delay = Number(process.env.DELAY ?? 5);
const cpu = Number(process.env.CPU ?? 0);
let draining = false;
const server = createServer((request, response) => {
  // When the request started here (one clock for the machine) and on which version: start-order inversions.
  const startedAt = performance.timeOrigin + performance.now();
  const version = handle();
  const answer = () => {
    if (draining) response.setHeader('connection', 'close');
    response.end(`${version} ${process.pid} ${startedAt}`);
  };
  // $CPU ms of work on the event loop, as a handler that renders or serialises does.
  for (const until = performance.now() + cpu; performance.now() < until;);
  if (delay > 0) setTimeout(answer, delay);
  else answer();
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), () => process.stdout.write(`listening ${process.env.PORT}\n`));

function drain() {
  if (draining) return;
  draining = true;
  server.close(() => process.exit(0));
  server.closeIdleConnections();
}
process.on('SIGINT', drain);
// A cluster primary that replaces this worker says so first (see surge.js): a disconnect alone waits for every
// keep-alive connection to end before it tells the worker anything.
process.on('message', (message) => message === 'shutdown' && drain());
