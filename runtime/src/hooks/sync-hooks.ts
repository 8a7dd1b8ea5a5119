// `module.registerHooks` (Node 22.15+): loader hooks that run synchronously in the thread that loads, where
// Node before ran them asynchronously in a thread of their own (`module.register`). Node 20's typings lack it.

/** Node 22.15+'s in-thread hooks, as far as the runtime uses them. */
export interface SyncHooks {
  resolve?(
    specifier: string,
    context: { parentURL?: string; conditions?: string[] },
    next: (specifier: string, context?: object) => { url: string; format?: string | null },
  ): { url: string; format?: string | null; shortCircuit?: boolean };
  load?(
    url: string,
    context: { format?: string | null },
    next: (url: string, context?: object) => { format?: string | null; source?: unknown },
  ): { format?: string | null; source?: unknown; shortCircuit?: boolean };
}

/** `module.registerHooks`, where this Node has it (22.15+). */
export function syncHooksOf(module: object): ((hooks: SyncHooks) => unknown) | undefined {
  const registerHooks = (module as { registerHooks?: (hooks: SyncHooks) => unknown }).registerHooks;
  return typeof registerHooks === 'function' ? registerHooks : undefined;
}
