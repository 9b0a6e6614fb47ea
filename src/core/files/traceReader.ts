/**
 * Reads a live run directory of per-process segment files (`ev-<pid>-<start>.<n>.bin`) the way the
 * agent writes them: mmap-ed, zero-filled, records appearing as their length word is written.
 * {@link TraceTail} remembers where it stopped in every stream, so each `poll()` returns only what
 * is new: the live panel polls; the CLI polls once after the run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  FORMAT_VERSION,
  SEGMENT_FILE_RE,
  SEGMENT_HEADER_SIZE,
  SEGMENT_MAGIC,
  versionError,
  parseRecords,
  emptyRecords,
  readU64,
  type StreamInfo,
  type TraceRecords,
} from '../trace';

export interface TraceTailOptions {
  /** Bytes read per step from a segment (grown when a record is larger). Default 64 KiB. */
  readWindow?: number;
}

/** Where the reader stands in one stream. */
interface StreamCursor {
  info: StreamInfo;
  segment: number;
  /** File offset of the next record in `segment`; 0 while its header is unread. */
  offset: number;
  /** The segment's size from its header; 0 while unread. */
  size: number;
}

/** A parsed segment header. */
export interface SegmentHeader {
  version: number;
  headerSize: number;
  pid: number;
  segment: number;
  size: number;
  start: number;
}

/**
 * Validates a segment header. Returns undefined while the header is not written yet (all zero
 * magic, or fewer than 64 bytes); throws for another magic or a newer version.
 */
export function parseSegmentHeader(bytes: Uint8Array, label: string): SegmentHeader | undefined {
  if (bytes.length < SEGMENT_HEADER_SIZE) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) === 0) return undefined;
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== SEGMENT_MAGIC) {
    throw new Error(
      `${label} is not a PoolScope event file (magic ${JSON.stringify(magic)}, expected "PSEV")`,
    );
  }
  const version = view.getUint16(4, true);
  if (version !== FORMAT_VERSION) throw versionError('trace format', version, FORMAT_VERSION);
  return {
    version,
    headerSize: view.getUint16(6, true),
    pid: view.getUint32(8, true),
    segment: view.getUint32(12, true),
    size: readU64(view, 16),
    start: readU64(view, 24),
  };
}

/** Incremental reader of one run directory. */
export class TraceTail {
  private readonly cursors = new Map<string, StreamCursor>();
  private readonly readWindow: number;

  constructor(
    readonly dir: string,
    options: TraceTailOptions = {},
  ) {
    this.readWindow = options.readWindow ?? 64 * 1024;
  }

  /** All streams seen so far, by index. */
  get streams(): StreamInfo[] {
    return [...this.cursors.values()].map((c) => c.info);
  }

  /** Reads everything written since the last call. Throws on a foreign or newer file. */
  poll(): TraceRecords {
    const out = emptyRecords();
    for (const [name, first] of this.listStreams()) {
      if (!this.cursors.has(name)) {
        const m = /^ev-(\d+)-(\d+)$/.exec(name);
        const info: StreamInfo = {
          index: this.cursors.size,
          name,
          pid: Number(m?.[1]),
          start: Number(m?.[2]),
        };
        this.cursors.set(name, { info, segment: first, offset: 0, size: 0 });
        out.streams.push(info);
      }
    }
    for (const cursor of this.cursors.values()) this.advance(cursor, out);
    return out;
  }

  /** Stream names in the directory, each with its lowest segment number. */
  private listStreams(): Map<string, number> {
    const found = new Map<string, number>();
    for (const file of fs.readdirSync(this.dir).sort()) {
      const m = SEGMENT_FILE_RE.exec(file);
      if (!m) continue;
      const seg = Number(m[4]);
      const prev = found.get(m[1]);
      if (prev === undefined || seg < prev) found.set(m[1], seg);
    }
    return found;
  }

  private segmentPath(cursor: StreamCursor, segment: number): string {
    return path.join(this.dir, `${cursor.info.name}.${segment}.bin`);
  }

  /** Reads as far as the stream goes now, moving across segments the writer has left. */
  private advance(cursor: StreamCursor, out: TraceRecords): void {
    // Set once segment n+1 is seen: the writer has left segment n, so one more read of n is final.
    let nextExists = false;
    while (true) {
      const file = this.segmentPath(cursor, cursor.segment);
      const label = path.basename(file);
      let fd: number;
      try {
        fd = fs.openSync(file, 'r');
      } catch {
        return; // not there (yet)
      }
      let done: boolean;
      try {
        if (cursor.size === 0 && !this.readHeader(fd, cursor, label, out)) return;
        done = this.readRecords(fd, cursor, label, out);
      } finally {
        fs.closeSync(fd);
      }
      if (!done) return;
      if (!nextExists) {
        if (!fs.existsSync(this.segmentPath(cursor, cursor.segment + 1))) return;
        nextExists = true;
        continue; // read this segment once more: what was written before n+1 appeared is there now
      }
      cursor.segment += 1;
      cursor.offset = 0;
      cursor.size = 0;
      nextExists = false;
    }
  }

  private readHeader(fd: number, cursor: StreamCursor, label: string, out: TraceRecords): boolean {
    const bytes = new Uint8Array(SEGMENT_HEADER_SIZE);
    const n = fs.readSync(fd, bytes, 0, SEGMENT_HEADER_SIZE, 0);
    const header = parseSegmentHeader(bytes.subarray(0, n), label);
    if (!header) return false;
    if (header.headerSize < SEGMENT_HEADER_SIZE || header.size < header.headerSize) {
      out.warnings.push(
        `${label}: bad segment header (header ${header.headerSize} B, size ${header.size} B); skipped`,
      );
      cursor.offset = cursor.size = Math.max(header.size, 1);
      return true;
    }
    if (header.segment !== cursor.segment) {
      out.warnings.push(`${label}: header says segment ${header.segment}`);
    }
    cursor.size = header.size;
    cursor.offset = header.headerSize;
    return true;
  }

  /**
   * Parses records from the cursor on. Returns true when this segment holds nothing more (a zero
   * length word, its end, or corrupt data), false when a record is still being written.
   */
  private readRecords(fd: number, cursor: StreamCursor, label: string, out: TraceRecords): boolean {
    let window = this.readWindow;
    while (cursor.offset < cursor.size) {
      const want = Math.min(window, cursor.size - cursor.offset);
      const buf = new Uint8Array(want);
      const got = fs.readSync(fd, buf, 0, want, cursor.offset);
      const bytes = buf.subarray(0, got);
      const target = { stream: cursor.info.index, label, baseOffset: cursor.offset, out };
      const result = parseRecords(bytes, 0, cursor.size - cursor.offset, target);
      if (result.chunk && result.pos < want / 2) {
        // Do not keep a mostly-empty window alive for a few records.
        result.chunk.view = new DataView(buf.slice(0, result.pos).buffer);
      }
      cursor.offset += result.pos;
      switch (result.reason) {
        case 'zero':
          return true;
        case 'full':
          cursor.offset = cursor.size;
          return true;
        case 'corrupt':
          cursor.offset = cursor.size; // keep what came before; never re-read the rest
          return true;
        case 'short':
          if (got < want) return false; // the file ends before its declared size: wait for it
          if (result.pos === 0) window *= 2; // one record larger than the window
          break;
        default: {
          const never: never = result.reason;
          throw new Error(`unexpected stop ${String(never)}`);
        }
      }
    }
    return true;
  }
}

/** Reads a run directory as it is now, in one go. */
export function readRunDir(dir: string, options?: TraceTailOptions): TraceRecords {
  return new TraceTail(dir, options).poll();
}
