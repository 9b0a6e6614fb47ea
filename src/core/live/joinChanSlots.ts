/**
 * The task channels a stream join meets (streamJoin.ts), numbered in the order met: the join keys
 * its rows by this number until channels become pools at the end. Each keeps where the passes of
 * the passes would first have looked it up, (pass, position), and the API that look-up implies:
 * placeholder pools for channels no `pool` META names are made in that order.
 */

/** For a channel only result records led to: no pass looked it up as a task channel. */
export const NO_PASS = 9;

/** A task channel met in records, and where the passes would first have looked it up. */
export interface ChanSlot {
  chan: number;
  pass: number;
  seq: number;
  api: string;
}

export class ChanSlots {
  readonly list: ChanSlot[] = [];
  private readonly byChan = new Map<number, number>();
  /** Consecutive records nearly always name the same channel. */
  private lastChan = NaN;
  private lastSlot = -1;

  /** The slot of a task channel a pass looks up, noting the first (pass, seq) that did. */
  task(chan: number, pass: number, seq: number, api: string): number {
    const s = chan === this.lastChan ? this.lastSlot : this.of(chan);
    const slot = this.list[s];
    if (pass < slot.pass || (pass === slot.pass && seq < slot.seq)) {
      slot.pass = pass;
      slot.seq = seq;
      slot.api = api;
    }
    return s;
  }

  /** The slot of a channel, made if new. */
  of(chan: number): number {
    if (chan === this.lastChan) return this.lastSlot;
    let s = this.byChan.get(chan);
    if (s === undefined) {
      s = this.list.length;
      this.list.push({ chan, pass: NO_PASS, seq: 0, api: 'Pool' });
      this.byChan.set(chan, s);
    }
    this.lastChan = chan;
    this.lastSlot = s;
    return s;
  }

  /** The slot of a channel, or undefined if none was made. */
  find(chan: number): number | undefined {
    return this.byChan.get(chan);
  }
}
