// Host benchmark: opening a saved 1 000 000-task run in the panel, as the extension does it:
// the run is read on a worker thread (dist/savedRunWorker.js), and the host posts the panel's
// messages, which VS Code serialises on the extension host's thread (JSON, with typed arrays'
// buffers passed by reference: extHostWebviewMessaging). Figures: how long until the panel's
// messages are posted, and the longest stall of the host's event loop meanwhile.
//
//   node --import tsx bench/openRun.ts [--tasks N] [--in-thread]
//
// --in-thread loads on the host's thread and posts number arrays, as the extension did before.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadRun } from '../src/core';
import { openSavedRun } from '../src/host/history/savedRunThread';
import { savedRunMessages } from '../src/host/panels/viewRows';
import type { ToWebview } from '../src/shared/protocol';
import { syntheticTrace } from './syntheticTrace';

const TARGET_STALL_MS = 100;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** What VS Code does with a webview message on the extension host's thread. */
function serialiseLikeVsCode(msg: ToWebview): number {
  const buffers: ArrayBufferLike[] = [];
  const json = JSON.stringify(msg, (_key, value: unknown) =>
    ArrayBuffer.isView(value) ? { ref: buffers.push(value.buffer) - 1 } : value,
  );
  return json.length;
}

/** The columns as number arrays, as the protocol carried them before. */
function asNumberArrays(msg: ToWebview): ToWebview {
  if (msg.type !== 'run/delta') return msg;
  const tasks = Object.fromEntries(Object.entries(msg.tasks).map(([k, v]) => [k, Array.from(v)]));
  return { ...msg, tasks: tasks as unknown as typeof msg.tasks, running: undefined };
}

async function main(): Promise<void> {
  const tasks = arg('--tasks', 1_000_000);
  const inThread = process.argv.includes('--in-thread');
  const trace = syntheticTrace(tasks);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-bench-open-'));
  try {
    const worker = path.join(tmp, 'savedRunWorker.js');
    esbuild.buildSync({
      entryPoints: [path.join(__dirname, '..', 'src', 'host', 'history', 'savedRunWorker.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: worker,
      logLevel: 'warning',
    });
    const delay = monitorEventLoopDelay({ resolution: 5 });
    // The loop is sampled only while it turns: a timer keeps it turning while the worker reads.
    const ticker = setInterval(() => undefined, 5);
    delay.enable();
    // The histogram's first sample only sets its clock: let it start before the work does.
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    let messages: ToWebview[];
    if (inThread) {
      const { model, report } = loadRun(trace);
      messages = savedRunMessages(model, report, 'bench').map(asNumberArrays);
    } else {
      messages = (await openSavedRun(worker, trace, `${trace}.no-usage.json`, 'bench')).messages;
    }
    let bytes = 0;
    for (const m of messages) bytes += serialiseLikeVsCode(m);
    const totalMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 20));
    delay.disable();
    clearInterval(ticker);
    const max = delay.max / 1e6;
    const how = inThread ? "on the host's thread, number arrays" : 'on a worker thread, Float64Array columns';
    console.log(`open a saved ${tasks.toLocaleString('en')}-task run (${how}):`);
    console.log(
      `  messages posted after ${(totalMs / 1000).toFixed(2)} s; JSON part ${(bytes / 1e6).toFixed(1)} MB; ` +
        `event-loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, longest ${max.toFixed(0)} ms   target: longest stall < ${TARGET_STALL_MS} ms`,
    );
    console.log(
      `BENCH ${JSON.stringify({ figure: 'host: open a saved 1 000 000-task run, longest event-loop stall', value: max, unit: 'ms', target: TARGET_STALL_MS, op: '<', note: `panel messages posted after ${(totalMs / 1000).toFixed(2)} s` })}`,
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
