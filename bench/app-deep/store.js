// The store: an in-memory table behind an async interface.
const table = new Map(Array.from({ length: 64 }, (_, i) => [`item:${i}`, i * 7]));

export async function read(key) {
  return table.get(key) ?? null;
}
