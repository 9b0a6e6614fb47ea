/**
 * Live ingestion: does the extension host keep up with a run writing 200 000 events/s, and how
 * long does reading it block the host's event loop?
 *
 *   node --import tsx bench/liveIngest.ts [--tasks N] [--rate EVENTS_PER_S]
 *
 * A worker thread replays a synthetic Pool trace (bench/loadTrace.ts's, N tasks, 5 records each)
 * into a run directory at the given rate, laid out as the agent writes it (segment files, a
 * record's length word written last). The main thread reads it as the live panel does: through
 * LiveIngestThread, which runs LiveIngest (src/host/run/liveIngest.ts: TraceTail.poll → appendRecords
 * → buildModel → the panel's deltas, an interim analysis once a second) on a worker thread and
 * hands the host only the panel's messages (--in-thread: LiveIngest on the host's own thread, as
 * before) — while perf_hooks'
 * monitorEventLoopDelay samples how late the event loop runs. Figures: how far behind the writer
 * the panel fell (the longest, over the run and until it has every task; the target is issue 3's
 * 250 ms) and the event-loop delay (p99, max); the rate the writer achieved is printed with them.
 *
 * Prints one `BENCH {json}` line for bench/run.ts.
 */
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { MessageKind, RecordType } from '../src/core/trace/format';
import { newRecvFields, readRecv, readU64, RUN_T1_AT, SEND_T2_AT } from '../src/core/trace/records';
import { LiveIngest } from '../src/host/run/liveIngest';
import { LiveIngestThread } from '../src/host/run/liveIngestThread';
import type { ToWebview } from '../src/shared/protocol';
import { segmentHeader, specSegmentSize } from '../test/unit/helpers/traceWriter';
import { syntheticTrace } from './syntheticTrace';

const TARGET_RATE = 200_000;
/**
 * Keeping up: issue 3 asks the live panel to be at most 250 ms behind the run; at 200 000
 * events/s that is what "keeps up" must mean. Behind = how long ago the writer had written as
 * many whole tasks as the panel has received.
 */
const TARGET_BEHIND_MS = 250;
/**
 * The host counts as blocked when its event loop stalls longer than this (input to other
 * extensions then waits visibly). The longest stall is the figure: a percentile of the delay
 * histogram hides a one-second stall among thousands of 5 ms samples.
 */
const TARGET_STALL_MS = 100;

interface ReplayStream {
  name: string;
  /** The stream's records, back to back (length-framed, as in a segment). */
  bytes: Uint8Array;
  /** Start offset of each record in `bytes`. */
  starts: number[];
}

/** A trace's streams with their records in the order of time, as a run writes them. */
interface Replay {
  streams: ReplayStream[];
  /** Per stream, each record's place among all records in order of time. */
  ranks: Int32Array[];
  /** Places of the parent's result RECVs (a task done), in order. */
  doneRanks: Int32Array;
}

/**
 * Puts every record in the order of its time (the stamp ending it; a META goes with the record
 * before it), within its stream and across streams. The synthetic trace lists a parent's task
 * SENDs before its results, where a run interleaves them as they happen: replayed in file order,
 * its results would reach the reader long after the workers' records of the same tasks.
 */
