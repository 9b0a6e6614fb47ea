/**
 * The model's origin (buildProcesses' `originNs`) while a trace streams past, so that the stream
 * join can turn stamps into ms as it reads them rather than convert whole columns at the end.
 *
 * The origin is the main process's agent start: the `agentStart` of the first `process` META in the
 * first stream whose `process` META says role `main` (else that stream's start). Streams are read
 * in order, so once such a META is read no earlier stream can hold one: the origin is known for
 * sure. Before that (or in a trace without one) it is not known, and stamps stay in ns.
 */
import { num } from '../trace';
import type { MetaRecord, StreamInfo } from '../trace';

export class OriginWatch {
  /** The origin in ns; NaN while not known for sure. */
  ns = NaN;
  private readonly firstProcess: (MetaRecord | undefined)[] = [];

  /** Learns from the next META read; `streams` holds its stream. */
  learn(m: MetaRecord, streams: readonly StreamInfo[]): void {
    if (m.k !== 'process') return;
    const first = (this.firstProcess[m.stream] ??= m);
    if (Number.isNaN(this.ns) && m.data.role === 'main') {
      this.ns = num(first.data, 'agentStart') ?? streams[m.stream].start;
    }
  }
}
