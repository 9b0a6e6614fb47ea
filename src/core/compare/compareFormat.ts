/**
 * Words and units for a comparison: one cell text per value and per delta, shared by the CLI's
 * table and the compare panel so both say the same thing. Deltas always carry a sign
 * (+ or − , U+2212) and a unit; shares change in percentage points ("pp").
 */
import type { MetricDelta, MetricUnit, RunComparison, SiteComparison } from './compare';
import { fmtBytes, fmtMs, fmtPct, fmtX, QUADRANT_TITLES } from '../report';

export const MINUS = '\u2212';

export function fmtValue(v: number | null, unit: MetricUnit): string {
  switch (unit) {
    case 'ms':
      return fmtMs(v);
    case 'ratio':
      return fmtX(v);
    case 'share':
      return fmtPct(v);
    case 'bytes':
      return fmtBytes(v);
    case 'count':
      return v === null ? '–' : String(Math.round(v * 100) / 100);
    default: {
      const never: never = unit;
      return String(never);
    }
  }
}

/** "+12 ms", "−0.35×", "−41 pp", "+1.5 KB", "+2"; "±0 …" for no change, "–" when unknown. */
export function fmtDelta(m: Pick<MetricDelta, 'delta' | 'unit'>): string {
  const d = m.delta;
  if (d === null) return '–';
  const sign = d > 0 ? '+' : d < 0 ? MINUS : '±';
  const abs = Math.abs(d);
  switch (m.unit) {
    case 'ms':
      return `${sign}${abs === 0 ? '0 ms' : fmtMs(abs)}`;
    case 'ratio':
      return `${sign}${abs.toFixed(2)}×`;
    case 'share': {
      const pp = abs * 100;
      return `${sign}${pp.toFixed(pp >= 10 || pp === 0 ? 0 : 1)} pp`;
    }
    case 'bytes':
      return `${sign}${fmtBytes(abs)}`;
    case 'count':
      return `${sign}${Math.round(abs * 100) / 100}`;
    default: {
      const never: never = m.unit;
      return String(never);
    }
  }
}

/** "−33 %" (B is a third less than A); '' when not meaningful (unknown, a share or a count). */
export function fmtRelative(m: Pick<MetricDelta, 'relative' | 'unit'>): string {
  if (m.relative === null || m.unit === 'share' || m.unit === 'count') return '';
  const pct = m.relative * 100;
  const sign = pct > 0 ? '+' : pct < 0 ? MINUS : '±';
  return `${sign}${Math.abs(pct).toFixed(Math.abs(pct) >= 10 ? 0 : 1)} %`;
}

export function quadrantTitle(q: string | null): string {
  return q === null ? '–' : (QUADRANT_TITLES[q] ?? q);
}

export function siteTitle(s: SiteComparison): string {
  const where = (x: { file: string; line: number; api: string } | null): string =>
    x ? `${x.api} @ ${baseName(x.file) || '?'}:${x.line}` : '–';
  if (s.match === 'only-a') return `${where(s.a)} (only in A)`;
  if (s.match === 'only-b') return `${where(s.b)} (only in B)`;
  if (s.match === 'same') return where(s.b);
  return `${where(s.a)} → ${baseName(s.b?.file ?? '')}:${s.b?.line}`;
}

export function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** A plain-text table of a comparison, for the terminal. */
export function formatComparison(c: RunComparison): string {
  const lines: string[] = [];
  lines.push(`A: ${c.a.script} (${c.a.startedAt || 'unknown time'}${overrides(c.a.overrides)})`);
  lines.push(`B: ${c.b.script} (${c.b.startedAt || 'unknown time'}${overrides(c.b.overrides)})`);
  lines.push(c.matchNote);
  lines.push('');
  lines.push('Whole run');
  lines.push(...table(c.run));
  lines.push(verdictLine(c.verdict));
  for (const s of c.sites) {
    lines.push('');
    lines.push(`Call site ${siteTitle(s)}`);
    if (s.metrics.length) {
      lines.push(...table(s.metrics));
      lines.push(verdictLine(s.verdict));
    }
  }
  lines.push('');
  lines.push('Findings');
  if (!c.findings.length) lines.push('  none in either run');
  for (const f of c.findings) {
    const where = f.finding.file ? ` (${baseName(f.finding.file)}:${f.finding.line ?? 0})` : '';
    lines.push(`  ${f.status.padEnd(9)} ${f.finding.id}${where}: ${f.finding.message}`);
  }
  return `${lines.join('\n')}\n`;
}

function overrides(o: Record<string, unknown>): string {
  const parts = Object.entries(o).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length ? `; overridden: ${parts.join(', ')}` : '';
}

function verdictLine(v: { a: string | null; b: string | null; changed: boolean }): string {
  return v.changed
    ? `  Verdict: ${quadrantTitle(v.a)} → ${quadrantTitle(v.b)}`
    : `  Verdict: ${quadrantTitle(v.b)} (unchanged)`;
}

function table(rows: MetricDelta[]): string[] {
  const cells = rows.map((m) => [
    m.label,
    fmtValue(m.a, m.unit),
    fmtValue(m.b, m.unit),
    fmtDelta(m),
    fmtRelative(m),
    m.change === 'better' || m.change === 'worse' ? m.change : '',
  ]);
  const head = ['', 'A', 'B', 'Δ (B − A)', '', ''];
  const all = [head, ...cells];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map(
    (r) =>
      `  ${r
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
        .join('  ')
        .trimEnd()}`,
  );
}
