/**
 * A trace WRITER for tests, written from docs/trace-format.md alone (it imports nothing from
 * src/core), so the reader is checked against the contract rather than against itself. It encodes
 * records, lays them out in segment files the way the agent does (header, zero fill, segment
 * sizes 256 KiB ×4 up to 16 MiB), writes them live (payload first, length word last) and packs
 * `.pstrace` containers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type Stamp = number | bigint;

export interface SendRecord {
  chan: number;
  job?: number;
  index?: number;
  bytes: number;
  t0: Stamp;
  t1: Stamp;
  t2: Stamp;
  items?: number;
  call?: number;
  kind: number;
  ok?: number;
  /** Plain messages: crc32 of the pickled bytes (the sampling key); 0 if absent. */
  crc?: number;
}

export interface RecvRecord {
  chan: number;
  job?: number;
  index?: number;
  bytes: number;
  t0: Stamp;
  t1: Stamp;
  kind: number;
  ok?: number;
  crc?: number;
}

export interface RunRecord {
  chan: number;
  job: number;
  index?: number;
  t0: Stamp;
  t1: Stamp;
  cpu: Stamp;
  /** Present: a RUN of 72 payload bytes (run-queue wait, process CPU, blocked); absent: 48, as older traces. */
  wait?: Stamp;
  pcpu?: Stamp;
  blocked?: Stamp;
  /** The record header's flags (RUN_SAMPLE = 1). */
  flags?: number;
}

const big = (v: Stamp): bigint => (typeof v === 'bigint' ? v : BigInt(Math.round(v)));

/** Frames a payload: u32 length (a multiple of 8, header included), u16 type, u16 flags 0. */
export function frame(type: number, payload: Uint8Array, flags = 0): Uint8Array {
  const length = Math.ceil((8 + payload.length) / 8) * 8;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  view.setUint32(0, length, true);
  view.setUint16(4, type, true);
  view.setUint16(6, flags, true);
  out.set(payload, 8);
  return out;
}

export function encodeMeta(obj: Record<string, unknown>): Uint8Array {
  return frame(1, new TextEncoder().encode(JSON.stringify(obj)));
}

export function encodeSend(r: SendRecord): Uint8Array {
  const p = new DataView(new ArrayBuffer(72));
  p.setBigUint64(0, BigInt(r.chan), true);
  p.setBigInt64(8, BigInt(r.job ?? -1), true);
  p.setBigInt64(16, BigInt(r.index ?? -1), true);
  p.setBigUint64(24, BigInt(r.bytes), true);
  p.setBigUint64(32, big(r.t0), true);
  p.setBigUint64(40, big(r.t1), true);
  p.setBigUint64(48, big(r.t2), true);
  p.setUint32(56, r.items ?? 0, true);
  p.setUint32(60, r.call ?? 0, true);
  p.setUint8(64, r.kind);
  p.setUint8(65, r.ok ?? 0);
  p.setUint32(68, r.crc ?? 0, true);
  return frame(2, new Uint8Array(p.buffer));
}

export function encodeRecv(r: RecvRecord): Uint8Array {
  const p = new DataView(new ArrayBuffer(56));
  p.setBigUint64(0, BigInt(r.chan), true);
  p.setBigInt64(8, BigInt(r.job ?? -1), true);
  p.setBigInt64(16, BigInt(r.index ?? -1), true);
  p.setBigUint64(24, BigInt(r.bytes), true);
  p.setBigUint64(32, big(r.t0), true);
  p.setBigUint64(40, big(r.t1), true);
  p.setUint8(48, r.kind);
  p.setUint8(49, r.ok ?? 0);
  p.setUint32(52, r.crc ?? 0, true);
  return frame(3, new Uint8Array(p.buffer));
}

/** RUN's value for a clock that was not read: all bits set. */
const NO_CPU_STAMP = 0xffffffffffffffffn;

export function encodeRun(r: RunRecord): Uint8Array {
  const long = r.wait !== undefined || r.pcpu !== undefined || r.blocked !== undefined;
  const p = new DataView(new ArrayBuffer(long ? 72 : 48));
  p.setBigUint64(0, BigInt(r.chan), true);
  p.setBigInt64(8, BigInt(r.job), true);
  p.setBigInt64(16, BigInt(r.index ?? -1), true);
  p.setBigUint64(24, big(r.t0), true);
  p.setBigUint64(32, big(r.t1), true);
  p.setBigUint64(40, big(r.cpu), true);
  if (long) {
    p.setBigUint64(48, big(r.wait ?? NO_CPU_STAMP), true);
    p.setBigUint64(56, big(r.pcpu ?? NO_CPU_STAMP), true);
    p.setBigUint64(64, big(r.blocked ?? 0n), true);
  }
  return frame(4, new Uint8Array(p.buffer), r.flags ?? 0);
}

/** One process's records, in the order it wrote them. */
export class StreamWriter {
  readonly records: Uint8Array[] = [];

  constructor(
    readonly pid: number,
    readonly start: bigint,
  ) {}

  get name(): string {
    return `ev-${this.pid}-${this.start}`;
  }

