import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { runtimeCommand, runtimePackage, type RuntimeLookup } from '../../client/src/runtime-command';

const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'reloadable-runtime-command-')));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A package folder with a package.json and its bin file. */
function writePackage(folder: string, manifest: Record<string, unknown>, bin = 'bin/reloadable.cjs'): void {
  fs.mkdirSync(path.join(folder, path.dirname(bin)), { recursive: true });
  fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify(manifest));
  fs.writeFileSync(path.join(folder, bin), '');
}

const installed = (folder: string, version: string) =>
  writePackage(folder, { name: runtimePackage, version, bin: { reloadable: 'bin/reloadable.cjs' } });

/** A workspace project, an extension folder carrying a runtime (as the VSIX does), and the lookup of both. */
function setUp(name: string, overrides: Partial<RuntimeLookup> = {}): RuntimeLookup & { root: string } {
  const root = path.join(scratch, name);
  const project = path.join(root, 'workspace/app');
  const extensionPath = path.join(root, 'extension');
  fs.mkdirSync(project, { recursive: true });
  installed(path.join(extensionPath, 'out/runtime/node_modules', runtimePackage), '9.9.9');
  return { root, project, extensionPath, setting: '', nodeOnPath: '/usr/bin/node', editorExecutable: '/opt/editor/code', ...overrides };
}

describe('the runtime Run App and Debug App start', () => {
  it("is the workspace's own install first, found in a node_modules above the project as Node finds it", () => {
    const lookup = setUp('workspace-first');
    const folder = path.join(lookup.root, 'workspace/node_modules', runtimePackage);
    installed(folder, '1.2.3');
    const command = runtimeCommand(lookup)!;
    assert.equal(command.source, 'workspace');
    assert.deepEqual([command.executable, ...command.args], ['/usr/bin/node', path.join(folder, 'bin/reloadable.cjs')]);
    assert.deepEqual(command.env, {});
    assert.match(command.description, /^the workspace's reloadable-node 1\.2\.3 \(.*\), on node from the PATH \(\/usr\/bin\/node\)$/);
  });

  it("is the extension's own where the workspace has none, and never npx", () => {
    const lookup = setUp('extension-second');
    // Another package that happens to be called reloadable is not the runtime.
    writePackage(path.join(lookup.project, 'node_modules/reloadable'), {
      name: 'reloadable',
      version: '0.0.3',
      bin: { reloadable: 'bin/reloadable.cjs' },
    });
    const command = runtimeCommand(lookup)!;
    assert.equal(command.source, 'extension');
    assert.equal(command.args[0], path.join(lookup.extensionPath, 'out/runtime/node_modules', runtimePackage, 'bin/reloadable.cjs'));
    assert.ok(![command.executable, ...command.args].some((word) => /npx/.test(word)));
    assert.match(
      command.description,
      /^the reloadable-node 9\.9\.9 this extension ships \(none is installed in the workspace\), on node from the PATH/,
    );
  });

  it('skips a folder of that name that is not the package, or whose bin is missing', () => {
    const lookup = setUp('not-the-package');
    writePackage(path.join(lookup.project, 'node_modules', runtimePackage), { name: 'something-else', bin: { reloadable: 'bin/reloadable.cjs' } });
    fs.mkdirSync(path.join(lookup.root, 'workspace/node_modules', runtimePackage), { recursive: true });
    fs.writeFileSync(
      path.join(lookup.root, 'workspace/node_modules', runtimePackage, 'package.json'),
      JSON.stringify({ name: runtimePackage, bin: { reloadable: 'bin/gone.cjs' } }),
    );
    assert.equal(runtimeCommand(lookup)!.source, 'extension');
  });

  it("runs on the editor's own Node, as Node, where no node is on the PATH", () => {
    const command = runtimeCommand(setUp('no-node', { nodeOnPath: undefined }))!;
    assert.equal(command.executable, '/opt/editor/code');
    assert.deepEqual(command.env, { ELECTRON_RUN_AS_NODE: '1' });
    assert.match(command.description, /on the editor's own Node \(no node on the PATH\)$/);
  });

  it('is the command line of reloadable.runtime.command when the user set one', () => {
    const command = runtimeCommand(setUp('setting', { setting: ' node /opt/reloadable/bin/reloadable.cjs ' }))!;
    assert.deepEqual([command.executable, ...command.args], ['node', '/opt/reloadable/bin/reloadable.cjs']);
    assert.equal(command.source, 'setting');
  });

  it('is none when neither the workspace nor the extension has one', () => {
    const lookup = setUp('none');
    fs.rmSync(path.join(lookup.extensionPath, 'out'), { recursive: true });
    assert.equal(runtimeCommand(lookup), undefined);
  });

  it("finds a development checkout's package (runtime/) as the extension's own", () => {
    const lookup = setUp('checkout');
    fs.rmSync(path.join(lookup.extensionPath, 'out'), { recursive: true });
    installed(path.join(lookup.extensionPath, 'runtime'), '0.1.0');
    assert.equal(runtimeCommand(lookup)!.args[0], path.join(lookup.extensionPath, 'runtime/bin/reloadable.cjs'));
  });
});
