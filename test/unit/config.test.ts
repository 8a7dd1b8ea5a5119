import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { ConfigError, defaultIgnore, parseConfig, readConfig } from '../../src-shared/config';
import { globMatcher } from '../../src-shared/layers';

const schema = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../src-shared/config.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, 'reloadable.config.json');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error;
  }
  assert.fail('the config was accepted');
}

const valid = [
  '{}',
  '{ "root": "src", "entry": "src/main.ts" }',
  '{ "layers": [ { "name": "core", "include": ["src/core/**"] }, { "name": "http", "include": ["src/http/**", "src/web/**"] } ] }',
  '{ "rules": { "floating-promise": "warning", "global-mutation": "off", "import-cycle": "info" }, "ignore": ["**/*.test.ts"] }',
  '{ "rules": { "floating-promise": ["warning", { "checkThenables": true }] } }',
  '{ "rules": { "floating-promise": ["off", {}] } }',
  '{ "rules": { "floating-promise": ["warning", { "mode": "typescript-eslint", "checkThenables": true }] } }',
];
// The fourth field is false where JSON Schema cannot say it (unique layer names): only the loader rejects it.
const invalid: Array<[string, string, RegExp, boolean?]> = [
  ['{ "layers": [ { "name": "core", "include": "src/**" } ] }', 'layers[0].include', /wrap it in \[ \]/],
  ['{ "layers": { "core": ["src/**"] } }', 'layers', /must be an array of layers, bottom layer first/],
  ['{ "layers": [ { "include": ["src/**"] } ] }', 'layers[0].name', /non-empty string naming the layer/],
  ['{ "layers": [ { "name": "a", "include": ["x"] }, { "name": "a", "include": ["y"] } ] }', 'layers[1].name', /a second time/, false],
  ['{ "layers": [ { "name": "core" } ] }', 'layers[0].include', /needs "include"/],
  ['{ "layer": [] }', 'layer', /did you mean "layers"\?/],
  ['{ "rules": { "floating-promises": "error" } }', 'rules.floating-promises', /did you mean "floating-promise"\?/],
  ['{ "rules": { "floating-promise": "fatal" } }', 'rules.floating-promise', /must be one of "error", "warning", "info", "off"/],
  ['{ "root": "../elsewhere" }', 'root', /must stay inside the project folder/],
  ['{ "ignore": "dist/**" }', 'ignore', /wrap it in \[ \]/],
  ['{ "root": 3 }', 'root', /non-empty relative path, got the number 3/],
  [
    '{ "rules": { "floating-promise": ["warning", { "checkThenable": true }] } }',
    'rules.floating-promise.checkThenable',
    /did you mean "checkThenables"\?/,
  ],
  ['{ "rules": { "floating-promise": ["warning", { "checkThenables": "yes" }] } }', 'rules.floating-promise.checkThenables', /must be true or false/],
  ['{ "rules": { "floating-promise": ["warning", { "mode": "strict" }] } }', 'rules.floating-promise.mode', /must be one of .*typescript-eslint/],
  ['{ "rules": { "floating-promise": ["warning"] } }', 'rules.floating-promise', /a severity and an object of options/],
  ['{ "rules": { "floating-promise": ["loud", {}] } }', 'rules.floating-promise', /must be one of/],
  ['{ "rules": { "unowned-timer": ["warning", {}] } }', 'rules.unowned-timer', /takes no options/],
];

