// The fresh-start oracle over the whole conformance corpus (test/conformance/apps/*/oracle.json): for every app
// and variant, every generated step must end as expected (a good edit committed and answering as a fresh start
// on the same sources does; a fault rolled back with the old code serving), no request of the keep-alive load
// may fail, and the process must be alive at the end. Apps run one after another, or two at a time in the quick run.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../helpers/cli';
import { corpus } from './corpus';
import { Oracle } from './oracle';
import { formatStep, formatSummary } from './report';

// RELOADABLE_ORACLE=quick (what `npm test` runs): four modules an app, each app's first two variants, two apps
// at a time (most of an app's time is spent waiting on its processes); `npm run test:oracle` runs every module
// of every variant, one app at a time.
const quick = process.env.RELOADABLE_ORACLE === 'quick';
const apps = corpus(path.join(repoRoot, 'test/conformance/apps'), quick ? { variants: 'first-two' } : {});

describe('every reload equals a fresh start', { concurrency: quick ? 2 : 1 }, () => {
  for (const app of apps) {
    it(`${app.name}: 0 divergences, 0 failed requests, every step as expected, the process alive`, async () => {
      const report = await new Oracle({ name: app.name, appDir: app.appDir, modules: quick ? 4 : undefined }, app.spec).run();
      const bad = report.steps.filter((step) => !step.ok).map((step) => formatStep(app.name, step));
      const summary = formatSummary(report);
      assert.ok(report.started, summary);
      assert.equal(report.startError, undefined, summary);
      assert.deepEqual(bad, [], `${summary}\n${bad.join('\n')}`);
      assert.equal(report.failedRequests, 0, summary);
      assert.ok(report.requests > 0, `${app.name}: the load answered no request`);
      assert.ok(report.alive, summary);
    });
  }
});
