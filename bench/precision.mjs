// Precision of the hazard analyser on real projects' sources (bench/precision.json, copied at pinned commits into
// /work/cache/corpus, outside the repository). Each finding is matched with the written review of sampled findings
// (bench/precision-review.json: project, commit, file, line, code, verdict, reason); precision per code is the share
// of the reviewed findings still reported that the review agrees with. A reviewed true finding no longer reported is
// counted as lost, so a gain in precision cannot hide a loss of recall. Skips cleanly when the corpus is absent.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

export function benchPrecision({ corpusDir = '/work/cache/corpus' } = {}) {
  const manifest = JSON.parse(readFileSync(join(root, 'bench/precision.json'), 'utf8'));
  const review = JSON.parse(readFileSync(join(root, 'bench/precision-review.json'), 'utf8')).findings;
  const projects = [];
  const reported = new Set();
  const counts = new Map();
  for (const project of manifest.projects) {
    const folder = join(corpusDir, project.name);
    if (!existsSync(join(folder, 'node_modules'))) {
      projects.push({ name: project.name, available: false });
      continue;
    }
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/precision-findings.ts'), folder], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    if (run.status !== 0) throw new Error(`precision: the analyser failed on ${project.name}: ${run.stderr}`);
    const { files, findings } = JSON.parse(run.stdout);
    projects.push({ name: project.name, available: true, files, findings: findings.length });
    for (const finding of findings) {
      reported.add(`${project.name}:${finding.file}:${finding.line}:${finding.code}`);
      const row = counts.get(finding.code) ?? { reported: 0, reviewed: 0, agreed: 0, lost: 0 };
      row.reported++;
      counts.set(finding.code, row);
    }
  }
  const available = new Set(projects.filter((project) => project.available).map((project) => project.name));
  for (const verdict of review.filter((entry) => available.has(entry.project))) {
    const row = counts.get(verdict.code) ?? { reported: 0, reviewed: 0, agreed: 0, lost: 0 };
    counts.set(verdict.code, row);
    const still = reported.has(`${verdict.project}:${verdict.file}:${verdict.line}:${verdict.code}`);
    if (still) {
      row.reviewed++;
      if (verdict.verdict === 'true') row.agreed++;
    } else if (verdict.verdict === 'true') row.lost++;
  }
  return { projects, counts };
}

export function precisionSection({ projects, counts }) {
  const lines = ['## Precision on real projects', ''];
  if (!projects.some((project) => project.available)) return [...lines, 'Corpus not available (see bench/precision.json).', ''];
  lines.push('| project | modules | findings |', '|---|---|---|');
  for (const project of projects)
    lines.push(`| ${project.name} | ${project.available ? project.files : 'not available'} | ${project.findings ?? ''} |`);
  lines.push('', '| code | reported | reviewed | agreed | precision | reviewed true findings lost |', '|---|---|---|---|---|---|');
  let reviewed = 0;
  let agreed = 0;
  for (const [code, row] of [...counts].sort()) {
    reviewed += row.reviewed;
    agreed += row.agreed;
    const precision = row.reviewed ? (row.agreed / row.reviewed).toFixed(2) : 'n/a';
    lines.push(`| ${code} | ${row.reported} | ${row.reviewed} | ${row.agreed} | ${precision} | ${row.lost} |`);
  }
  lines.push(`| all | | ${reviewed} | ${agreed} | ${reviewed ? (agreed / reviewed).toFixed(2) : 'n/a'} | |`, '');
  return lines;
}

if (import.meta.filename === process.argv[1]) {
  console.log(precisionSection(benchPrecision()).join('\n'));
}
