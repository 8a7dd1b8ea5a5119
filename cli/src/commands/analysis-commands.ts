// `check` and `graph`: everything that needs the analyser, loaded only when one of them runs.
export { ProjectAnalysis } from '../../../server/src/analysis/analyzer';
export { runCheck } from './check';
export { drawnGraph, graphReport } from './graph';
export { formatDot, formatMermaid } from '../formats/graph';