describe('config', () => {
  it('fills in defaults', () => {
    assert.deepEqual(parseConfig('{}', 'c.json'), { root: '.', layers: [], rules: {}, ruleOptions: {}, ignore: [...defaultIgnore] });
    assert.equal(parseConfig('{ "root": "./src/" }', 'c.json').root, 'src');
  });

  it('reads rule options given with a severity', () => {
    const config = parseConfig('{ "rules": { "floating-promise": ["error", { "checkThenables": true }] } }', 'c.json');
    assert.deepEqual([config.rules, config.ruleOptions], [{ 'floating-promise': 'error' }, { 'floating-promise': { checkThenables: true } }]);
  });

  it('leaves test files out by default, and a listed `ignore` replaces the default', () => {
    const ignored = globMatcher(parseConfig('{}', 'c.json').ignore);
    const tests = [
      'src/user.test.ts',
      'src/user.spec.mts',
      'src/client/failover.e2e.ts',
      'test/app.e2e-spec.ts',
      'src/__tests__/user.ts',
      'src/__mocks__/db.ts',
      'test/helpers.ts',
      'tests/a/b.js',
    ];
    assert.deepEqual(
      tests.filter((id) => !ignored(id)),
      [],
    );
    const app = ['src/user.ts', 'src/e2e.ts', 'src/testing/fixtures.ts', 'src/contest.ts', 'src/test/seed.ts', 'latest.ts'];
    assert.deepEqual(app.filter(ignored), []);
    assert.equal(globMatcher(parseConfig('{ "ignore": ["dist/**"] }', 'c.json').ignore)('src/user.test.ts'), false);
  });

  for (const text of valid) {
    it(`accepts ${text}, as the JSON Schema does`, () => {
      parseConfig(text, 'c.json');
      assert.ok(validate(JSON.parse(text)), JSON.stringify(validate.errors));
    });
  }

  for (const [text, key, fix, schemaToo = true] of invalid) {
    it(`rejects ${text} naming \`${key}\` and the fix${schemaToo ? ', as the JSON Schema does' : ''}`, () => {
      const error = errorOf(text);
      assert.equal(error.key, key);
      assert.match(error.message, fix);
      assert.match(error.message, new RegExp(`^reloadable\\.config\\.json:1:\\d+: \`${key.replace(/[[\].]/g, '\\$&')}\``));
      if (schemaToo) assert.equal(validate(JSON.parse(text)), false);
    });
  }

  it('points at the line and column of a JSON syntax error', () => {
    const error = errorOf('{\n  "root": "src",\n  "layers": [\n}');
    assert.equal(error.line, 4);
    assert.match(error.message, /is not valid JSON/);
  });

  it('reads the "reloadable" key of package.json and names it in errors', () => {
    assert.equal(parseConfig('{ "name": "x", "reloadable": { "root": "src" } }', 'package.json', ['reloadable']).root, 'src');
    try {
      parseConfig('{ "reloadable": { "rules": [] } }', 'package.json', ['reloadable']);
      assert.fail('accepted');
    } catch (error) {
      assert.match((error as Error).message, /^package\.json:1:\d+: `reloadable\.rules` must be an object/);
    }
  });

  describe('the config of a project folder', () => {
    /** readConfig on a folder holding these files (path → text). */
    const configOf = (files: Record<string, string>) => readConfig('/app', (file) => files[file.slice('/app/'.length)]);

    it('takes package.json\'s top-level "reloadable" key, the last one where it repeats (as JSON.parse does)', () => {
      const { config, configFile } = configOf({
        'package.json': JSON.stringify({ name: 'app', reloadable: { entry: 'src/old.ts' } }).replace(
          /}$/,
          ', "reloadable": { "entry": "src/main.ts" } }',
        ),
      });
      assert.equal(config.entry, 'src/main.ts');
      assert.equal(configFile, '/app/package.json');
    });

    it('is not made of a dependency, a script or a nested field named "reloadable"', () => {
      const manifest = {
        name: 'app',
        scripts: { reloadable: 'reloadable run src/main.ts' },
        dependencies: { reloadable: '^0.0.3' },
        devDependencies: { 'reloadable-node': '^0.1.0' },
        config: { reloadable: 'yes' },
      };
      const { config, configFile } = configOf({ 'package.json': JSON.stringify(manifest, null, 2) });
      assert.equal(configFile, undefined);
      assert.deepEqual(config, parseConfig('{}', 'defaults.json'));
    });

    it('prefers reloadable.config.json to package.json', () => {
      const { config, configFile } = configOf({
        'reloadable.config.json': '{ "entry": "src/a.ts" }',
        'package.json': '{ "reloadable": { "entry": "src/b.ts" } }',
      });
      assert.equal(config.entry, 'src/a.ts');
      assert.equal(configFile, '/app/reloadable.config.json');
    });

    it('names the line, the key and the fix when the top-level key is not a config', () => {
      assert.throws(
        () => configOf({ 'package.json': '{\n  "name": "app",\n  "reloadable": "src/main.ts"\n}' }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.line === 3 &&
          /^\/app\/package\.json:3:17: `reloadable` must be an object, got the string "src\/main\.ts": write \{/.test(error.message),
      );
    });

    it('reads no config from a package.json that is not JSON, unless its top-level key can be made out: then says where it breaks', () => {
      assert.equal(configOf({ 'package.json': '{ "name": "app", "dependencies": { "reloadable": "1" ' }).configFile, undefined);
      assert.throws(
        () => configOf({ 'package.json': '{\n  "reloadable": { "entry": "src/main.ts" },\n  "name": "app",,\n}' }),
        (error: unknown) => error instanceof ConfigError && error.line === 3 && /is not valid JSON/.test(error.message),
      );
    });
  });
});
