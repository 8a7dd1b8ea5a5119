// A stdio message reader that recovers from broken framing. vscode-jsonrpc's reader keeps a bad header in its
// buffer and fails on it again with every byte that follows, so one garbled message would leave the server deaf
// for good. This one starts a fresh reader after an error: what was garbled is dropped, the next message is read.
import { AbstractMessageReader, StreamMessageReader, type DataCallback, type Disposable, type MessageReader } from 'vscode-jsonrpc/node';

export class ResilientReader extends AbstractMessageReader implements MessageReader {
  private inner: StreamMessageReader | undefined;
  private subscription: Disposable | undefined;
  private callback: DataCallback | undefined;

  constructor(private readonly stream: NodeJS.ReadableStream) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    this.start();
    return { dispose: () => this.stop() };
  }

  private start(): void {
    const inner = new StreamMessageReader(this.stream);
    inner.onError((error) => {
      this.fireError(error);
      // Not now: the failing reader is still inside its data handler.
      setImmediate(() => {
        if (this.inner !== inner) return;
        this.stop();
        this.start();
      });
    });
    inner.onClose(() => this.fireClose());
    inner.onPartialMessage((info) => this.firePartialMessage(info));
    this.inner = inner;
    this.subscription = inner.listen(this.callback!);
  }

  private stop(): void {
    this.subscription?.dispose();
    this.inner?.dispose();
    this.subscription = undefined;
    this.inner = undefined;
  }

  override dispose(): void {
    this.stop();
    super.dispose();
  }
}
