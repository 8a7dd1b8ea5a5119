// The service: a rule over what the repository returns.
import { find } from './repository.js';

export async function itemFor(id) {
  const row = await find(id);
  return { ...row, label: `item ${row.id}` };
}
