/**
 * Decoded-on-demand trace records. A reader turns raw segment bytes into {@link TraceRecords}:
 * META records are parsed at once (they are few and JSON), while SEND/RECV/RUN records stay in the
 * bytes they arrived in and are listed by offset. The model builder reads their fields in one pass
 * into a reused struct ({@link readSend} and friends), so a million-task trace costs no object per
 * record.
 */
import { RECORD_HEADER_SIZE, RUN_PAYLOAD_SIZE_V2, RUN_PAYLOAD_SIZE_V3 } from './format';

/** One process's event stream: the files `ev-<pid>-<start>.<n>.bin` (or one container stream). */
export interface StreamInfo {
  /** Position in {@link TraceRecords.streams}; records refer to their stream by this. */
  index: number;
  /** `ev-<pid>-<start>`. */
  name: string;
  pid: number;
  /** The process's `perf_counter_ns()` at agent start, ns. */
  start: number;
}

/** A META record: a JSON object with `k` (its kind) and `t` (a stamp, ns). */
export interface MetaRecord {
  stream: number;
  k: string;
  t: number;
  data: Record<string, unknown>;
}

/**
 * Binary records read from one stretch of one stream, listed by record offset within `view`
 * (typed arrays: a million-task trace has five million records).
 */
export interface RecordChunk {
  stream: number;
  view: DataView;
  sends: Uint32Array;
  recvs: Uint32Array;
  runs: Uint32Array;
}

/** Everything read so far (or, from `TraceTail.poll()`, everything new since the last poll). */
export interface TraceRecords {
  /** From a poll: only the streams first seen in that poll. */
  streams: StreamInfo[];
  metas: MetaRecord[];
  chunks: RecordChunk[];
  /** Corrupt data and other problems the reader met, one sentence each. */
  warnings: string[];
}

export function emptyRecords(): TraceRecords {
  return { streams: [], metas: [], chunks: [], warnings: [] };
}

/** Appends a poll's delta to an accumulated set (stream indices are stable across polls). */
export function appendRecords(into: TraceRecords, delta: TraceRecords): TraceRecords {
  for (const s of delta.streams) into.streams[s.index] = s;
  into.metas.push(...delta.metas);
  into.chunks.push(...delta.chunks);
  into.warnings.push(...delta.warnings);
  return into;
}

export function countRecords(records: TraceRecords): {
  metas: number;
  sends: number;
  recvs: number;
  runs: number;
} {
  let sends = 0;
  let recvs = 0;
  let runs = 0;
  for (const c of records.chunks) {
    sends += c.sends.length;
    recvs += c.recvs.length;
    runs += c.runs.length;
  }
  return { metas: records.metas.length, sends, recvs, runs };
}

/** Offsets, from a record's start, of the stamp that ends each binary record's interval. */
export const SEND_T2_AT = RECORD_HEADER_SIZE + 48;
export const RECV_T1_AT = RECORD_HEADER_SIZE + 40;
export const RUN_T1_AT = RECORD_HEADER_SIZE + 32;

/** Reads a u64 as a number (exact below 2^53: stamps, sizes and inodes stay well below). */
export function readU64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 4294967296;
}

/** Reads an i64 as a number (exact in ±2^53). */
export function readI64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getInt32(at + 4, true) * 4294967296;
}

/** Fields of a SEND record; stamps in ns. */
export interface SendFields {
  chan: number;
  job: number;
  index: number;
  bytes: number;
  t0: number;
  t1: number;
  t2: number;
  items: number;
  call: number;
  kind: number;
  ok: number;
  /** Plain messages: the sampling key (crc32 of the pickled bytes); 0 in older traces. */
  crc: number;
}

/** Fields of a RECV record; stamps in ns. */
export interface RecvFields {
  chan: number;
  job: number;
  index: number;
  bytes: number;
  t0: number;
  t1: number;
  kind: number;
  ok: number;
  /** As in {@link SendFields.crc}. */
  crc: number;
}