  meta(obj: Record<string, unknown>): this {
    this.records.push(encodeMeta(obj));
    return this;
  }

  send(r: SendRecord): this {
    this.records.push(encodeSend(r));
    return this;
  }

  recv(r: RecvRecord): this {
    this.records.push(encodeRecv(r));
    return this;
  }

  run(r: RunRecord): this {
    this.records.push(encodeRun(r));
    return this;
  }

  /** Any framed record (e.g. an unknown type, or deliberately corrupt bytes). */
  raw(bytes: Uint8Array): this {
    this.records.push(bytes);
    return this;
  }

  bytes(): Uint8Array {
    return concat(this.records);
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The contract's segment sizes: 256 KiB, then ×4 each time, up to 16 MiB. */
export function specSegmentSize(segment: number): number {
  return Math.min(256 * 1024 * 4 ** segment, 16 * 1024 * 1024);
}

export function segmentHeader(
  pid: number,
  segment: number,
  size: number,
  start: bigint,
  version = 1,
): Uint8Array {
  const h = new Uint8Array(64);
  h.set(new TextEncoder().encode('PSEV'), 0);
  const v = new DataView(h.buffer);
  v.setUint16(4, version, true);
  v.setUint16(6, 64, true);
  v.setUint32(8, pid, true);
  v.setUint32(12, segment, true);
  v.setBigUint64(16, BigInt(size), true);
  v.setBigUint64(24, start, true);
  return h;
}

export interface LayoutOptions {
  /** Segment size for segment n (default: the contract's). */
  segmentSize?: (segment: number) => number;
  version?: number;
}

/** Writes finished segment files for the streams into `dir` (created if needed). */
export function writeRunDir(
  dir: string,
  streams: readonly StreamWriter[],
  options: LayoutOptions = {},
): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const s of streams) {
    const live = new LiveStream(dir, s.pid, s.start, options);
    for (const r of s.records) live.append(r);
  }
}

/**
 * Writes one process's segments the way the agent's mmap writer does: each segment created at its
 * full size, zero-filled, header first; each record's payload written before its length word.
 */
export class LiveStream {
  segment = -1;
  private offset = 0;
  private size = 0;

  constructor(
    readonly dir: string,
    readonly pid: number,
    readonly start: bigint,
    private readonly options: LayoutOptions = {},
  ) {
    this.openSegment(0);
  }

  file(segment = this.segment): string {
    return path.join(this.dir, `ev-${this.pid}-${this.start}.${segment}.bin`);
  }

  private openSegment(n: number): void {
    this.size = (this.options.segmentSize ?? specSegmentSize)(n);
    const fd = fs.openSync(this.file(n), 'w');
    fs.ftruncateSync(fd, this.size);
    fs.writeSync(fd, segmentHeader(this.pid, n, this.size, this.start, this.options.version), 0, 64, 0);
    fs.closeSync(fd);
    this.segment = n;
    this.offset = 64;
  }

  /** Leaves the current segment for the next one, as the writer does when a record does not fit. */
  rollover(): void {
    this.openSegment(this.segment + 1);
  }

  append(record: Uint8Array): void {
    if (this.offset + record.length > this.size) this.openSegment(this.segment + 1);
    if (this.offset + record.length > this.size) throw new Error('record larger than a segment');
    const fd = fs.openSync(this.file(), 'r+');
    fs.writeSync(fd, record, 4, record.length - 4, this.offset + 4);
    fs.writeSync(fd, record, 0, 4, this.offset);
    fs.closeSync(fd);
    this.offset += record.length;
  }

  /** Writes a record's payload only (the writer is "in the middle" of it). */
  appendPayloadOnly(record: Uint8Array): void {
    const fd = fs.openSync(this.file(), 'r+');
    fs.writeSync(fd, record, 4, record.length - 4, this.offset + 4);
    fs.closeSync(fd);
  }

  /** Overwrites bytes at an absolute offset of the current segment. */
  poke(offset: number, bytes: Uint8Array): void {
    const fd = fs.openSync(this.file(), 'r+');
    fs.writeSync(fd, bytes, 0, bytes.length, offset);
    fs.closeSync(fd);
  }

  get position(): number {
    return this.offset;
  }
}

/** Packs streams into a `.pstrace` container (records of all segments, headers dropped). */
export function encodeContainer(streams: readonly StreamWriter[], version = 1): Uint8Array {
  const parts: Uint8Array[] = [];
  const head = new Uint8Array(16);
  head.set(new TextEncoder().encode('PSTRACE\0'), 0);
  new DataView(head.buffer).setUint32(8, version, true);
  new DataView(head.buffer).setUint32(12, streams.length, true);
  parts.push(head);
  for (const s of streams) {
    const name = new TextEncoder().encode(s.name);
    const data = s.bytes();
    const f = new DataView(new ArrayBuffer(4 + name.length + 8));
    f.setUint32(0, name.length, true);
    new Uint8Array(f.buffer).set(name, 4);
    f.setBigUint64(4 + name.length, BigInt(data.length), true);
    parts.push(new Uint8Array(f.buffer), data);
  }
  return concat(parts);
}
