var users = [
  { id: 1, name: 'tobi' },
  { id: 2, name: 'loki' },
];

exports.list = function () {
  return users.map(function (user) {
    return { id: user.id, name: user.name, kind: 'user' };
  });
};

exports.find = function (id) {
  return users.find(function (user) {
    return user.id === id;
  });
};
