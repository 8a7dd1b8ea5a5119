// The repository: reads through the store, as a database client would.
import { read } from './store.js';

export async function find(id) {
  const value = await read(`item:${id}`);
  return { id, value };
}
