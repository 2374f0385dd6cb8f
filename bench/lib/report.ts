/** Renders goal results: an aligned table for people, one JSON object per line for machines. */
import type { GoalResult } from './goal.js';

export function jsonLine(result: GoalResult): string {
  return JSON.stringify(result);
}

export function table(results: readonly GoalResult[]): string {
  const header = ['goal', 'eddy', 'baseline', 'ratio', 'target', 'pass', 'unit'];
  const rows = results.map((r) => [
    r.goal,
    r.value === null ? 'missing' : figure(r.value),
    r.baseline !== null ? figure(r.baseline) : r.kind === 'ratio' && r.missing !== undefined && r.value !== null ? 'missing' : '-',
    r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`,
    target(r),
    r.kind === 'reported' ? 'report' : r.pass === null ? 'n/a' : r.pass ? 'PASS' : 'FAIL',
    r.unit,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const notes = results.filter((r) => r.missing !== undefined).map((r) => `${r.goal}: ${r.missing}`);
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ...notes].join('\n');
}

function target(r: GoalResult): string {
  if (r.target === null) return '-';
  return r.kind === 'absolute' ? `${r.compare} ${r.target}` : `${r.compare} ${r.target}x`;
}

/** Three significant digits, without exponent noise for the magnitudes a bench produces. */
function figure(n: number): string {
  if (n >= 1000) return Math.round(n).toLocaleString('en-US');
  return Number(n.toPrecision(3)).toString();
}
