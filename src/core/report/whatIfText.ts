/** The what-if recommendation in words: the panel's What if section and the HTML report say it alike. */
import type { CallSiteReport } from './report';
import { fmtMs, fmtX } from './units';

/** The recommended worker count, a better chunksize if any, and how close the model came to the measured wall time. */
export function whatIfSummary(site: CallSiteReport, cores: number): string {
  const w = site.whatIf;
  if (!w) return '';
  const parts: string[] = [];
  const best = w.workers.find((p) => p.workers === w.recommendedWorkers);
  const fastest = [...w.workers].sort((a, b) => (b.speedup ?? 0) - (a.speedup ?? 0))[0];
  if (fastest && fastest.speedup !== null && fastest.speedup < 1)
    parts.push(
      `Every worker count is predicted slower than a plain loop (at best ${fmtX(fastest.speedup)}, ` +
        `${fastest.workers} ${fastest.workers === 1 ? 'worker' : 'workers'}).`,
    );
  else
    parts.push(
      `Recommended: ${w.recommendedWorkers} ${w.recommendedWorkers === 1 ? 'worker' : 'workers'}` +
        (best ? ` (${fmtMs(best.wallMs)}, ${fmtX(best.speedup)})` : '') +
        ` — past that one more worker gains less than 10 %${cores ? ` (${cores} cores)` : ''}.`,
    );
  if (w.bestChunksize !== null && w.bestChunksize !== site.chunksize) {
    const p = w.chunksizes.find((q) => q.chunksize === w.bestChunksize);
    parts.push(
      `Chunksize ${site.chunksize ?? 1} → ${w.bestChunksize}: predicted ${fmtMs(p?.wallMs ?? null)} ` +
        `(now ${fmtMs(site.wallMs)}).`,
    );
  }
  const err = w.recorded.wallMs / site.wallMs - 1;
  parts.push(
    `Model check: it predicts ${fmtMs(w.recorded.wallMs)} for the recorded setting, measured ${fmtMs(site.wallMs)} ` +
      `(${err >= 0 ? '+' : '−'}${Math.abs(err * 100).toFixed(0)} %).`,
  );
  return parts.join(' ');
}
