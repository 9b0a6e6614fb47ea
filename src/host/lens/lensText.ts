/**
 * What a call-site CodeLens says: the measured speedup and costs, and what the what-if model
 * predicts a change would buy. No VS Code API, so it is tested with plain node.
 */
import type { CallSiteReport, QueueReport } from '../../core/report';
import { fmtBytes, fmtCount, fmtMs, fmtX, QUADRANT_TITLES } from '../../core/report';
import { passesOverheadRule } from '../../core/analysis';

const MARK: Record<string, string> = {
  'clear-win': '⚡',
  'measure-first': '◐',
  'ipc-overhead-wins': '⚠',
  'both-lose': '⚠',
  'no-parallel-work': '○',
};

/** Predicted changes worth a lens: at least this much faster than the recorded prediction. */
const WORTH = 0.9;

/** `⚡ 3.4× on 4 workers · 12 ms/task · 2.1 KB/task · clear win` and the like. */
export function lensTitle(site: CallSiteReport): string {
  const mark = MARK[site.quadrant] ?? '○';
  const quadrant = QUADRANT_TITLES[site.quadrant] ?? site.quadrant;
  const n = site.verdict.numbers;
  const compute = n.computeMsPerTask;
  const perTask = site.poolApi === 'Process' ? 'process' : 'task';
  let text: string;
  if (site.quadrant === 'ipc-overhead-wins' || site.quadrant === 'both-lose') {
    text = `${mark} ${quadrant}: ${lightComputeReason(site)} · ${fmtX(site.estSpeedup)} on ${workers(site.workers)}`;
  } else {
    text =
      `${mark} ${site.compute.upperBound ? '≤ ' : ''}${fmtX(site.estSpeedup)} on ${workers(site.workers)} · ` +
      `${fmtMs(compute)}/${perTask} · ` +
      `${fmtBytes(site.ipc.bytesPerTask)}/${perTask} · ${quadrant.toLowerCase()}`;
  }
  const change = predictedChange(site);
  return change ? `${text} — ${change}` : text;
}

/**
 * Why the verdict called the compute light, in the verdict's own figures (so the lens and the
 * panel quote the same numbers): compute per task against the per-message overhead, or, when
 * that rule passed, each worker's compute against its start-up.
 */
function lightComputeReason(site: CallSiteReport): string {
  const n = site.verdict.numbers;
  if (n.perMessageOverheadMs !== null && !passesOverheadRule(n))
    return `${fmtMs(n.computeMsPerTask)} compute vs ${fmtMs(n.perMessageOverheadMs)} overhead per message`;
  if (n.startupMs !== null && n.computePerWorkerMs !== null)
    return `${fmtMs(n.computePerWorkerMs)} compute per worker vs ${fmtMs(n.startupMs)} start-up`;
  return `${fmtMs(n.computeMsPerTask)} compute vs ${fmtMs(site.ipc.perTaskMs)} IPC per task`;
}

/**
 * The what-if change to show: a better chunksize if the model found one, else a better worker
 * count; only when it is predicted at least 10 % faster than the model's own figure for now.
 */
export function predictedChange(site: CallSiteReport): string | null {
  const w = site.whatIf;
  if (!w) return null;
  const now = w.recorded.wallMs;
  const current = site.chunksize ?? 1;
  if (w.bestChunksize !== null && w.bestChunksize !== current) {
    const p = w.chunksizes.find((q) => q.chunksize === w.bestChunksize);
    if (p && p.wallMs <= now * WORTH)
      return `chunksize ${current} → ${w.bestChunksize} predicted ${fmtMs(p.wallMs)} (now ${fmtMs(site.wallMs)})`;
  }
  if (w.recommendedWorkers !== site.workers) {
    const p = w.workers.find((q) => q.workers === w.recommendedWorkers);
    if (p && p.wallMs <= now * WORTH)
      return `${workers(w.recommendedWorkers)} predicted ${fmtMs(p.wallMs)} (now ${fmtMs(site.wallMs)})`;
  }
  return null;
}

/** The hover text: the verdict sentence and the model's check against the measured time. */
export function lensTooltip(site: CallSiteReport, when: string): string {
  const lines = [`${site.api} at line ${site.line}, run of ${when}.`, site.verdict.sentence];
  const w = site.whatIf;
  if (w) {
    lines.push(
      `What-if model: ${fmtMs(w.recorded.wallMs)} predicted for the recorded setting, ${fmtMs(site.wallMs)} measured; ` +
        `recommended ${workers(w.recommendedWorkers)}` +
        (w.bestChunksize !== null ? `, chunksize ${w.bestChunksize}.` : '.'),
    );
  }
  lines.push('Click to open the run at this call site.');
  return lines.join('\n');
}

/** Above a queue's creation: its traffic, `⇄ 100,000 messages · 64 B each · pickling 0.34 s`. */
export function queueLensTitle(q: QueueReport): string {
  const at = q.sampled?.atLeast ? 'at least ' : '';
  const each = q.messages > 0 ? q.bytes / q.messages : null;
  return (
    `⇄ ${q.api}: ${at}${fmtCount(q.messages)} ${q.messages === 1 ? 'message' : 'messages'} · ` +
    `${fmtBytes(each)} each · pickling ${fmtMs(q.pickleMs)}, unpickling ${fmtMs(q.unpickleMs)} in all` +
    sampledNote(q)
  );
}

/** ` · sampled 1 in 17` when the agent sampled this channel's messages (times are estimates). */
function sampledNote(q: QueueReport): string {
  if (!q.sampled) return '';
  return q.sampled.every ? ` · sampled 1 in ${q.sampled.every}` : ' · sampled';
}

const workers = (n: number): string => `${n} ${n === 1 ? 'worker' : 'workers'}`;
