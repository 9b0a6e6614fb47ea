/** A sweep as a plain-text table for the terminal (`poolscope sweep`). */
import type { SweepResult } from './sweep';
import { fmtMs, fmtX } from '../report';

export function formatSweep(r: SweepResult): string {
  const name = r.script.split(/[\\/]/).pop() || r.script;
  const lines: string[] = [];
  const what = r.kind === 'workers' ? 'Worker sweep' : 'Chunksize sweep';
  const at = r.kind === 'chunksize' && r.points[0]?.workers ? ` at ${r.points[0].workers} workers` : '';
  lines.push(`${what} of ${name}${at} (${r.cpuCount || '?'} cores)`);
  lines.push(
    `  speedup = the first run's estimated sequential time (${fmtMs(r.baselineSequentialMs)}) / wall time`,
  );
  const predicted = new Map((r.predicted ?? []).map((p) => [p.value, p]));
  const head = [r.kind === 'workers' ? 'workers' : 'chunksize', 'wall', 'speedup'];
  if (r.kind === 'workers') head.push('ideal');
  head.push('predicted');
  const rows = r.points.map((p) => {
    const cells = [String(p.value) + (p.applied ? '' : ' (!)'), fmtMs(p.wallMs), fmtX(p.speedup)];
    if (r.kind === 'workers') cells.push(fmtX(p.idealSpeedup));
    const pred = predicted.get(p.value);
    cells.push(pred ? `${fmtX(pred.speedup)} (${fmtMs(pred.wallMs)})` : '–');
    return cells;
  });
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  for (const row of all) {
    lines.push(`  ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`);
  }
  if (r.predicted === null) lines.push('  predicted: no prediction (the first run has no what-if model)');
  lines.push(`Recommendation: ${r.recommendation}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return `${lines.join('\n')}\n`;
}
