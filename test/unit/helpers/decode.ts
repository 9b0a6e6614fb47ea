/** Flattens read records into plain objects, for assertions. */
import {
  readRecv,
  readRun,
  readSend,
  type RecvFields,
  type RunFields,
  type SendFields,
  type TraceRecords,
} from '../../../src/core/trace/records';

export interface Decoded {
  sends: (SendFields & { stream: number })[];
  recvs: (RecvFields & { stream: number })[];
  runs: (RunFields & { stream: number })[];
}

export function decodeAll(records: TraceRecords): Decoded {
  const out: Decoded = { sends: [], recvs: [], runs: [] };
  for (const c of records.chunks) {
    for (const o of c.sends) out.sends.push({ stream: c.stream, ...readSend(c.view, o) });
    for (const o of c.recvs) out.recvs.push({ stream: c.stream, ...readRecv(c.view, o) });
    for (const o of c.runs) out.runs.push({ stream: c.stream, ...readRun(c.view, o) });
  }
  return out;
}
