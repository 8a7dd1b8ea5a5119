const notes = [
  { id: 1, text: 'buy milk' },
  { id: 2, text: 'call home' },
];

export function all() {
  return { notes, count: notes.length };
}

export function one(id) {
  return notes.find((note) => note.id === id);
}
