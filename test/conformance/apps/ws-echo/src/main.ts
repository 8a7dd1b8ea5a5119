import { server } from './server.js';

const port = Number(process.env.PORT ?? 8080);
server.listen(port, '127.0.0.1', () => console.log(`ws server listening on ${port}`));
