/** Audit events go through a mailbox: events posted during a reload wait and reach the new version in order. */
const log: string[] = [];

export const audit = import.meta.hot?.mailbox((event: string) => {
  log.push(`${new Date().toISOString()} ${event}`);
}) ?? { post: (event: string) => void log.push(event) };

export function recent(): string[] {
  return log.slice(-20);
}
