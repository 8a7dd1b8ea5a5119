// reloadable-node's typings. Listing the package in tsconfig `types` (`"types": ["node", "reloadable-node"]`) is
// what most apps need: it types `import.meta.hot`, the optional module API of apps run with `reloadable run`.
/// <reference path="./hot.d.ts" />
export {};
