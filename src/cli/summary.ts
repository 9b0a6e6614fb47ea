import {
  Report,
  fmtBytes,
  fmtMs,
  fmtPct,
  fmtX,
  QUADRANT_TITLES,
  parenthesised,
  startupWaitNote,
} from '../core/report';

interface Style {
  color: boolean;
}

/** The short text summary the CLI prints on stderr after the program ends. */
export function formatSummary(report: Report, style: Style): string {
  const paint = (code: string, s: string): string => (style.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const bold = (s: string): string => paint('1', s);
  const s = report.summary;
  const lines: string[] = [];
  lines.push('', bold('PoolScope summary'));
  const where = [report.run.python && `Python ${report.run.python}`, report.run.startMethod]
    .filter(Boolean)
    .join(', ');
  const { module, script } = report.run;
  const program =
    module === undefined
      ? `  script     ${script}`
      : `  module     ${module}${script && script !== module ? `  ${script}` : ''}`;
  lines.push(`${program}${where ? `  (${where})` : ''}`);
  lines.push(
    `  wall       ${fmtMs(s.wallMs)}    workers ${s.workers}    tasks ${s.tasks} (${s.items} items)`,
  );
  if (s.tasks > 0) {
    lines.push(
      `  per task   compute ${fmtMs(s.computeMsPerTask)} (median)   IPC ${fmtMs(s.ipcMsPerTask)}   ` +
        `${fmtBytes(s.bytesPerTask)}   IPC share ${fmtPct(s.ipcShare)}`,
    );
  }
  if (s.startupMs !== null && s.startupMs !== undefined) {
    lines.push(
      `  start-up   ${fmtMs(s.startupMs)} per worker${parenthesised('median', startupWaitNote(s.startupMs, s.startupWaitMs))}`,
    );
  }
  lines.push(
    (s.estUpperBound
      ? `  speedup    at most ${fmtX(s.estSpeedup)} estimated (sequential ≤ ${fmtMs(s.estSequentialMs)}: ` +
        "the workers' helper threads spun)   "
      : `  speedup    ${fmtX(s.estSpeedup)} estimated (sequential ≈ ${fmtMs(s.estSequentialMs)})   `) +
      `efficiency ${fmtPct(s.efficiency)}`,
  );
  const v = report.verdict;
  const colour = v.quadrant === 'clear-win' ? '32' : v.quadrant === 'measure-first' ? '33' : '31';
  const title = QUADRANT_TITLES[v.quadrant] ?? v.quadrant;
  // A call site's sentence starts with its quadrant's title: painted there, not said twice.
  const why = v.sentence.startsWith(`${title}:`) ? v.sentence.slice(title.length) : ` — ${v.sentence}`;
  lines.push(`  verdict    ${paint(`1;${colour}`, title)}${why}`);
  for (const site of report.callSites) {
    lines.push(
      `  call site  ${site.file}:${site.line}  ${site.api}  ${site.tasks} tasks, chunksize ${site.chunksize ?? '–'}, ` +
        `${fmtMs(site.compute.medianMs)}/task, ${fmtX(site.estSpeedup)}  [${site.quadrant}]`,
    );
    const w = site.whatIf;
    if (w) {
      const curve = w.workers.map((p) => `${p.workers}: ${fmtMs(p.wallMs)}`).join(', ');
      const chunk =
        w.bestChunksize !== null && w.bestChunksize !== site.chunksize
          ? `; chunksize ${w.bestChunksize}: ${fmtMs(w.chunksizes.find((p) => p.chunksize === w.bestChunksize)?.wallMs)}`
          : '';
      lines.push(
        `    what if  workers ${curve} (recommended ${w.recommendedWorkers})${chunk}; ` +
          `model ${fmtMs(w.recorded.wallMs)} vs measured ${fmtMs(site.wallMs)}`,
      );
    }
  }
  // Queues are listed only where the agent sampled them: their numbers then need saying how.
  for (const q of report.queues) {
    if (!q.sampled) continue;
    const where = q.file ? `${q.file}:${q.line}` : `channel ${q.chan}`;
    const rate = q.sampled.every ? ` 1 in ${q.sampled.every}` : '';
    lines.push(
      `  queue      ${where}  ${q.api}  ${q.sampled.atLeast ? 'at least ' : ''}${q.messages} messages, ` +
        `${fmtBytes(q.bytes)}; detail sampled${rate} (${q.sampled.recorded} recorded), ` +
        `pickling ≈ ${fmtMs(q.pickleMs)}, unpickling ≈ ${fmtMs(q.unpickleMs)}`,
    );
  }
  if (report.findings.length > 0) {
    lines.push('  findings');
    for (const f of report.findings) {
      const mark =
        f.severity === 'error' ? paint('31', '✖') : f.severity === 'warning' ? paint('33', '⚠') : 'ℹ';
      const at = f.file ? `  ${f.file}${f.line ? `:${f.line}` : ''}` : '';
      lines.push(`    ${mark} ${bold(f.id)}${at}`);
      lines.push(`      ${f.message}`);
      if (f.advice) lines.push(`      → ${f.advice}`);
    }
  }
  for (const w of report.warnings) lines.push(`  ${paint('33', 'warning')}: ${w}`);
  lines.push('');
  return lines.join('\n');
}
