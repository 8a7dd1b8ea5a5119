// Real open-source apps nobody here wrote (bench/real-apps.json, pinned commits, checked out and installed in
// /work/cache/apps by hand: the bench never fetches). Per app: does it start under `reloadable run`, under tsx and
// under its own start script; then the fresh-start oracle (test/oracle) on it: divergences from a fresh start,
// steps not as expected, failed requests of the keep-alive load, the reload durations, and the widened reloads
// (a result field the runtime adds when it re-runs more than the minimal plan).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopApp } from './tooling.mjs';

const root = join(import.meta.dirname, '..');
const manifestFile = join(root, 'bench/real-apps.json');
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Starts a command in the app's folder with PORT set; yes once the port answers, no when it exits or after 30 s. */
async function starts(command, args, cwd, env) {
  const port = await freePort();
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env, PORT: String(port), NO_COLOR: '1' }, stdio: 'ignore', detached: true });
  const began = performance.now();
  let exited = false;
  child.once('exit', () => (exited = true));
  let open = false;
  while (!exited && !open && performance.now() - began < 30_000) {
    open = await portOpen(port);
    if (!open) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (performance.now() - began) / 1000;
  await stopApp(child);
  return open ? `yes (${seconds.toFixed(1)} s)` : exited ? 'no (exited)' : 'no (30 s)';
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : undefined;
};

export async function benchRealApps({ appsDir = '/work/cache/apps', only } = {}) {
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const rows = [];
  for (const app of manifest.apps.filter((candidate) => !only || candidate.name === only)) {
    const dir = join(appsDir, app.name);
    const row = { app, available: existsSync(join(dir, 'node_modules')) && !app.blocked };
    rows.push(row);
    if (!row.available) continue;
    const env = { ...app.env, ...app.oracle.env };
    // The app's arguments, as the oracle passes them (`--` ends the runtime's own options; tsx needs none).
    const runArgs = app.oracle.runArgs ?? [];
    const appArgs = runArgs[0] === '--' ? runArgs.slice(1) : runArgs;
    row.run = await starts(process.execPath, [join(root, 'runtime/bin/reloadable.cjs'), 'run', app.oracle.entry, ...runArgs], dir, env);
    row.tsx = await starts(process.execPath, [tsx, app.oracle.entry, ...appArgs], dir, env);
    row.own = app.start ? await starts('npm', ['run', app.start], dir, env) : 'n/a';
    const out = join(mkdtempSync(join(tmpdir(), 'reloadable-oracle-')), 'report.json');
    try {
      execFileSync(
        process.execPath,
        ['--import', 'tsx', join(root, 'test/oracle/cli.ts'), '--manifest', manifestFile, '--apps', appsDir, '--only', app.name, '--json', out],
        {
          cwd: root,
          stdio: ['ignore', 'inherit', 'inherit'],
          timeout: 20 * 60_000,
        },
      );
      row.report = JSON.parse(readFileSync(out, 'utf8'))[0];
    } catch (error) {
      row.error = error.message.split('\n')[0];
    } finally {
      rmSync(join(out, '..'), { recursive: true, force: true });
    }
  }
  return rows;
}

export function realAppsSection(rows) {
  const lines = [
    '## Real apps: every reload against a fresh start',
    '',
    'Open-source apps nobody here wrote (bench/real-apps.json: repository, pinned commit, entry, probes), each checked out and',
    'installed in /work/cache/apps. Started: under `reloadable run`, under tsx, under its own start script (the port answering within',
    "30 s). Then the fresh-start oracle (docs/oracle.md) under 2 keep-alive clients: edits generated from the app's code, each",
    'reloaded and compared with a fresh process on the same sources. Reload: median and max `durationMs` of the reloads that committed.',
    'Widened: the reloads whose result says the plan was widened (the runtime re-ran more than the minimal plan), and their median cost.',
    '',
    '| app | kind | reloadable run | tsx | own start | steps | not as expected | divergent | failed requests | alive | reload p50 / max (ms) | widened (median ms) |',
    '|---|---|---|---|---|---:|---:|---:|---:|---|---|---|',
  ];
  for (const row of rows) {
    const { app } = row;
    if (!row.available) {
      lines.push(
        `| ${app.name} | ${app.kind} | not available: ${app.blocked ?? `not in the cache (${app.repo}@${app.commit.slice(0, 7)})`} | | | | | | | | | |`,
      );
      continue;
    }
    const report = row.report;
    if (!report) {
      lines.push(`| ${app.name} | ${app.kind} | ${row.run} | ${row.tsx} | ${row.own} | oracle failed: ${row.error} | | | | | | |`);
      continue;
    }
    const committed = report.steps.filter((step) => step.outcome === 'committed' && step.durationMs !== undefined).map((step) => step.durationMs);
    const widened = report.steps.filter((step) => step.widened);
    const reload = committed.length ? `${Math.round(median(committed))} / ${Math.round(Math.max(...committed))}` : '–';
    const widenedCell = widened.length ? `${widened.length} (${Math.round(median(widened.map((step) => step.durationMs ?? 0)))})` : '0';
    const steps = report.started
      ? report.steps.length
      : `did not start: ${
          (report.startError ?? '')
            .split('\n')
            .find((line) => /cannot start|threw|Error/.test(line))
            ?.replace(/\|/g, '/')
            .slice(0, 200) ?? ''
        }`;
    lines.push(
      `| ${app.name} | ${app.kind} | ${row.run} | ${row.tsx} | ${row.own} | ${steps} | ${report.unexpected} | ${report.divergences} | ${report.failedRequests} of ${report.requests + report.failedRequests} | ${report.alive ? 'yes' : 'no'} | ${reload} | ${widenedCell} |`,
    );
  }
  lines.push('');
  for (const row of rows.filter((candidate) => candidate.report?.steps.some((step) => !step.ok))) {
    lines.push(`${row.app.name}, the steps not as expected:`, '');
    for (const step of row.report.steps.filter((candidate) => !candidate.ok).slice(0, 12))
      lines.push(
        `- #${step.step} ${step.kind} \`${step.module}\` (${step.what.replace(/\|/g, '/').slice(0, 80)}): ${step.outcome}; ${step.problem?.slice(0, 200)}`,
      );
    lines.push('');
  }
  return lines;
}
