// `process.env` as a module's top level leaves it. A module that loads `.env` (dotenv never overrides a variable
// already set) or fills in a default (`process.env.PORT ??= '3000'`) finds, when it runs again, the values its
// old version wrote, where a fresh start finds none: its new code would read the old file's values. So the
// variables a version's top level set are put back as they were before it ran, just before its new version runs;
// a reload that rolls back sets them again.

/** What a version's top level did to one variable: its value before, and the value it left. */
export interface EnvWrite {
  before: string | undefined;
  after: string | undefined;
}

let sequence = 0;
/** The last claim on each variable: by which evaluation (its sequence number) and the value it left. */
const claims = new Map<string, { at: number; after: string | undefined }>();

/** Code that may set variables: it names the environment (`process.env`, dotenv, `loadEnv`, …). */
const mentionsEnv = /env/i;

/**
 * Runs a version's synchronous top level and returns it, noting in `writes` the variables it set (not those a
 * module it loaded meanwhile set: that module's own evaluation claims them). Only code that names the
 * environment is watched: a copy of the environment before and after costs some 50 µs a module.
 */
export function watchEnvWrites<T>(code: string, writes: Map<string, EnvWrite>, run: () => T): T {
  if (!mentionsEnv.test(code)) return run();
  const before = { ...process.env };
  const startedAt = sequence;
  try {
    return run();
  } finally {
    const after = { ...process.env };
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const value = after[key];
      if (value === before[key]) continue;
      const claim = claims.get(key);
      if (claim && claim.at > startedAt && claim.after === value) continue;
      claims.set(key, { at: ++sequence, after: value });
      const earlier = writes.get(key);
      writes.set(key, { before: earlier ? earlier.before : before[key], after: value });
    }
  }
}

/**
 * Puts back the variables these versions' top levels set, where they still hold what was set; returns what
 * `reapply` needs to undo it.
 */
export function revertEnvWrites(writes: Iterable<Map<string, EnvWrite>>): Array<[string, string | undefined]> {
  const reverted: Array<[string, string | undefined]> = [];
  for (const each of writes) {
    for (const [key, write] of each) {
      if (process.env[key] !== write.after) continue;
      reverted.push([key, write.after]);
      setEnv(key, write.before);
    }
  }
  return reverted;
}

/** Sets the variables `revertEnvWrites` put back again (a rollback: the old versions serve as they were). */
export function reapplyEnvWrites(reverted: Array<[string, string | undefined]>): void {
  for (const [key, value] of reverted) setEnv(key, value);
}

function setEnv(key: string, value: string | undefined): void {
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}
