/**
 * Constants of trace format version 1 (docs/trace-format.md): the binary layout the Python agent
 * writes and this core reads. Offsets are in bytes from the start of a record's payload.
 */

/** The record and segment format version this core understands. */
export const FORMAT_VERSION = 1;
/** The `.pstrace` container version this core understands. */
export const CONTAINER_VERSION = 1;

/** `PSEV`, the first four bytes of every segment file. */
export const SEGMENT_MAGIC = 'PSEV';
/** Size of a version-1 segment header; records start here. */
export const SEGMENT_HEADER_SIZE = 64;
/** `PSTRACE\0`, the first eight bytes of a `.pstrace` container. */
export const CONTAINER_MAGIC = 'PSTRACE\0';

/** Every record starts with `u32 length, u16 type, u16 flags`. */
export const RECORD_HEADER_SIZE = 8;
/** Records are 8-byte aligned: a length must be a multiple of this. */
export const RECORD_ALIGN = 8;

export const RecordType = {
  Meta: 1,
  Send: 2,
  Recv: 3,
  Run: 4,
} as const;

/** `kind` of a SEND/RECV: what the message carried. */
export const MessageKind = {
  Message: 0,
  PoolTask: 1,
  PoolResult: 2,
  ExecutorTask: 3,
  ExecutorResult: 4,
  Control: 5,
} as const;

/** Payload sizes; a longer payload is allowed (fields appended later in version 1). */
export const SEND_PAYLOAD_SIZE = 72;
export const RECV_PAYLOAD_SIZE = 56;
export const RUN_PAYLOAD_SIZE = 48;
/** RUN with `wait`, `pcpu` and `blocked` (docs/trace-format.md). */
export const RUN_PAYLOAD_SIZE_V2 = 72;
/** RUN with `gc` too. */
export const RUN_PAYLOAD_SIZE_V3 = 80;

/** Matches a segment file name: `ev-<pid>-<start>.<segment>.bin`. */
export const SEGMENT_FILE_RE = /^(ev-(\d+)-(\d+))\.(\d+)\.bin$/;
/** Matches a stream name (segment 0's file name without `.0.bin`). */
export const STREAM_NAME_RE = /^ev-(\d+)-(\d+)$/;

/** Builds the error thrown for a version this core does not understand. */
export function versionError(what: string, found: number, supported: number): Error {
  if (found > supported) {
    return new Error(
      `${what} version ${found} is newer than this PoolScope understands (${supported}); update PoolScope`,
    );
  }
  return new Error(`${what} version ${found} is not supported (this PoolScope understands ${supported})`);
}
