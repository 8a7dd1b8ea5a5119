// The output formats each command accepts; the command table reads them without loading the commands.
export const checkFormats = ['stylish', 'json', 'sarif'] as const;
export type CheckFormat = (typeof checkFormats)[number];
export const graphFormats = ['json', 'dot', 'mermaid'] as const;
