/**
 * A model built from records as they arrive, a chunk at a time, instead of from all of them at
 * once: the task join runs as each chunk comes (streamJoin.ts), only the plain messages' records
 * are kept (buildMessages pairs them when the model is made), and each stream's latest stamps are
 * noted on the way. Opening a saved `.pstrace` feeds it the file's pieces and makes the model
 * once; the live panel feeds it each poll's chunks and makes an interim model at every tick.
 */
import { assembleModel } from '../model';
import type { TraceModel } from '../model';
import {
  countRecords,
  readU64,
  RECV_T1_AT,
  RUN_T1_AT,
  SEND_T2_AT,
  type RecordChunk,
  type TraceRecords,
} from '../trace';
import { StreamTaskJoin } from './streamJoin';

class Undecided extends Error {}

/**
 * The model of records read whole (a run directory, or a trace the stream could not decide): the
 * same join as a stream's, fed every META before the first chunk, so that nothing it meets later
 * can change what a record meant.
 */
export function buildModel(records: TraceRecords): TraceModel {
  // Each task has at most one task SEND: half the SENDs is a fair first size.
  const stream = new StreamModel(Math.ceil(countRecords(records).sends / 2));
  for (const chunk of records.chunks) stream.add(records, chunk);
  const model = stream.model(records, false);
  if (!model)
    throw new Error('the task join could not place every record although every META was read first');
  return model;
}

export class StreamModel {
  private readonly join: StreamTaskJoin;
  private readonly messages: RecordChunk[] = [];
  /** Per stream, the stamp ending its last SEND, RECV and RUN so far (NaN: none yet). */
  private readonly lastNs: number[][] = [];

  /** `ready`: see TaskJoin's constructor. */
  constructor(expectedTasks: number, ready = true) {
    this.join = new StreamTaskJoin(expectedTasks, ready);
  }

  /** Joins a chunk. `records`: everything read so far, its METAs up to this chunk's included. */
  add(records: TraceRecords, chunk: RecordChunk): void {
    const { join } = this;
    join.learnMetas(records);
    join.chunk(chunk);
    const message = messageRecords(chunk, join.messageSends.take(true), join.messageRecvs.take(true));
    if (message) this.messages.push(message);
    const last = (this.lastNs[chunk.stream] ??= [NaN, NaN, NaN]);
    const { view, sends, recvs, runs } = chunk;
    if (sends.length > 0) last[0] = readU64(view, sends[sends.length - 1] + SEND_T2_AT);
    if (recvs.length > 0) last[1] = readU64(view, recvs[recvs.length - 1] + RECV_T1_AT);
    if (runs.length > 0) last[2] = readU64(view, runs[runs.length - 1] + RUN_T1_AT);
  }

  /** The task rows the last interim model finished again (null: every row, or none was made). */
  get changedRows(): Uint32Array | null {
    return this.join.changedRows;
  }

  /**
   * The model of every chunk added, as buildModel makes it from the same records; null when the
   * join cannot tell (a META read late changed what earlier records meant; for an interim model,
   * also result records still set aside): the caller then builds it from a whole read.
   * `interim`: more chunks may follow (the join is finished on a copy, and the task rows stay in
   * the order they were met).
   */
  model(records: TraceRecords, interim: boolean): TraceModel | null {
    const { join } = this;
    join.learnMetas(records);
    const stamps: number[] = [];
    this.lastNs.forEach((ns, stream) => {
      for (const t of ns) if (!Number.isNaN(t)) stamps.push(stream, t);
    });
    const kept: TraceRecords = { ...records, chunks: this.messages };
    try {
      return assembleModel(
        kept,
        (procs, warnings) => {
          const tasks = interim ? join.interim(kept, procs, warnings) : join.finish(kept, procs, warnings);
          if (!tasks) throw new Undecided();
          return tasks;
        },
        stamps,
      );
    } catch (e) {
      if (e instanceof Undecided) return null;
      throw e;
    }
  }
}

/** A copy of the chunk's plain-message SENDs and RECVs (at `sends` and `recvs`), if any. */
function messageRecords(chunk: RecordChunk, sends: Uint32Array, recvs: Uint32Array): RecordChunk | undefined {
  if (sends.length + recvs.length === 0) return undefined;
  const { view } = chunk;
  let size = 0;
  for (const off of sends) size += view.getUint32(off, true);
  for (const off of recvs) size += view.getUint32(off, true);
  const bytes = new Uint8Array(size);
  let at = 0;
  const copy = (offsets: Uint32Array): Uint32Array =>
    offsets.map((off) => {
      const length = view.getUint32(off, true);
      bytes.set(new Uint8Array(view.buffer, view.byteOffset + off, length), at);
      at += length;
      return at - length;
    });
  return {
    stream: chunk.stream,
    view: new DataView(bytes.buffer),
    sends: copy(sends),
    recvs: copy(recvs),
    runs: new Uint32Array(0),
  };
}
