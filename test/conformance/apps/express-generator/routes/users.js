var express = require('express');
var router = express.Router();
var users = require('../lib/users');

/* GET users listing. */
router.get('/', function (req, res, next) {
  res.json(users.list());
});

router.get('/:id', function (req, res, next) {
  var user = users.find(Number(req.params.id));
  if (!user) return res.status(404).json({ error: 'no such user' });
  res.json(user);
});

module.exports = router;
