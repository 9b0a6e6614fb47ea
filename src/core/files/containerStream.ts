/**
 * Reads a `.pstrace` container a piece at a time instead of all at once: a million-task trace is
 * over 300 MB, and holding it while the model's columns are built was most of the host's peak
 * memory. Each piece's binary records are handed to `onChunk` while the piece is in memory; the
 * chunk's view and offset lists are only valid during that call (the next piece reuses their
 * buffers). What it returns is what {@link readContainer} returns, less the chunks: the same
 * streams, METAs and warnings in the same order, the warnings naming the same positions.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CONTAINER_MAGIC,
  CONTAINER_VERSION,
  STREAM_NAME_RE,
  versionError,
  parseRecords,
  emptyRecords,
  readU64,
  type RecordChunk,
  type TraceRecords,
} from '../trace';

/**
 * Bytes read at a time; a record larger than this grows the buffer. Small enough that a piece is
 * still in the CPU's cache when its records are parsed and then joined (16 MiB pieces were read
 * from memory twice), and that the buffer costs few page faults.
 */
export const PIECE_BYTES = 256 * 1024;

export function streamContainer(
  file: string,
  onChunk: (chunk: RecordChunk, out: TraceRecords) => void,
  pieceBytes = PIECE_BYTES,
): TraceRecords {
  const label = path.basename(file);
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const read = (at: number, length: number): Uint8Array => {
      const bytes = new Uint8Array(Math.max(0, Math.min(length, size - at)));
      fs.readSync(fd, bytes, 0, bytes.length, at);
      return bytes;
    };
    const head = read(0, 16);
    const magic = Buffer.from(head.subarray(0, 8)).toString('latin1');
    if (size < 16 || magic !== CONTAINER_MAGIC) {
      throw new Error(`${label} is not a PoolScope trace (.pstrace) file`);
    }
    const headView = new DataView(head.buffer);
    const version = headView.getUint32(8, true);
    if (version !== CONTAINER_VERSION) throw versionError('trace container', version, CONTAINER_VERSION);
    const count = headView.getUint32(12, true);
    const out = emptyRecords();
    const piece = { buf: new Uint8Array(Math.min(pieceBytes, size)) };
    let pos = 16;
    for (let i = 0; i < count; i++) {
      if (pos + 4 > size) {
        out.warnings.push(`${label}: truncated after ${i} of ${count} streams`);
        break;
      }
      const nameLength = new DataView(read(pos, 4).buffer).getUint32(0, true);
      if (pos + 4 + nameLength + 8 > size) {
        out.warnings.push(`${label}: truncated after ${i} of ${count} streams`);
        break;
      }
      const frame = read(pos + 4, nameLength + 8);
      const name = Buffer.from(frame.subarray(0, nameLength)).toString('utf8');
      const dataLength = readU64(new DataView(frame.buffer), nameLength);
      const start = pos + 4 + nameLength + 8;
      const m = STREAM_NAME_RE.exec(name);
      if (!m) out.warnings.push(`${label}: stream name ${JSON.stringify(name)} is not ev-<pid>-<start>`);
      out.streams.push({ index: i, name, pid: m ? Number(m[1]) : 0, start: m ? Number(m[2]) : 0 });
      const end = start + dataLength;
      const short = readStream(
        fd,
        piece,
        start,
        end,
        size,
        { stream: i, label: `${label}/${name}` },
        out,
        onChunk,
      );
      if (short || end > size) {
        out.warnings.push(`${label}/${name}: truncated (${size - start} of ${dataLength} bytes)`);
        break;
      }
      pos = end;
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Parses one stream's data, file bytes [start, end), piece by piece. A record that straddles two
 * pieces is carried to the front of the next. Returns true when the file ends inside a record
 * (what the whole-file reader reports as a 'short' stop).
 */
function readStream(
  fd: number,
  piece: { buf: Uint8Array },
  start: number,
  end: number,
  size: number,
  names: { stream: number; label: string },
  out: TraceRecords,
  onChunk: (chunk: RecordChunk, out: TraceRecords) => void,
): boolean {
  const stop = Math.min(end, size);
  let at = start; // file offset of piece.buf[0]
  let have = 0; // bytes of the stream in piece.buf
  while (true) {
    const want = Math.min(piece.buf.length - have, stop - (at + have));
    if (want > 0) have += fs.readSync(fd, piece.buf, have, want, at + have);
    // transient: the chunk is handed on and done with before the next parse (see onChunk).
    const target = { stream: names.stream, label: names.label, baseOffset: at - start, out, transient: true };
    // The limit is the stream's end in buffer coordinates, as if the whole stream were at hand.
    const result = parseRecords(piece.buf.subarray(0, have), 0, end - at, target);
    if (result.chunk) {
      out.chunks.pop();
      onChunk(result.chunk, out);
    }
    if (result.reason !== 'short') return false;
    if (at + have >= stop) return true; // the file ends inside this record
    if (result.pos === 0 && have === piece.buf.length) {
      // One record larger than the buffer.
      const bigger = new Uint8Array(piece.buf.length * 2);
      bigger.set(piece.buf);
      piece.buf = bigger;
      continue;
    }
    piece.buf.copyWithin(0, result.pos, have);
    have -= result.pos;
    at += result.pos;
  }
}
