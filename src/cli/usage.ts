/**
 * CPU and memory of the profiled program's processes while `poolscope profile` runs it, for the
 * HTML report's usage charts: the panel's sampler (pidusage), watching each process as its trace
 * stream appears in the run directory.
 */
import * as fs from 'node:fs';
import { SEGMENT_FILE_RE } from '../core/trace';
import type { UsageSample } from '../core/export';
import { onTraceClock, PidSampler, type PidSample } from '../run/pidSampler';

const INTERVAL_MS = 250;

export class RunUsage {
  private readonly samples: PidSample[] = [];
  private readonly sampler = new PidSampler(INTERVAL_MS, (s) => this.samples.push(...s));
  private timer: NodeJS.Timeout | undefined;
  /** Watched once: the sampler drops a pid that has exited, and its stream file stays. */
  private readonly seen = new Set<number>();

  constructor(private readonly runDir: string) {}

  start(): void {
    this.timer = setInterval(() => {
      this.watchNewStreams();
      void this.sampler.tick();
    }, INTERVAL_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sampler.stop();
  }

  /** The samples on the trace's clock: ms after `originNs` (the model's origin). */
  samplesFrom(originNs: number): UsageSample[] {
    if (!originNs) return [];
    // A process that has exited but not been reaped reads 0 bytes resident: not a reading.
    return this.samples.filter((s) => s.memoryBytes > 0).map((s) => onTraceClock(s, originNs));
  }

  private watchNewStreams(): void {
    let files: string[];
    try {
      files = fs.readdirSync(this.runDir);
    } catch {
      return; // the run directory is made before the program starts; gone only after we stop
    }
    for (const f of files) {
      const m = SEGMENT_FILE_RE.exec(f);
      const pid = m ? Number(m[2]) : 0;
      if (m && !this.seen.has(pid)) {
        this.seen.add(pid);
        this.sampler.watch(pid);
      }
    }
  }
}
