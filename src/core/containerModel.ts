/**
 * The model of a `.pstrace` file, built while the file is read a piece at a time: the host's way
 * to open a saved run. Reading the whole file first (readContainer + buildModel) held all of it
 * (344 bytes a task) while the task columns were built; here only one piece is held, and of its
 * records only the plain messages' are kept (buildMessages pairs them at the end). The model is
 * the one buildModel makes from the same file.
 */
import * as fs from 'node:fs';
import { readContainer } from './container';
import { streamContainer } from './containerStream';
import { assembleModel, buildModel } from './model';
import type { TraceModel } from './modelTypes';
import { readU64, RECV_T1_AT, RUN_T1_AT, SEND_T2_AT, type RecordChunk } from './records';
import { StreamTaskJoin } from './streamJoin';

/** Bytes of one task's records (two SENDs, two RECVs, a RUN): sizes the task columns up front. */
const TASK_BYTES = 344;
class Fallback extends Error {}

export interface ContainerModelOptions {
  /** Bytes read at a time (default PIECE_BYTES, 256 KiB). */
  pieceBytes?: number;
  /** Told how the tasks were joined: as read, or (a guess proved wrong) from a whole read. */
  joined?: (how: 'streamed' | 'whole') => void;
}

export function loadContainerModel(file: string, options: ContainerModelOptions = {}): TraceModel {
  const join = new StreamTaskJoin(Math.ceil(fs.statSync(file).size / TASK_BYTES) + 1024);
  const messages: RecordChunk[] = [];
  // Per stream, the stamp ending its last SEND, RECV and RUN so far (NaN: none yet).
  const lastNs: number[][] = [];
  const records = streamContainer(
    file,
    (chunk, out) => {
      join.learnMetas(out);
      join.chunk(chunk);
      const message = messageRecords(chunk, join.messageSends.take(true), join.messageRecvs.take(true));
      if (message) messages.push(message);
      const last = (lastNs[chunk.stream] ??= [NaN, NaN, NaN]);
      const { view, sends, recvs, runs } = chunk;
      if (sends.length > 0) last[0] = readU64(view, sends[sends.length - 1] + SEND_T2_AT);
      if (recvs.length > 0) last[1] = readU64(view, recvs[recvs.length - 1] + RECV_T1_AT);
      if (runs.length > 0) last[2] = readU64(view, runs[runs.length - 1] + RUN_T1_AT);
    },
    options.pieceBytes,
  );
  records.chunks = messages;
  const stamps: number[] = [];
  lastNs.forEach((ns, stream) => {
    for (const t of ns) if (!Number.isNaN(t)) stamps.push(stream, t);
  });
  try {
    const model = assembleModel(
      records,
      (procs, warnings) => {
        const tasks = join.finish(records, procs, warnings);
        if (!tasks) throw new Fallback();
        return tasks;
      },
      stamps,
    );
    options.joined?.('streamed');
    return model;
  } catch (e) {
    if (!(e instanceof Fallback)) throw e;
    // A META late in the file changed what a record read before it meant: join from a whole read.
    options.joined?.('whole');
    return buildModel(readContainer(file));
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
