import { buildApp } from './app';

const server = buildApp();

server.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' }, (error, address) => {
  if (error) {
    server.log.error(error);
    process.exit(1);
  }
  console.log(`server listening on ${address}`);
});
