export const posts = [
  { id: 1, title: 'first post', body: 'the very first' },
  { id: 2, title: 'second post', body: 'another one' },
];
