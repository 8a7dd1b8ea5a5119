// Where the runtime's own messages go; the CLI writes them to stderr, the tests keep them.

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
