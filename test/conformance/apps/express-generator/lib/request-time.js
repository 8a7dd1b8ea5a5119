module.exports = function requestTime(req, res, next) {
  req.requestTime = Date.now();
  res.setHeader('x-handled-by', 'request-time');
  next();
};