function timeOrdered(streams: ReplayStream[]): Replay {
  const all: { stream: number; at: number; t: number; done: boolean }[] = [];
  const recv = newRecvFields();
  streams.forEach((s, stream) => {
    const dv = new DataView(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength);
    let t = 0;
    for (const at of s.starts) {
      const type = dv.getUint16(at + 4, true);
      let done = false;
      if (type === RecordType.Send) t = readU64(dv, at + SEND_T2_AT);
      else if (type === RecordType.Run) t = readU64(dv, at + RUN_T1_AT);
      else if (type === RecordType.Recv) {
        const { t1, kind } = readRecv(dv, at, recv);
        t = t1;
        done = kind === MessageKind.PoolResult || kind === MessageKind.ExecutorResult;
      }
      all.push({ stream, at, t, done });
    }
  });
  const order = all.map((_, k) => k).sort((a, b) => all[a].t - all[b].t || a - b);
  const ranks = streams.map((s) => new Int32Array(s.starts.length));
  const filled = streams.map(() => 0);
  const parts = streams.map((): { at: number }[] => []);
  const done: number[] = [];
  order.forEach((k, rank) => {
    const r = all[k];
    ranks[r.stream][filled[r.stream]++] = rank;
    parts[r.stream].push(r);
    if (r.done) done.push(rank);
  });
  const sorted = streams.map((s, i) => {
    const dv = new DataView(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength);
    const bytes = new Uint8Array(s.bytes.length);
    const starts: number[] = [];
    let pos = 0;
    for (const { at } of parts[i]) {
      const n = dv.getUint32(at, true);
      bytes.set(s.bytes.subarray(at, at + n), pos);
      starts.push(pos);
      pos += n;
    }
    return { name: s.name, bytes, starts };
  });
  return { streams: sorted, ranks, doneRanks: Int32Array.from(done) };
}

/** Reads a .pstrace container into its streams' record bytes. */
function readStreams(file: string): ReplayStream[] {
  const buf = fs.readFileSync(file);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const count = view.getUint32(12, true);
  const out: ReplayStream[] = [];
  let pos = 16;
  for (let i = 0; i < count; i++) {
    const nameLength = view.getUint32(pos, true);
    const name = buf.subarray(pos + 4, pos + 4 + nameLength).toString('utf8');
    const length = Number(view.getBigUint64(pos + 4 + nameLength, true));
    const data = buf.subarray(pos + 12 + nameLength, pos + 12 + nameLength + length);
    const starts: number[] = [];
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let p = 0; p + 8 <= data.length;) {
      const n = dv.getUint32(p, true);
      if (n === 0) break;
      starts.push(p);
      p += n;
    }
    out.push({ name, bytes: data, starts });
    pos += 12 + nameLength + length;
  }
  return out;
}

/** Appends records to one stream's segment files as the agent's writer does. */
class SegmentWriter {
  private fd = -1;
  private segment = -1;
  private offset = 0;
  private size = 0;

  constructor(
    private readonly dir: string,
    private readonly name: string,
  ) {
    this.open(0);
  }

