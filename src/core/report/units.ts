/** Human units for durations, sizes and ratios; shared by the CLI summary and the HTML report. */

export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  if (ms >= 0.01) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(1)} µs`;
}

export function fmtBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '–';
  const units = ['B', 'KB', 'MB', 'GB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

export function fmtPct(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '–';
  return `${(share * 100).toFixed(share >= 0.1 ? 0 : 1)} %`;
}

export function fmtX(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '–';
  if (ratio > 0 && ratio < 0.01) {
    // Two decimals would say 0.00×: two significant digits instead (0.0024×).
    return ratio < 1e-4 ? '< 0.0001×' : `${ratio.toFixed(1 - Math.floor(Math.log10(ratio)))}×`;
  }
  return `${ratio.toFixed(ratio >= 10 ? 0 : 2)}×`;
}

export const QUADRANT_TITLES: Record<string, string> = {
  'clear-win': 'Clear win',
  'measure-first': 'Measure first',
  'ipc-overhead-wins': 'IPC overhead wins',
  'both-lose': 'Both IPC and compute lose',
  'no-parallel-work': 'No parallel work recorded',
};

/**
 * The decision matrix's cell for a verdict: the cell its compute and data put it in, also where
 * the measured speedup overruled that cell (the verdict is then "measure first", `v.matrix` the
 * cell). "Measure first" is also the Heavy × Large cell, so placing an overruled verdict by its
 * quadrant would show small data as large.
 */
export function matrixCell(v: { quadrant: string; matrix?: string }): string {
  return v.matrix ?? v.quadrant;
}

/**
 * A count with thousands separators, exactly as `n.toLocaleString('en-US')` writes it. Whole
 * numbers are grouped here: the first toLocaleString call of a process loads ICU's number
 * formatting, ~40 ms of opening a saved run. Anything else is left to toLocaleString.
 */
export function fmtCount(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en-US');
  const grouped = String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ',');
  return n < 0 ? `-${grouped}` : grouped;
}

/**
 * What a start-up figure leaves out, where it is worth saying (≥ 1 ms and ≥ a tenth of the
 * start-up): "not counting 80 ms waiting for a CPU"; else null.
 */
export function startupWaitNote(startupMs: number | null | undefined, waitMs?: number | null): string | null {
  const wait = waitMs ?? 0;
  const worth = startupMs !== null && startupMs !== undefined && wait >= 1 && wait >= 0.1 * startupMs;
  return worth ? `not counting ${fmtMs(wait)} waiting for a CPU` : null;
}

/** " (a; b)" of the notes given, or "" if none. */
export function parenthesised(...notes: (string | null | false)[]): string {
  const said = notes.filter((n): n is string => typeof n === 'string' && n !== '');
  return said.length ? ` (${said.join('; ')})` : '';
}
