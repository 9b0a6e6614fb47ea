/**
 * Panel benchmark (a script, not a test): `node --import tsx test/webview/bench.ts`.
 * - time from the host's message to the first drawn frame for 100 000 tasks (target < 300 ms);
 * - frames per second while zooming in and out over 1 000 000 tasks, driven by one wheel event
 *   per animation frame (target ≥ 50 fps; headless Chromium paces frames at 60 Hz);
 * - the page's JS heap with each data set;
 * - the CPU Chromium spends on the panel while a run is live (a delta every 100 ms, an interim
 *   report every second, for 10 s): what the panel takes from the program it profiles.
 * Everything is measured in the page; the task columns are generated there too, so the numbers
 * do not include moving megabytes through the test driver.
 */
import { readFileSync } from 'node:fs';
import { allProcesses } from '../integration/harness/processTree';
import { makeRun } from './fixture';
import { Harness, type PanelPage } from './harness';

interface PaintResult {
  firstFrameMs: number;
  drawMs: number;
}

interface ZoomResult {
  fps: number;
  frames: number;
  elapsedMs: number;
  drawMsMean: number;
  drawMsP95: number;
  drawMsMax: number;
  minSpanMs: number;
}

const WORKERS = 8;

/** Posts a run of `n` tasks generated in the page and resolves when it has been drawn. */
export async function loadInPage(panel: PanelPage, n: number): Promise<PaintResult> {
  await panel.post({
    type: 'run/reset',
    run: {
      runId: 'bench',
      script: 'bench.py',
      scriptPath: '/bench/bench.py',
      python: '3.12',
      startMethod: 'fork',
      cpuCount: WORKERS,
      startedAt: new Date(0).toISOString(),
      live: false,
    },
  });
  return panel.page.evaluate(
    async ({ n, workers }) => {
      const cols = {
        pid: [] as number[],
        t0: [] as number[],
        t1: [] as number[],
        t2: [] as number[],
        t3: [] as number[],
        site: [] as number[],
        ok: [] as number[],
        items: [] as number[],
        bytesIn: [] as number[],
        bytesOut: [] as number[],
      };
      const per = Math.ceil(n / workers);
      let wall = 0;
      for (let w = 0; w < workers; w++) {
        let t = 5 + w * 0.01;
        for (let i = 0; i < per && cols.pid.length < n; i++) {
          const site = i % 7 === 0 ? 1 : 0;
          const un = 0.02 + (i % 5) * 0.004;
          const comp = site ? 0.05 : 0.3 + (i % 11) * 0.02;
          cols.pid.push(1000 + w);
          cols.t0.push(t);
          cols.t1.push(t + un);
          cols.t2.push(t + un + comp);
          cols.t3.push(t + un + comp + 0.03);
          cols.site.push(site);
          cols.ok.push(i % 997 === 0 ? 0 : 1);
          cols.items.push(1);
          cols.bytesIn.push(200);
          cols.bytesOut.push(100);
          t += un + comp + 0.03 + 0.01;
        }
        wall = Math.max(wall, t);
      }
      const lanes = [{ pid: 999, role: 'main', label: 'main · 999' }];
      for (let w = 0; w < workers; w++)
        lanes.push({ pid: 1000 + w, role: 'worker', label: `worker ${w + 1}` });
      const samples = [];
      for (let t = 0; t < wall; t += 250) {
        for (const l of lanes)
          samples.push({ pid: l.pid, t, cpu: l.role === 'main' ? 5 : 97, memoryBytes: 40e6 });
      }
      const msg = {
        type: 'run/delta',
        runId: 'bench',
        lanes,
        sites: [
          { index: 0, file: '/bench/bench.py', line: 10, api: 'map' },
          { index: 1, file: '/bench/bench.py', line: 20, api: 'imap' },
        ],
        tasks: cols,
        samples,
        wallMs: wall,
      };
      const hook = (window as unknown as { __poolscope: Record<string, () => number> }).__poolscope;
      const framesBefore = hook.frames();
      const t0 = performance.now();
      window.postMessage(msg, '*');
      await new Promise<void>((done) => {
        const check = (): void => {
          if (hook.taskCount() === n && hook.frames() > framesBefore) done();
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      });
      return { firstFrameMs: hook.lastFrameEnd() - t0, drawMs: hook.lastFrameMs() };
    },
    { n, workers: WORKERS },
  );
}

/** Zooms in around a point for half the steps and back out for the rest, one wheel event a frame. */
export async function zoomLoop(panel: PanelPage, steps: number): Promise<ZoomResult> {
  return panel.page.evaluate(async (steps) => {
    const hook = (window as unknown as { __poolscope: Record<string, () => number | number[]> }).__poolscope;
    const plot = document.querySelector('.ps-plot') as HTMLElement;
    const r = plot.getBoundingClientRect();
    const cx = r.left + r.width * 0.37;
    const cy = r.top + 60;
    const draws: number[] = [];
    let minSpan = Infinity;
    const f0 = hook.frames() as number;
    const start = performance.now();
    let step = 0;
    await new Promise<void>((done) => {
      let lastFrames = f0;
      const tick = (): void => {
        const f = hook.frames() as number;
        if (f > lastFrames) draws.push(hook.lastFrameMs() as number);
        lastFrames = f;
        const [a, b] = hook.timelineDomain() as number[];
        minSpan = Math.min(minSpan, b - a);
        if (step >= steps) return done();
        const deltaY = step < steps / 2 ? -40 : 40;
        plot.dispatchEvent(
          new WheelEvent('wheel', { deltaY, clientX: cx, clientY: cy, bubbles: true, cancelable: true }),
        );
        step++;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const elapsedMs = performance.now() - start;
    const frames = (hook.frames() as number) - f0;
    draws.sort((x, y) => x - y);
    return {
      fps: frames / (elapsedMs / 1000),
      frames,
      elapsedMs,
      drawMsMean: draws.reduce((x, y) => x + y, 0) / Math.max(1, draws.length),
      drawMsP95: draws[Math.floor(draws.length * 0.95)] ?? NaN,
      drawMsMax: draws[draws.length - 1] ?? NaN,
      minSpanMs: minSpan,
    };
  }, steps);
}

/** CPU seconds used so far by every Chromium process (the bench runs no other), by process type. */
function chromiumCpu(): { renderer: number; gpu: number; other: number } {
  const out = { renderer: 0, gpu: 0, other: 0 };
  for (const p of allProcesses()) {
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8');
    } catch {
      continue; // the process ended meanwhile
    }
    if (!cmd.includes('chromium')) continue;
    const kind = cmd.includes('--type=renderer') ? 'renderer' : cmd.includes('--type=gpu') ? 'gpu' : 'other';
    out[kind] += p.cpuTicks / 100; // USER_HZ on Linux
  }
  return out;
}

/**
 * A live run streamed into the panel as the host streams it: 8 finished tasks every 100 ms, CPU
 * samples every 200 ms, an interim report every second. Returns the share of a CPU that Chromium
 * used meanwhile, per process type.
 */
async function liveCpu(
  panel: PanelPage,
  seconds: number,
): Promise<{ renderer: number; gpu: number; other: number }> {
  const run = makeRun({ runId: 'live-bench' });
  await panel.post({ type: 'run/reset', run: { ...run.header, live: true } });
  const before = chromiumCpu();
  await panel.page.evaluate(
    async ({ report, lanes, sites, seconds }) => {
      let t = 50;
      const start = performance.now();
      for (let tick = 1; performance.now() - start < seconds * 1000; tick++) {
        await new Promise((done) => setTimeout(done, 100));
        const cols: Record<string, number[]> = {
          pid: [],
          t0: [],
          t1: [],
          t2: [],
          t3: [],
          site: [],
          ok: [],
          items: [],
          bytesIn: [],
          bytesOut: [],
        };
        for (let i = 0; i < 8; i++) {
          cols.pid.push(lanes[1 + (i % 2)].pid);
          cols.t0.push(t);
          cols.t1.push(t + 0.1);
          cols.t2.push(t + 24);
          cols.t3.push(t + 24.2);
          cols.site.push(0);
          cols.ok.push(1);
          cols.items.push(1);
          cols.bytesIn.push(80);
          cols.bytesOut.push(80);
          if (i % 2) t += 25;
        }
        const samples = tick % 2 ? [] : lanes.map((l) => ({ pid: l.pid, t, cpu: 97, memoryBytes: 4e7 }));
        window.postMessage(
          { type: 'run/delta', runId: 'live-bench', lanes, sites, tasks: cols, samples, wallMs: t + 10 },
          '*',
        );
        if (tick % 10 === 0)
          window.postMessage({ type: 'run/report', runId: 'live-bench', report, final: false }, '*');
      }
    },
    { report: run.report, lanes: run.lanes, sites: run.sites, seconds },
  );
  const after = chromiumCpu();
  return {
    renderer: (after.renderer - before.renderer) / seconds,
    gpu: (after.gpu - before.gpu) / seconds,
    other: (after.other - before.other) / seconds,
  };
}

/** The page's JS heap after a full GC and the typed arrays' backing stores (outside it), MB. */
async function heap(panel: PanelPage): Promise<{ heapMb: number; buffersMb: number }> {
  const cdp = await panel.page.context().newCDPSession(panel.page);
  await cdp.send('Runtime.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  const u = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return { heapMb: u.usedSize / 2 ** 20, buffersMb: (u.backingStorageSize ?? 0) / 2 ** 20 };
}

const fmtHeap = (h: { heapMb: number; buffersMb: number }): string =>
  `JS heap ${h.heapMb.toFixed(0)} MB + array buffers ${h.buffersMb.toFixed(0)} MB`;

/** One result line for bench/run.ts. */
function bench(result: Record<string, unknown>): void {
  console.log(`BENCH ${JSON.stringify(result)}`);
}

async function main(): Promise<void> {
  const h = await Harness.start();
  try {
    const paints: PaintResult[] = [];
    let heap100k = { heapMb: 0, buffersMb: 0 };
    for (let i = 0; i < 5; i++) {
      const panel = await h.open({ viewport: { width: 1400, height: 900 } });
      paints.push(await loadInPage(panel, 100_000));
      if (i === 0) heap100k = await heap(panel);
      await panel.close();
    }
    const first = paints.map((p) => p.firstFrameMs).sort((a, b) => a - b);
    const median = first[Math.floor(first.length / 2)];
    console.log('100 000 tasks, message → first drawn frame (ms), 5 fresh pages:');
    console.log(
      `  ${paints.map((p) => `${p.firstFrameMs.toFixed(0)} (draw ${p.drawMs.toFixed(1)})`).join(', ')}`,
    );
    console.log(`  median ${median.toFixed(0)} ms  (target < 300 ms)  · ${fmtHeap(heap100k)}`);
    bench({
      figure: 'webview first paint, 100 000 tasks',
      value: median,
      best: first[0],
      spread: [first[0], first[first.length - 1]],
      unit: 'ms',
      target: 300,
      op: '<',
    });

    const panel = await h.open({ viewport: { width: 1400, height: 900 } });
    const big = await loadInPage(panel, 1_000_000);
    const heap1m = await heap(panel);
    console.log('1 000 000 tasks:');
    console.log(
      `  message → first drawn frame ${big.firstFrameMs.toFixed(0)} ms (draw ${big.drawMs.toFixed(1)} ms) · ${fmtHeap(heap1m)}`,
    );
    const zooms: ZoomResult[] = [];
    for (let i = 0; i < 5; i++) zooms.push(await zoomLoop(panel, 120));
    zooms.sort((a, b) => a.fps - b.fps);
    const z = zooms[2];
    console.log(
      `  zoom in and out, 5 × 120 wheel steps: median ${z.fps.toFixed(1)} fps (runs ${zooms.map((r) => r.fps.toFixed(1)).join(', ')}; target ≥ 50)`,
    );
    console.log(
      `  draw per frame: mean ${z.drawMsMean.toFixed(1)} ms, p95 ${z.drawMsP95.toFixed(1)} ms, max ${z.drawMsMax.toFixed(1)} ms; narrowest window ${z.minSpanMs.toFixed(3)} ms`,
    );
    bench({
      figure: 'webview zoom/pan fps, 1 000 000 tasks',
      value: z.fps,
      best: zooms[zooms.length - 1].fps,
      spread: [zooms[0].fps, zooms[zooms.length - 1].fps],
      unit: 'fps',
      target: 50,
      op: '>',
    });
    bench({
      figure: 'webview memory, 1 000 000 tasks',
      value: heap1m.heapMb + heap1m.buffersMb,
      unit: 'MB',
      target: 300,
      op: '<',
      note: fmtHeap(heap1m),
    });
    if (panel.errors.length) console.log('  page errors:', panel.errors);
    await panel.close();

    const livePanel = await h.open({ viewport: { width: 1400, height: 900 } });
    const live = await liveCpu(livePanel, 10);
    const total = live.renderer + live.gpu + live.other;
    const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
    console.log('a live run, 10 deltas a second for 10 s: CPU used by Chromium (share of one CPU):');
    console.log(
      `  ${pct(total)} (renderer ${pct(live.renderer)}, GPU process ${pct(live.gpu)}, other ${pct(live.other)})`,
    );
    bench({
      figure: 'webview: CPU while a run is live (10 deltas/s)',
      value: total * 100,
      unit: '%',
      op: 'info',
      note: `of one CPU, taken from the profiled program; renderer ${pct(live.renderer)}, GPU process ${pct(live.gpu)}`,
    });
    if (livePanel.errors.length) console.log('  page errors:', livePanel.errors);
    await livePanel.close();
  } finally {
    await h.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
