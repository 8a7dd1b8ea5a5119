import { defaultSeverity, documentationBase, hazardCodes, hazardDocUrl, internalErrorCode, type HazardCode } from '../../../src-shared/hazard-codes';
import { hazardTitles } from '../../../src-shared/hazard-titles';
import type { CheckResult } from '../../../server/src/analysis/analyzer';
import { relativePath } from '../reports';

const levels = { error: 'error', warning: 'warning', info: 'note' } as const;

/** SARIF 2.1.0, as code-scanning uploads accept it: one run, rules with help links, repo-relative URIs. */
export function formatSarif(result: CheckResult, folder: string, version: string): string {
  const ruleIds: Array<HazardCode | typeof internalErrorCode> = [...hazardCodes, internalErrorCode];
  const rules = ruleIds.map((id) => ({
    id,
    name: id.replace(/(^|-)(\w)/g, (_, __, letter: string) => letter.toUpperCase()),
    shortDescription: { text: id === internalErrorCode ? 'The analyser crashed on a file.' : hazardTitles[id] },
    helpUri: hazardDocUrl(id),
    defaultConfiguration: { level: levels[id === internalErrorCode ? 'error' : defaultSeverity[id]] },
  }));
  const results = result.diagnostics.map((diagnostic) => ({
    ruleId: diagnostic.code,
    ruleIndex: ruleIds.indexOf(diagnostic.code),
    level: levels[diagnostic.severity],
    message: { text: diagnostic.message },
    locations: [location(folder, diagnostic.file, diagnostic)],
    ...(diagnostic.related.length > 0
      ? {
          relatedLocations: diagnostic.related.map((related, index) => ({
            id: index + 1,
            ...location(folder, related.file, { line: related.line, column: related.column }),
            message: { text: related.message || 'related' },
          })),
        }
      : {}),
  }));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'reloadable', semanticVersion: version, informationUri: documentationBase, rules } },
        originalUriBaseIds: { '%SRCROOT%': { uri: `file://${folder.replace(/\\/g, '/').replace(/\/?$/, '/')}` } },
        columnKind: 'utf16CodeUnits',
        invocations: [
          {
            executionSuccessful: true,
            // A module left out (binary, too large, too deeply nested to parse) is said, not silently missing.
            toolExecutionNotifications: result.skipped.map(({ file, reason }) => ({
              level: 'warning',
              message: { text: reason },
              locations: [location(folder, file, { line: 1, column: 1 })],
            })),
          },
        ],
        results,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

function location(folder: string, file: string, range: { line: number; column: number; endLine?: number; endColumn?: number }) {
  return {
    physicalLocation: {
      artifactLocation: { uri: encodeURI(relativePath(folder, file)), uriBaseId: '%SRCROOT%' },
      region: {
        startLine: range.line,
        startColumn: range.column,
        ...(range.endLine !== undefined ? { endLine: range.endLine, endColumn: range.endColumn } : {}),
      },
    },
  };
}
