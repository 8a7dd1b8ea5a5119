export const defaultRoom = 'lobby';

export function rooms(): string[] {
  return [defaultRoom, 'random'];
}
