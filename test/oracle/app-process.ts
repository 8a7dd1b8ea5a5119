// One app under `reloadable run`, in a process group of its own: started, waited for (its port open, or its
// exit, or the start timeout), asked over its control endpoint, and stopped as a whole.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import * as path from 'node:path';
import { ControlClient } from '../../runtime/src/control/client';
import { runningApps } from '../../runtime/src/control/discovery';
import { repoRoot } from '../helpers/cli';

// Every app this process started, so that none outlives it (they run in groups of their own, detached).
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
});

export class AppProcess {
  output = '';
  private control: ControlClient | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly child: ChildProcess,
  ) {}

  static spawn(dir: string, entry: string, port: number, options: { env?: Record<string, string>; args?: string[] } = {}): AppProcess {
    const child = spawn(process.execPath, [path.join(repoRoot, 'runtime/bin/reloadable.cjs'), 'run', entry, ...(options.args ?? [])], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', NODE_ENV: 'development', ...options.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const app = new AppProcess(dir, port, child);
    live.add(child);
    child.once('exit', () => live.delete(child));
    child.stdout!.on('data', (chunk) => (app.output += chunk));
    child.stderr!.on('data', (chunk) => (app.output += chunk));
    return app;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Resolves true once the runtime says the app runs (its top level finished) and the port accepts connections,
   * false when the process exits or the time is up first: a port can open before a later line of the entry throws.
   */
  async started(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    const exited = new Promise<false>((resolve) => (this.alive ? this.child.once('exit', () => resolve(false)) : resolve(false)));
    while (performance.now() < deadline) {
      const open = /running \(pid/.test(this.output) && (await Promise.race([portOpen(this.port), exited]));
      if (open) return true;
      if (!this.alive) return false;
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 25)), exited]);
    }
    return false;
  }

  async client(): Promise<ControlClient> {
    if (this.control) return this.control;
    const discovery = runningApps(this.dir).find((app) => app.pid === this.child.pid) ?? runningApps(this.dir)[0];
    if (!discovery) throw new Error(`no discovery file in ${this.dir}:\n${this.output.slice(-2000)}`);
    this.control = await ControlClient.connect(discovery, 'oracle');
    return this.control;
  }

  async stop(): Promise<void> {
    this.control?.close();
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
    await exited;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}
