export const version = 0;
export function handle() {
  return String(version);
}
