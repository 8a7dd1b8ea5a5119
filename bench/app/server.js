// The HTTP side, shared by every variant: `/heap` collects garbage and reports the heap, anything else is
// answered by the current handler. Listens on $PORT so a restarted process serves the same address.
import { createServer } from 'node:http';

export function serve(respond) {
  const server = createServer((request, response) => {
    if (request.url === '/heap') {
      heapAfterCollection().then((bytes) => response.end(String(bytes)));
      return;
    }
    Promise.resolve(respond(request.url)).then(
      (body) => response.end(body),
      (error) => {
        response.statusCode = 500;
        response.end(String(error));
      },
    );
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
  return server;
}

async function heapAfterCollection() {
  // Two passes with a turn between them: weak references and finalizers are cleared by the second.
  for (let pass = 0; pass < 3; pass++) {
    globalThis.gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}
