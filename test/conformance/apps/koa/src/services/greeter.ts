export function greeting(): string {
  return 'service-1';
}
