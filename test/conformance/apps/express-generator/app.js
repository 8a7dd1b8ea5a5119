var express = require('express');

var indexRouter = require('./routes/index');
var usersRouter = require('./routes/users');
var requestTime = require('./lib/request-time');

var app = express();

app.use(express.json());
app.use(requestTime);

app.use('/', indexRouter);
app.use('/users', usersRouter);

// catch 404 and answer with it
app.use(function (req, res, next) {
  res.status(404).json({ error: 'Not Found' });
});

module.exports = app;
