export function poweredBy(req, res, next) {
  res.setHeader('x-powered-by', 'plain-esm');
  next();
}

export function compose(middlewares, last) {
  return (req, res) => {
    const run = (index) => (index === middlewares.length ? last(req, res) : middlewares[index](req, res, () => run(index + 1)));
    run(0);
  };
}
