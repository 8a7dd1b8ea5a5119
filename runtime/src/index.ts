// The runtime's public face: what starts an app under the runtime. Everything outside `runtime/` (the CLI,
// the bench, embedders) imports this file, `./client` or `./transform`, never a file behind them; the package's
// `exports` name the same three (the boundaries test holds both to it).
export { Runtime, type Logger, type RuntimeOptions } from './runtime';
export { isClusterWorker } from './cluster/participant';
export { runApp, runCluster, runClusterWorker, projectOf, type RunOptions, type RunningApp, type ClusterRunOptions } from './run';
export { ReloadStepError } from './errors';
export * from './client';
