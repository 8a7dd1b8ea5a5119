// `npm start`: the whole loop in one command. Checks the example app, runs it under the runtime with --watch
// (http://127.0.0.1:3000), and, where a VS Code is at hand, opens the example in it with this repository's
// extension loaded:
// - `code` on the PATH (a desktop VS Code, or its integrated terminal): a window with --extensionDevelopmentPath;
// - otherwise code-server from test/e2e/.tools (test/e2e/setup.sh installs it; `npm test` runs that): VS Code in
//   the browser on 127.0.0.1, password-protected, the extension loaded from this repository.
// RELOADABLE_EDITOR=code|code-server|none picks one; PORT and RELOADABLE_EDITOR_PORT move the ports.
// Ctrl+C stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const example = join(root, 'examples/layered-service');
const cli = join(root, 'runtime/bin/reloadable.cjs');
const tools = join(root, 'test/e2e/.tools');
const codeServer = join(tools, 'node_modules/.bin/code-server');
const say = (line) => process.stderr.write(`[start] ${line}\n`);

if (!existsSync(join(root, 'client/out/extension.js')) || !existsSync(join(root, 'runtime/out/cli.cjs'))) {
  say('nothing is built yet: run `npm install` (it builds) or `npm run build` first.');
  process.exit(2);
}

// The static check first, as CI would run it: its findings are information here, not a gate.
spawnSync(process.execPath, [cli, 'check', example], { stdio: 'inherit' });

const children = [];
const app = spawn(process.execPath, [cli, 'run', 'src/main.ts', '--watch'], { cwd: example, stdio: 'inherit' });
children.push(app);
app.on('exit', (code, signal) => {
  stopAll();
  process.exit(code ?? (signal ? 1 : 0));
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopAll(signal));

function stopAll(signal = 'SIGTERM') {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}

function hasCode() {
  return spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0;
}

function openInCode() {
  const code = spawn('code', ['--new-window', '--extensionDevelopmentPath', root, example], { stdio: 'ignore', detached: true });
  code.on('error', (error) => say(`could not start VS Code (${error.message}); the app keeps running.`));
  code.unref();
  say(`opened ${example} in VS Code with the extension of this repository; edit src/http/routes.ts, then Reloadable: Reload (Ctrl+Alt+R).`);
}

/** code-server's environment: its password, and not the app's PORT (code-server would listen on it). */
function editorEnv(password) {
  const env = { ...process.env, PASSWORD: password, NODE_OPTIONS: '' };
  delete env.PORT;
  return env;
}

function openInCodeServer() {
  const port = Number(process.env.RELOADABLE_EDITOR_PORT ?? 8080);
  const home = join(tools, 'start');
  const userData = join(home, 'user-data');
  if (!existsSync(join(userData, 'User/settings.json'))) {
    mkdirSync(join(userData, 'User'), { recursive: true });
    copyFileSync(join(root, 'test/e2e/settings.json'), join(userData, 'User/settings.json'));
  }
  const password = randomBytes(12).toString('base64url');
  const editor = spawn(
    codeServer,
    [
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'password',
      '--disable-telemetry',
      '--disable-update-check',
      '--user-data-dir',
      userData,
      '--extensions-dir',
      join(home, 'extensions'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: editorEnv(password) },
  );
  children.push(editor);
  let output = '';
  const onData = (chunk) => {
    output += chunk;
    if (!/HTTP server listening/.test(output)) return;
    editor.stdout.off('data', onData);
    editor.stderr.off('data', onData);
    const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${root}`]]);
    const url = `http://127.0.0.1:${port}/?${new URLSearchParams({ folder: example, payload })}`;
    say(`VS Code in the browser, with the extension of this repository (password ${password}):\n  ${url}`);
    say('through an SSH tunnel, forward the same port to 127.0.0.1 so the address stays the same.');
  };
  editor.stdout.on('data', onData);
  editor.stderr.on('data', onData);
  editor.on('exit', (code) => {
    if (!/HTTP server listening/.test(output)) say(`code-server did not start (exit ${code}); the app keeps running.\n${output.trim()}`);
  });
}

const choice = process.env.RELOADABLE_EDITOR ?? 'auto';
if (choice === 'code' || (choice === 'auto' && hasCode())) openInCode();
else if ((choice === 'code-server' || choice === 'auto') && existsSync(codeServer)) openInCodeServer();
else if (choice !== 'none') {
  say('no VS Code here: `npm run package` builds out/reloadable.vsix to install in yours, and `bash test/e2e/setup.sh` installs');
  say('code-server, a VS Code in the browser, for the next `npm start`.');
}
