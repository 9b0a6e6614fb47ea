/**
 * The portable `.pstrace` container: one file holding every stream of a run directory, each
 * stream's segments concatenated with their headers dropped (docs/trace-format.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CONTAINER_MAGIC,
  CONTAINER_VERSION,
  SEGMENT_FILE_RE,
  SEGMENT_HEADER_SIZE,
  STREAM_NAME_RE,
  versionError,
  parseRecords,
  emptyRecords,
  readU64,
  type TraceRecords,
} from '../trace';
import { parseSegmentHeader } from './traceReader';

export interface PackResult {
  streams: number;
  /** Size of the container written, bytes. */
  bytes: number;
  warnings: string[];
}

/**
 * Packs a run directory into a `.pstrace` file. Only whole, valid records are copied: each
 * segment's records up to its first zero length word (or corrupt record, reported in `warnings`).
 */
export function packRunDir(dir: string, outFile: string): PackResult {
  const segments = new Map<string, number[]>();
  for (const file of fs.readdirSync(dir)) {
    const m = SEGMENT_FILE_RE.exec(file);
    if (!m) continue;
    const list = segments.get(m[1]) ?? [];
    list.push(Number(m[4]));
    segments.set(m[1], list);
  }
  const names = [...segments.keys()].sort();
  const scratch = emptyRecords();
  const fd = fs.openSync(outFile, 'w');
  let written = 0;
  const write = (bytes: Uint8Array): void => {
    fs.writeSync(fd, bytes);
    written += bytes.length;
  };
  try {
    const head = new Uint8Array(16);
    head.set(Buffer.from(CONTAINER_MAGIC, 'latin1'));
    new DataView(head.buffer).setUint32(8, CONTAINER_VERSION, true);
    new DataView(head.buffer).setUint32(12, names.length, true);
    write(head);
    for (const name of names) {
      const pieces: Uint8Array[] = [];
      const present = new Set(segments.get(name));
      // Segments in order from 0; a gap ends the stream (what follows cannot be placed).
      for (let seg = 0; present.has(seg); seg++) {
        const label = `${name}.${seg}.bin`;
        const bytes = new Uint8Array(fs.readFileSync(path.join(dir, label)));
        const header = parseSegmentHeader(bytes, label);
        if (!header) break; // created but not yet written
        const start = Math.max(header.headerSize, SEGMENT_HEADER_SIZE);
        const limit = Math.min(header.size, bytes.length);
        const target = { stream: 0, label, baseOffset: 0, out: scratch };
        const { pos } = parseRecords(bytes, start, limit, target);
        pieces.push(bytes.subarray(start, pos));
      }
      const nameBytes = Buffer.from(name, 'utf8');
      const dataLength = pieces.reduce((n, p) => n + p.length, 0);
      const frame = new DataView(new ArrayBuffer(4 + nameBytes.length + 8));
      frame.setUint32(0, nameBytes.length, true);
      new Uint8Array(frame.buffer).set(nameBytes, 4);
      frame.setBigUint64(4 + nameBytes.length, BigInt(dataLength), true);
      write(new Uint8Array(frame.buffer));
      for (const p of pieces) write(p);
      scratch.metas.length = 0;
      scratch.chunks.length = 0;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { streams: names.length, bytes: written, warnings: scratch.warnings };
}

/** Reads a `.pstrace` file. Throws for another magic or a newer container version. */
export function readContainer(file: string): TraceRecords {
  const buf = fs.readFileSync(file); // a view on it, not a copy: the file can be hundreds of MB
  return readContainerBytes(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path.basename(file));
}

/** Reads a `.pstrace` container held in memory; records point into `bytes` (no copy). */
export function readContainerBytes(bytes: Uint8Array, label = 'trace'): TraceRecords {
  const magic = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
  if (bytes.length < 16 || magic !== CONTAINER_MAGIC) {
    throw new Error(`${label} is not a PoolScope trace (.pstrace) file`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== CONTAINER_VERSION) throw versionError('trace container', version, CONTAINER_VERSION);
  const count = view.getUint32(12, true);
  const out = emptyRecords();
  let pos = 16;
  for (let i = 0; i < count; i++) {
    if (pos + 4 > bytes.length) {
      out.warnings.push(`${label}: truncated after ${i} of ${count} streams`);
      break;
    }
    const nameLength = view.getUint32(pos, true);
    if (pos + 4 + nameLength + 8 > bytes.length) {
      out.warnings.push(`${label}: truncated after ${i} of ${count} streams`);
      break;
    }
    const name = Buffer.from(bytes.subarray(pos + 4, pos + 4 + nameLength)).toString('utf8');
    const dataLength = readU64(view, pos + 4 + nameLength);
    const start = pos + 4 + nameLength + 8;
    const m = STREAM_NAME_RE.exec(name);
    if (!m) out.warnings.push(`${label}: stream name ${JSON.stringify(name)} is not ev-<pid>-<start>`);
    out.streams.push({ index: i, name, pid: m ? Number(m[1]) : 0, start: m ? Number(m[2]) : 0 });
    const end = start + dataLength;
    const target = { stream: i, label: `${label}/${name}`, baseOffset: -start, out };
    const result = parseRecords(bytes, start, end, target);
    if (result.reason === 'short' || end > bytes.length) {
      out.warnings.push(`${label}/${name}: truncated (${bytes.length - start} of ${dataLength} bytes)`);
      break;
    }
    pos = end;
  }
  return out;
}