  private open(n: number): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    const m = /^ev-(\d+)-(\d+)$/.exec(this.name) as RegExpExecArray;
    this.size = specSegmentSize(n);
    this.fd = fs.openSync(path.join(this.dir, `${this.name}.${n}.bin`), 'w+');
    fs.ftruncateSync(this.fd, this.size);
    fs.writeSync(this.fd, segmentHeader(Number(m[1]), n, this.size, BigInt(m[2])), 0, 64, 0);
    this.segment = n;
    this.offset = 64;
  }

  /** Writes records bytes[from…to) (whole records), the first length word last. */
  write(bytes: Uint8Array, from: number, to: number): void {
    while (from < to) {
      // As many whole records as fit in this segment.
      let end = from;
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      while (end < to && this.offset + (end - from) + dv.getUint32(end, true) <= this.size)
        end += dv.getUint32(end, true);
      if (end === from) {
        this.open(this.segment + 1);
        continue;
      }
      fs.writeSync(this.fd, bytes, from + 4, end - from - 4, this.offset + 4);
      fs.writeSync(this.fd, bytes, from, 4, this.offset);
      this.offset += end - from;
      from = end;
    }
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/**
 * The worker: replays the trace into `dir` at `rate` records per second, every 5 ms, the records
 * of all streams in the order of their time.
 */
function replay(trace: string, dir: string, rate: number): void {
  const { streams, ranks, doneRanks } = timeOrdered(readStreams(trace));
  const total = streams.reduce((n, s) => n + s.starts.length, 0);
  const writers = streams.map((s) => new SegmentWriter(dir, s.name));
  const done = streams.map(() => 0);
  const durationMs = (total / rate) * 1000;
  const t0 = performance.now();
  parentPort?.postMessage({ type: 'start', total, durationMs, doneRanks }, [doneRanks.buffer as ArrayBuffer]);
  for (;;) {
    const share = Math.min(1, (performance.now() - t0) / durationMs);
    const upTo = share >= 1 ? total : Math.floor(share * total);
    streams.forEach((s, i) => {
      let want = done[i];
      while (want < s.starts.length && ranks[i][want] < upTo) want++;
      if (want <= done[i]) return;
      const end = want < s.starts.length ? s.starts[want] : s.bytes.length;
      writers[i].write(s.bytes, s.starts[done[i]], end);
      done[i] = want;
    });
    if (share >= 1) break;
    const wait = 5 - ((performance.now() - t0) % 5);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
  }
  for (const w of writers) w.close();
  parentPort?.postMessage({ type: 'done', total, elapsedMs: performance.now() - t0 });
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const tasks = arg('--tasks', 200_000);
  const rate = arg('--rate', TARGET_RATE);
  if (!__filename.endsWith('.js')) {
    const trace = syntheticTrace(tasks);
    // Run from a bundle, as the extension host runs this code (and so the worker can load it).
    const bundle = path.join(path.dirname(trace), 'liveIngest.js');
    esbuild.buildSync({
      entryPoints: [__filename],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: bundle,
      external: ['esbuild'],
      logLevel: 'warning',
    });
    // The reading thread's code, as esbuild.js builds it for the extension (dist/liveIngestWorker.js).
    esbuild.buildSync({
      entryPoints: [path.join(__dirname, '..', 'src', 'host', 'run', 'liveIngestWorker.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: path.join(path.dirname(trace), 'liveIngestWorker.js'),
      logLevel: 'warning',
    });
    const res = spawnSync(process.execPath, [bundle, ...process.argv.slice(2), '--trace', trace], {
      stdio: 'inherit',
    });
    process.exitCode = res.status ?? 1;
    return;
  }
  const trace = process.argv[process.argv.indexOf('--trace') + 1];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-bench-live-'));
  // --in-thread: the loop on the host's own thread, as LiveRun ran it before the worker thread.
  const inThread = process.argv.includes('--in-thread');
  const delay = monitorEventLoopDelay({ resolution: 5 });
  const ticks: number[] = [];
  let finishedTasks = 0;
  // The writer's pace: the record at place r (in order of time) is written at
  // writeStart + durationMs × r / total, and the k-th task is done with the k-th result RECV.
  let writeStart = NaN;
  let durationMs = NaN;
  let totalRecords = NaN;
  let doneRanks: Int32Array = new Int32Array(0);
  let writing = true;
  const behind: number[] = [];
  const count = (messages: ToWebview[]): void => {
    for (const m of messages) if (m.type === 'run/delta') finishedTasks += m.tasks.pid.length;
    if (!writing || finishedTasks === 0) return;
    const k = Math.min(finishedTasks, doneRanks.length) - 1;
    const writtenAt = writeStart + (durationMs * (doneRanks[k] + 1)) / totalRecords;
    behind.push(performance.now() - writtenAt);
  };
  let stopIngest = (): void => undefined;
  const startIngest = (): void => {
    if (inThread) {
      const ingest = new LiveIngest(dir, 'bench');
      ingest.start((final) => {
        const t = performance.now();
        count(ingest.tick(final));
        const report = final ? null : ingest.report();
        if (report) count([report]);
        ticks.push(performance.now() - t);
      });
      stopIngest = () => ingest.stop();
    } else {
      const thread = new LiveIngestThread(
        path.join(path.dirname(trace), 'liveIngestWorker.js'),
        dir,
        'bench',
        (tick) => {
          const t = performance.now();
          count(tick.messages);
          ticks.push(performance.now() - t);
        },
        (message) => console.error(`reading failed: ${message}`),
      );
      stopIngest = () => thread.dispose();
    }
  };
  const tasksSeen = (): number => finishedTasks;
  try {
    const worker = new Worker(__filename, {
      workerData: { trace, dir, rate },
    });
    const started = new Promise<{ total: number; durationMs: number; doneRanks: Int32Array }>((resolve) =>
      worker.on('message', (m) => m.type === 'start' && resolve(m)),
    );
    const finished = new Promise<{ total: number; elapsedMs: number }>((resolve, reject) => {
      worker.on('message', (m) => m.type === 'done' && resolve(m));
      worker.on('error', reject);
    });
    const start = await started;
    const { total } = start;
    writeStart = performance.now();
    [durationMs, totalRecords, doneRanks] = [start.durationMs, total, start.doneRanks];
    delay.enable();
    startIngest();
    const written = await finished;
    writing = false;
    // How far behind the panel is when the program stops writing: until every task is in.
    const stopAt = performance.now();
    while (tasksSeen() < tasks) await new Promise((r) => setTimeout(r, 10));
    const lagMs = performance.now() - stopAt;
    stopIngest();
    delay.disable();
    await worker.terminate();
    const achieved = (written.total / written.elapsedMs) * 1000;
    const runFor = `${tasks.toLocaleString('en').replace(/,/g, ' ')} tasks (${(written.elapsedMs / 1000).toFixed(0)} s)`;
    const longestBehind = Math.max(lagMs, ...behind);
    const firstHalf = behind.slice(0, Math.ceil(behind.length / 2));
    const typical = [...behind].sort((a, b) => a - b)[Math.floor(behind.length / 2)] ?? lagMs;
    const p99 = delay.percentile(99) / 1e6;
    const max = delay.max / 1e6;
    const p50 = delay.percentile(50) / 1e6;
    ticks.sort((a, b) => a - b);
    console.log(
      `live ingestion (${inThread ? "on the host's thread" : 'on a worker thread'}): ${total.toLocaleString('en')} events (${tasks.toLocaleString('en')} tasks) written at ` +
        `${Math.round(achieved).toLocaleString('en')} events/s (target ${TARGET_RATE.toLocaleString('en')})`,
    );
    console.log(
      `  panel caught up ${lagMs.toFixed(0)} ms after the writer stopped; ${ticks.length} ticks, ` +
        `host time per tick: median ${ticks[Math.floor(ticks.length / 2)].toFixed(1)} ms, longest ${ticks[ticks.length - 1].toFixed(1)} ms`,
    );
    console.log(
      `  event-loop delay: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms   ` +
        `target: longest stall < ${TARGET_STALL_MS} ms`,
    );
    console.log(
      `  panel behind the writer: median ${typical.toFixed(0)} ms, longest ${longestBehind.toFixed(0)} ms (first half of the run ` +
        `${Math.max(0, ...firstHalf).toFixed(0)} ms, at the end ${lagMs.toFixed(0)} ms)   target: < ${TARGET_BEHIND_MS} ms`,
    );
    console.log(
      `BENCH ${JSON.stringify({ figure: `live ingestion at ${Math.round(rate / 1000)} 000 events/s, ${runFor}: panel behind the run`, value: longestBehind, unit: 'ms', target: TARGET_BEHIND_MS, op: '<', note: `longest; median ${typical.toFixed(0)} ms, ${lagMs.toFixed(0)} ms at the end; writer ${Math.round(achieved).toLocaleString('en')} events/s` })}`,
    );
    console.log(
      `BENCH ${JSON.stringify({ figure: `live ingestion, ${runFor}: longest event-loop stall`, value: max, unit: 'ms', target: TARGET_STALL_MS, op: '<', note: `p99 ${p99.toFixed(0)} ms, ${ticks.length} ticks` })}`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (!isMainThread) {
  const { trace, dir, rate } = workerData as { trace: string; dir: string; rate: number };
  replay(trace, dir, rate);
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
