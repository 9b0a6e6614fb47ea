/**
 * Shared memory filled before the parallel part that reads it: the main thread's time from
 * creating `multiprocessing.shared_memory` blocks to starting the pool or processes, which a
 * loop would not spend (it needs no shared block). It leaves the sequential estimate, and a
 * finding says how much it was.
 */
import { fmtBytes, fmtMs, fmtPct, SHM_FILL_SHARE_OF_WALL, type Finding } from '../report';
import { freeTimeAt } from '../measure';
import type { SharedBlock, TraceModel } from '../model';

/** The main thread filling shared memory blocks before the parallel part that reads them. */
export interface SharedMemoryFill {
  /** The first block created before that part (the others are filled in the same span). */
  block: SharedBlock;
  blocks: number;
  bytes: number;
  /** From the first block's creation to the part's start. */
  span: [number, number];
  /** The main thread's time outside multiprocessing calls in `span`. */
  ms: number;
}

/**
 * The main thread's time from creating shared memory blocks to the start of the next parallel
 * part (`parts`, sorted and disjoint): copying the data in, which a loop would not do, as it
 * needs no shared block. A block created inside a parallel part, or after the last, fills
 * nothing here. Older traces (no readings) count nothing.
 */
export function sharedMemoryFills(model: TraceModel, parts: readonly [number, number][]): SharedMemoryFill[] {
  if (model.parentFree.length === 0) return [];
  const byPart = new Map<number, SharedMemoryFill>();
  for (const block of model.sharedBlocks) {
    const next = parts.findIndex(([a]) => a >= block.readyMs);
    if (next < 0 || (next > 0 && parts[next - 1][1] > block.readyMs)) continue;
    const fill = byPart.get(next);
    if (fill) {
      fill.blocks += 1;
      fill.bytes += block.bytes;
      continue;
    }
    const span: [number, number] = [block.readyMs, parts[next][0]];
    const ms = freeTimeAt(model.parentFree, span[1]) - freeTimeAt(model.parentFree, span[0]);
    byPart.set(next, { block, blocks: 1, bytes: block.bytes, span, ms: Math.max(0, ms) });
  }
  return [...byPart.values()];
}

/** shared-memory-fill: filling shared blocks took at least SHM_FILL_SHARE_OF_WALL of the run. */
export function sharedMemoryFinding(model: TraceModel, fills: readonly SharedMemoryFill[]): Finding | null {
  const total = fills.reduce((a, f) => a + f.ms, 0);
  if (fills.length === 0 || model.wallMs <= 0 || total < SHM_FILL_SHARE_OF_WALL * model.wallMs) return null;
  const first = [...fills].sort((a, b) => b.ms - a.ms)[0];
  const blocks = fills.reduce((a, f) => a + f.blocks, 0);
  const bytes = fills.reduce((a, f) => a + f.bytes, 0);
  const what =
    blocks === 1
      ? `the ${fmtBytes(bytes)} shared memory block`
      : `${blocks} shared memory blocks (${fmtBytes(bytes)})`;
  return {
    id: 'shared-memory-fill',
    severity: 'info',
    ...(first.block.file
      ? { file: first.block.file, ...(first.block.line !== null ? { line: first.block.line } : {}) }
      : {}),
    message:
      `Between creating ${what} and starting the parallel work that reads it, the main process spent ` +
      `${fmtMs(total)} (${fmtPct(total / model.wallMs)} of the run): copying the data in, which a loop ` +
      "would not do. The estimated speedup counts it as the parallel version's cost; if that time " +
      'computed the data rather than copying it, the estimate is low by as much.',
    advice:
      "With the fork start method, workers inherit the parent's arrays without a copy: make the array a " +
      'module-level global before creating the pool and let the tasks read it. Where a shared block is ' +
      'needed (spawn, or workers that write), create the array in the block from the start instead of ' +
      'copying it in.',
  };
}
