// A hand-written node:cluster primary that upgrades by replacing its workers, the way apps do without a hot
// reloader: on SIGHUP it forks a whole new set, waits until each listens, then disconnects the old set at once
// (the primary's round-robin stops handing them connections at that instant; told to shut down first, they
// drain and exit).
import cluster from 'node:cluster';

const count = Number(process.env.WORKERS ?? 2);
const forkAll = () =>
  Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolve) =>
          cluster.fork().once('listening', function () {
            resolve(this);
          }),
        ),
    ),
  );

if (cluster.isPrimary) {
  let current = await forkAll();
  process.stdout.write('listening all\n');
  process.on('SIGHUP', async () => {
    const old = current;
    current = await forkAll();
    for (const worker of old) {
      worker.send('shutdown');
      worker.disconnect();
    }
    process.stdout.write('replaced\n');
  });
} else {
  await import('./server.js');
}
