/**
 * The one loop over framed records, shared by the run-directory reader and the container reader.
 * It walks `u32 length, u16 type, u16 flags` frames, decodes META JSON on the spot and lists the
 * offsets of SEND/RECV/RUN records for later decoding (see records.ts).
 */
import {
  FORMAT_VERSION,
  RECORD_ALIGN,
  RECORD_HEADER_SIZE,
  RECV_PAYLOAD_SIZE,
  RUN_PAYLOAD_SIZE,
  RecordType,
  SEND_PAYLOAD_SIZE,
  versionError,
} from './format';
import type { MetaRecord, RecordChunk, TraceRecords } from './records';

/** Why parsing stopped. */
export type StopReason =
  /** A zero length word: nothing more yet (or, in a container, the end of the stream). */
  | 'zero'
  /** The limit was reached: no further record fits in this segment. */
  | 'full'
  /** The next record runs past the bytes at hand, though it fits the segment: read more. */
  | 'short'
  /** A length that is not a multiple of 8, is below 8 or runs past the limit. */
  | 'corrupt';

export interface ParseResult {
  /** Where parsing stopped (buffer coordinates): the start of the record not consumed. */
  pos: number;
  reason: StopReason;
  /** The chunk added to `out.chunks`, if any binary record was found. */
  chunk?: RecordChunk;
}

export interface ParseTarget {
  /** Stream index the records belong to. */
  stream: number;
  /** Names the bytes in warnings, e.g. `ev-12-345.0.bin`. */
  label: string;
  /** File offset of buffer index 0, so warnings name file positions. */
  baseOffset: number;
  out: TraceRecords;
  /**
   * The chunk's offset lists may be views of buffers the next call reuses (a reader that is done
   * with a chunk before it parses more): no copy per chunk.
   */
  transient?: boolean;
}

const MIN_PAYLOAD: Record<number, number> = {
  [RecordType.Send]: SEND_PAYLOAD_SIZE,
  [RecordType.Recv]: RECV_PAYLOAD_SIZE,
  [RecordType.Run]: RUN_PAYLOAD_SIZE,
};

const utf8 = new TextDecoder('utf-8');

/** Offsets collected while parsing, reused from call to call; each chunk gets an exact copy. */
export class OffsetList {
  private data = new Uint32Array(1024);
  length = 0;

  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }

  /** What was pushed, as an exact-size copy or (`view`) a view the next push overwrites; empties the list. */
  take(view: boolean): Uint32Array {
    const out = view ? this.data.subarray(0, this.length) : this.data.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

const found = { sends: new OffsetList(), recvs: new OffsetList(), runs: new OffsetList() };

/**
 * Parses records from `bytes[pos…]`. `limit` is the end of the segment in buffer coordinates (it may
 * lie beyond `bytes.length` when only part of the segment was read). Throws only for a `run` META
 * declaring a newer format version.
 */
export function parseRecords(
  bytes: Uint8Array,
  pos: number,
  limit: number,
  target: ParseTarget,
): ParseResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const have = Math.min(limit, bytes.byteLength);
  found.sends.length = found.recvs.length = found.runs.length = 0; // a throw may have left some
  let reason: StopReason = 'full';
  while (true) {
    if (pos + RECORD_HEADER_SIZE > limit) break; // nothing more fits in the segment
    if (pos + RECORD_HEADER_SIZE > have) {
      reason = 'short';
      break;
    }
    const length = view.getUint32(pos, true);
    if (length === 0) {
      reason = 'zero';
      break;
    }
    if (length < RECORD_HEADER_SIZE || length % RECORD_ALIGN !== 0 || pos + length > limit) {
      target.out.warnings.push(
        `${target.label}: corrupt record length ${length} at byte ${target.baseOffset + pos}; ` +
          'the rest of this segment was skipped',
      );
      reason = 'corrupt';
      break;
    }
    if (pos + length > have) {
      reason = 'short';
      break;
    }
    const type = view.getUint16(pos + 4, true);
    const min = MIN_PAYLOAD[type];
    if (type === RecordType.Meta) {
      const meta = decodeMeta(bytes, pos, length, target);
      if (meta) target.out.metas.push(meta);
    } else if (min !== undefined && length - RECORD_HEADER_SIZE < min) {
      target.out.warnings.push(
        `${target.label}: record of type ${type} at byte ${target.baseOffset + pos} is too short ` +
          `(${length} bytes); skipped`,
      );
    } else if (type === RecordType.Send) {
      found.sends.push(pos);
    } else if (type === RecordType.Recv) {
      found.recvs.push(pos);
    } else if (type === RecordType.Run) {
      found.runs.push(pos);
    } // any other type: skipped by its length (forward compatibility within version 1)
    pos += length;
  }
  if (found.sends.length + found.recvs.length + found.runs.length === 0) return { pos, reason };
  const transient = target.transient === true;
  const chunk: RecordChunk = {
    stream: target.stream,
    view,
    sends: found.sends.take(transient),
    recvs: found.recvs.take(transient),
    runs: found.runs.take(transient),
  };
  target.out.chunks.push(chunk);
  return { pos, reason, chunk };
}

function decodeMeta(
  bytes: Uint8Array,
  pos: number,
  length: number,
  target: ParseTarget,
): MetaRecord | undefined {
  const payload = bytes.subarray(pos + RECORD_HEADER_SIZE, pos + length);
  const nul = payload.indexOf(0);
  let data: unknown;
  try {
    data = JSON.parse(utf8.decode(nul < 0 ? payload : payload.subarray(0, nul)));
  } catch {
    target.out.warnings.push(
      `${target.label}: META at byte ${target.baseOffset + pos} is not valid JSON; skipped`,
    );
    return undefined;
  }
  if (
    typeof data !== 'object' ||
    data === null ||
    Array.isArray(data) ||
    typeof (data as { k?: unknown }).k !== 'string'
  ) {
    target.out.warnings.push(`${target.label}: META at byte ${target.baseOffset + pos} has no kind; skipped`);
    return undefined;
  }
  const obj = data as Record<string, unknown>;
  if (obj.k === 'run' && typeof obj.formatVersion === 'number' && obj.formatVersion > FORMAT_VERSION) {
    throw versionError('trace format', obj.formatVersion, FORMAT_VERSION);
  }
  return { stream: target.stream, k: obj.k as string, t: typeof obj.t === 'number' ? obj.t : 0, data: obj };
}
