import { lowerBound } from './search';
import type { ProcessLane, TaskStore } from './store';

export interface CursorTask {
  index: number;
  lane: ProcessLane;
  row: number;
}

/**
 * Keyboard access to the bars on the canvas: a cursor on one finished task, moved task by task
 * within a lane and from lane to lane, that Enter opens like a click. Kept by (lane, arrival
 * time), so it survives rows being re-sorted by a later delta.
 */
export class TaskCursor {
  private lane = -1;
  private t0 = NaN;

  constructor(private readonly store: TaskStore) {}

  clear(): void {
    this.lane = -1;
    this.t0 = NaN;
  }

  get current(): CursorTask | null {
    const lane = this.store.lanes[this.lane];
    if (!lane || !(this.t0 === this.t0)) return null;
    const row = lowerBound(lane.done.t0, this.t0, lane.done.n);
    if (row >= lane.done.n || lane.done.t0[row] !== this.t0) return null;
    return { index: this.lane, lane, row };
  }

  /**
   * The next (dir 1) or previous (-1) task in the lane. With no task selected: the first task
   * at or after `from` in the first lane that has any.
   */
  step(dir: 1 | -1, from: number): boolean {
    const cur = this.current;
    if (!cur) {
      for (let i = 0; i < this.store.lanes.length; i++) if (this.selectNear(i, from, 1)) return true;
      return false;
    }
    const next = cur.row + dir;
    if (next < 0 || next >= cur.lane.done.n) return false;
    this.t0 = cur.lane.done.t0[next];
    return true;
  }

  /** The task nearest in time to the current one, in the next lane up (-1) or down (1) with tasks. */
  changeLane(dir: 1 | -1, from: number): boolean {
    const cur = this.current;
    const t = cur ? cur.lane.done.t0[cur.row] : from;
    for (
      let i = (cur ? cur.index : dir > 0 ? -1 : this.store.lanes.length) + dir;
      i >= 0 && i < this.store.lanes.length;
      i += dir
    ) {
      if (this.selectNear(i, t, 0)) return true;
    }
    return false;
  }

  /** Selects in lane i the task arriving nearest `t` (dir 0), or the first at or after it (1). */
  private selectNear(i: number, t: number, dir: 0 | 1): boolean {
    const tasks = this.store.lanes[i]?.done;
    if (!tasks?.n) return false;
    let row = Math.min(lowerBound(tasks.t0, t, tasks.n), tasks.n - 1);
    if (dir === 0 && row > 0 && t - tasks.t0[row - 1] < tasks.t0[row] - t) row--;
    this.lane = i;
    this.t0 = tasks.t0[row];
    return true;
  }
}
