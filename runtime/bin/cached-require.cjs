'use strict';
// Loads a large CommonJS bundle with V8's code cache, kept in a private folder under the system's temporary
// folder. The analyser's bundle carries TypeScript (10 MB): compiling it takes about 0.2 s a start, three quarters
// of a small project's whole `graph`; with the cache, a few tens of milliseconds. Node 22 has this built in
// (`module.enableCompileCache`, which the bin uses there); Node 20 does not. Any failure falls back to `require`.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

/** The folder the caches live in: ours alone. */
function cacheFolder() {
  return path.join(os.tmpdir(), `reloadable-compile-cache-${os.userInfo().uid}`);
}

/** The cache folder, made if need be; undefined when it is not private (someone else made it, or opened it). */
function privateCacheFolder() {
  const folder = cacheFolder();
  try {
    fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
    return isPrivateFolder(folder) ? folder : undefined;
  } catch {
    return undefined;
  }
}

/** @param {string} file absolute path of the bundle */
function cachedRequire(file) {
  let source;
  let cacheFile;
  try {
    const stat = fs.statSync(file);
    // The cache is only good for the same bundle, Node and architecture; V8 checks the rest and rejects a stale one.
    const key = `${path.basename(file)}-${stat.size}-${Math.trunc(stat.mtimeMs)}-${process.version}-${process.arch}`;
    cacheFile = path.join(cacheFolder(), `${key}.bin`);
    source = fs.readFileSync(file, 'utf8');
  } catch {
    return require(file);
  }
  let cachedData;
  try {
    // Code from a folder someone else could write to would run as ours: only a private folder of our own is read.
    if (isPrivateFolder(path.dirname(cacheFile))) cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const bundle = new Module(file, module);
  bundle.filename = file;
  bundle.paths = Module._nodeModulePaths(path.dirname(file));
  Module._cache[file] = bundle;
  script.runInThisContext().call(bundle.exports, bundle.exports, Module.createRequire(file), bundle, file, path.dirname(file));
  bundle.loaded = true;
  if (cachedData === undefined || script.cachedDataRejected) {
    // Written at exit: by then the functions this run compiled are in the cache too.
    process.once('exit', () => writeCache(cacheFile, () => script.createCachedData()));
  }
  return bundle.exports;
}

function writeCache(cacheFile, produce) {
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
    if (!isPrivateFolder(path.dirname(cacheFile))) return;
    // Another process may write the same file: each writes its own and renames it into place.
    const temporary = `${cacheFile}.${process.pid}`;
    fs.writeFileSync(temporary, produce(), { mode: 0o600 });
    fs.renameSync(temporary, cacheFile);
    // Caches of earlier builds of the same bundle are of no more use.
    const prefix = `${path.basename(cacheFile).split('-')[0]}-`;
    for (const name of fs.readdirSync(path.dirname(cacheFile))) {
      if (name.startsWith(prefix) && name !== path.basename(cacheFile)) fs.rmSync(path.join(path.dirname(cacheFile), name), { force: true });
    }
  } catch {
    // A read-only or full temporary folder costs speed, nothing else.
  }
}

/** Ours, and no one else can write to it (nor read it). Throws when it does not exist. */
function isPrivateFolder(folder) {
  const stat = fs.statSync(folder);
  return stat.uid === os.userInfo().uid && (stat.mode & 0o077) === 0;
}

module.exports = { cachedRequire, privateCacheFolder };
