/**
 * Records copied aside while a trace streams past, to be joined once every META is known (see
 * streamJoin.ts): their bytes in one growing buffer, and per record where it starts, its stream,
 * its position in the passes' order and whether it is a SEND (else a RECV).
 */
export class SetAside {
  private bytes = new Uint8Array(0);
  private used = 0;
  readonly at: number[] = [];
  readonly streams: number[] = [];
  readonly seqs: number[] = [];
  readonly isSend: boolean[] = [];

  /** The records so far, to be read at `at[k]`. */
  get view(): DataView {
    return new DataView(this.bytes.buffer, 0, this.used);
  }

  /** Copies the record at `off` in `view` (its length word first). */
  add(view: DataView, off: number, stream: number, seq: number, isSend: boolean): void {
    const length = view.getUint32(off, true);
    if (this.used + length > this.bytes.length) {
      const bigger = new Uint8Array(Math.max(2 * this.bytes.length, this.used + length, 4096));
      bigger.set(this.bytes.subarray(0, this.used));
      this.bytes = bigger;
    }
    this.bytes.set(new Uint8Array(view.buffer, view.byteOffset + off, length), this.used);
    this.at.push(this.used);
    this.streams.push(stream);
    this.seqs.push(seq);
    this.isSend.push(isSend);
    this.used += length;
  }
}