/** Fields of a RUN record; stamps and `cpu` in ns. */
export interface RunFields {
  chan: number;
  job: number;
  index: number;
  t0: number;
  t1: number;
  /** NaN where the worker did not read its CPU clock (tiny tasks are sampled). */
  cpu: number;
  /** Run-queue wait of the computing thread outside `blocked`; NaN where not read (or older traces). */
  wait: number;
  /** CPU time of the whole worker process (every thread); NaN where not read. */
  pcpu: number;
  /** Time blocked inside multiprocessing calls the task made; NaN in older traces. */
  blocked: number;
  /** The record's flags: RUN_SAMPLE (1) where the clocks were read as the worker's one-in-16 sample. */
  flags: number;
  /** Time in garbage collection inside the task (outside `blocked`); NaN in older traces. */
  gc: number;
}

/** RUN flag: a fair sample of the tasks whose clocks were not read (docs/trace-format.md). */
export const RUN_SAMPLE = 1;

export function newSendFields(): SendFields {
  return {
    chan: 0,
    job: 0,
    index: 0,
    bytes: 0,
    t0: 0,
    t1: 0,
    t2: 0,
    items: 0,
    call: 0,
    kind: 0,
    ok: 0,
    crc: 0,
  };
}

export function newRecvFields(): RecvFields {
  return { chan: 0, job: 0, index: 0, bytes: 0, t0: 0, t1: 0, kind: 0, ok: 0, crc: 0 };
}

export function newRunFields(): RunFields {
  return { chan: 0, job: 0, index: 0, t0: 0, t1: 0, cpu: 0, wait: 0, pcpu: 0, blocked: 0, flags: 0, gc: 0 };
}

/** Reads the SEND record at `offset` (its length word) into `into`. */
export function readSend(view: DataView, offset: number, into: SendFields = newSendFields()): SendFields {
  const p = offset + RECORD_HEADER_SIZE;
  into.chan = readU64(view, p);
  into.job = readI64(view, p + 8);
  into.index = readI64(view, p + 16);
  into.bytes = readU64(view, p + 24);
  into.t0 = readU64(view, p + 32);
  into.t1 = readU64(view, p + 40);
  into.t2 = readU64(view, p + 48);
  into.items = view.getUint32(p + 56, true);
  into.call = view.getUint32(p + 60, true);
  into.kind = view.getUint8(p + 64);
  into.ok = view.getUint8(p + 65);
  into.crc = view.getUint32(p + 68, true);
  return into;
}

/** Reads the RECV record at `offset` into `into`. */
export function readRecv(view: DataView, offset: number, into: RecvFields = newRecvFields()): RecvFields {
  const p = offset + RECORD_HEADER_SIZE;
  into.chan = readU64(view, p);
  into.job = readI64(view, p + 8);
  into.index = readI64(view, p + 16);
  into.bytes = readU64(view, p + 24);
  into.t0 = readU64(view, p + 32);
  into.t1 = readU64(view, p + 40);
  into.kind = view.getUint8(p + 48);
  into.ok = view.getUint8(p + 49);
  into.crc = view.getUint32(p + 52, true);
  return into;
}

/** RUN's `cpu` when the worker did not read its CPU clock: all bits set. */
function isNoCpu(view: DataView, at: number): boolean {
  return view.getUint32(at, true) === 0xffffffff && view.getUint32(at + 4, true) === 0xffffffff;
}

/** Reads the RUN record at `offset` into `into`. */
export function readRun(view: DataView, offset: number, into: RunFields = newRunFields()): RunFields {
  const p = offset + RECORD_HEADER_SIZE;
  into.chan = readU64(view, p);
  into.job = readI64(view, p + 8);
  into.index = readI64(view, p + 16);
  into.t0 = readU64(view, p + 24);
  into.t1 = readU64(view, p + 32);
  into.cpu = isNoCpu(view, p + 40) ? NaN : readU64(view, p + 40);
  // Older traces end here (48 bytes of payload).
  const payload = view.getUint32(offset, true) - RECORD_HEADER_SIZE;
  const long = payload >= RUN_PAYLOAD_SIZE_V2;
  into.wait = long && !isNoCpu(view, p + 48) ? readU64(view, p + 48) : NaN;
  into.pcpu = long && !isNoCpu(view, p + 56) ? readU64(view, p + 56) : NaN;
  into.blocked = long ? readU64(view, p + 64) : NaN;
  into.flags = view.getUint16(offset + 6, true);
  into.gc = payload >= RUN_PAYLOAD_SIZE_V3 ? readU64(view, p + 72) : NaN;
  return into;
}
