import pidusage from 'pidusage';

export interface PidSample {
  pid: number;
  /**
   * CLOCK_MONOTONIC in ns, the clock of the trace's stamps (Python's perf_counter_ns and Node's
   * hrtime are both CLOCK_MONOTONIC on Linux), so samples line up with the timeline.
   */
  monoNs: number;
  /** Percent of one core (100 = one core busy). */
  cpu: number;
  memoryBytes: number;
}

/** A sample on the trace's clock: `t` in ms after `originNs` (the model's origin). */
export function onTraceClock(
  s: PidSample,
  originNs: number,
): { pid: number; t: number; cpu: number; memoryBytes: number } {
  return { pid: s.pid, t: (s.monoNs - originNs) / 1e6, cpu: s.cpu, memoryBytes: s.memoryBytes };
}

/**
 * Samples CPU and memory of the processes a run registered, every `intervalMs`. A pid that has
 * exited is dropped quietly: processes come and go during a run, that is not an error.
 */
export class PidSampler {
  private readonly pids = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly intervalMs: number,
    private readonly onSamples: (samples: PidSample[]) => void,
  ) {}

  watch(pid: number): void {
    this.pids.add(pid);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
  }

  async tick(): Promise<void> {
    // A slow /proc read must not pile up calls behind it.
    if (this.busy || this.pids.size === 0) return;
    this.busy = true;
    try {
      const monoNs = Number(process.hrtime.bigint());
      const samples: PidSample[] = [];
      await Promise.all(
        [...this.pids].map(async (pid) => {
          try {
            const s = await pidusage(pid);
            samples.push({ pid, monoNs, cpu: s.cpu, memoryBytes: s.memory });
          } catch {
            this.pids.delete(pid);
          }
        }),
      );
      if (samples.length > 0) this.onSamples(samples.sort((a, b) => a.pid - b.pid));
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    pidusage.clear();
  }
}
