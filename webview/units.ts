/**
 * Units for the panel: the core's formatters (so the panel, the CLI and the static report agree)
 * plus the few the panel alone needs. The one place the webview imports them from, so a move in
 * src/core touches one line here.
 */
import { fmtCount as groupedCount } from '../src/core/report';

export { fmtBytes, fmtMs, fmtPct, fmtX, matrixCell, QUADRANT_TITLES } from '../src/core/report';

export function fmtCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return groupedCount(Math.round(n));
}

/** The last path component, for compact chips; the full path goes in a title. */
export function baseName(file: string): string {
  const i = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return i >= 0 ? file.slice(i + 1) : file;
}
