const users = [
  { id: 1, name: 'alice' },
  { id: 2, name: 'bob' },
];

export function listUsers() {
  return users.map((user) => ({ ...user, role: 'member' }));
}
