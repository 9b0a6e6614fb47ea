/**
 * One lane's per-pixel-column totals for one frame, when tasks are thinner than the pixels that
 * show them. Units are fractions of a column: busy 0.5 means tasks covered half its time.
 */
export class Columns {
  busy: Float32Array;
  /** Of busy: computing, and unpickling the task (the rest is pickling and sending the result). */
  comp: Float32Array;
  unp: Float32Array;
  /** The largest compute share one call-site colour has in the column, and which one it is. */
  best: Float32Array;
  bestSite: Int32Array;
  /** 1 if a task in the column raised. */
  err: Uint8Array;

  constructor(readonly width: number) {
    this.busy = new Float32Array(width);
    this.comp = new Float32Array(width);
    this.unp = new Float32Array(width);
    this.best = new Float32Array(width);
    this.bestSite = new Int32Array(width);
    this.err = new Uint8Array(width);
  }

  reset(): void {
    this.busy.fill(0);
    this.comp.fill(0);
    this.unp.fill(0);
    this.best.fill(0);
    this.err.fill(0);
  }
}
