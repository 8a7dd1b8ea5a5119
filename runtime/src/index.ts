// @reloadable/runtime: run a Node app whose modules reload in place. See the README's "The runtime".
export { Runtime, type Logger, type RuntimeOptions } from './runtime';
export { runApp, projectOf, type RunOptions, type RunningApp } from './run';
export { ControlClient } from './control/client';
export { runningApps, discoveryFolder } from './control/discovery';
export type * from '../../src-shared/control-protocol';
