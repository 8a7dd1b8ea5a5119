export function route(method, pattern, handle) {
  const names = [];
  const regex = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, name) => (names.push(name), '([^/]+)'))}$`);
  return {
    handle,
    match(requestMethod, url) {
      if (requestMethod !== method) return undefined;
      const found = regex.exec(url.split('?')[0]);
      return found ? Object.fromEntries(names.map((name, index) => [name, found[index + 1]])) : undefined;
    },
  };
}
