export function format(message: Record<string, unknown>): string {
  return JSON.stringify({ ...message, v: 1 });
}
