// The face for clients of a running app (the editor, the CLI's `reload` and `status`): find an app through
// its discovery file and talk to its control endpoint. It loads none of the runtime itself, so a client's
// bundle holds only the socket, the framing and the protocol.
export { ControlClient } from './control/client';
export { runningApps, lastExited, discoveryFolder } from './control/discovery';
export type * from '../../src-shared/control-protocol';
