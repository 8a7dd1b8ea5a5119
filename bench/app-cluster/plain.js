// Plain node:cluster, no reloading: the throughput the others are compared with.
import cluster from 'node:cluster';

if (cluster.isPrimary) for (let i = 0; i < Number(process.env.WORKERS ?? 2); i++) cluster.fork();
else await import('./server.js');
