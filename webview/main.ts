/**
 * The PoolScope panel's entry point: talks to the extension host (protocol in
 * src/shared/protocol.ts), keeps the run's state and redraws at most once per animation frame.
 */
import type { FromWebview, RunHeader, ToWebview } from '../src/shared/protocol';
import { add, el } from './dom';
import { FindingsView } from './findings';
import { MatrixView } from './matrix';
import type { Report } from '../src/core/report';
import { TaskStore } from './store';
import { type StatusState, SummaryView } from './summary';
import { palette, watchTheme } from './theme';
import { Timeline } from './timeline';
import { UsageView } from './usage';
import { WhatIfView } from './whatIf';

interface VsCodeApi {
  postMessage(msg: FromWebview): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** VS Code injects acquireVsCodeApi; outside a webview (a plain browser) messages go nowhere. */
function vscodeApi(): VsCodeApi {
  const acquire = (globalThis as { acquireVsCodeApi?: () => VsCodeApi }).acquireVsCodeApi;
  if (typeof acquire === 'function') return acquire();
  return { postMessage: () => undefined, getState: () => undefined, setState: () => undefined };
}

const vscode = vscodeApi();
const store = new TaskStore();
let header: RunHeader | null = null;
let report: Report | null = null;
let reportFinal = false;
let status: StatusState | null = null;
let frames = 0;
let lastFrameMs = 0;
let lastFrameEnd = 0;
let framePending = false;
let panelsDirty = true;

const post = (msg: FromWebview): void => vscode.postMessage(msg);
const openSource = (file: string, line: number): void => post({ type: 'source/open', file, line });

const app = document.getElementById('app') ?? add(document.body, el('main'));
app.classList.add('ps-app');
const summary = new SummaryView(
  () => {
    if (header) post({ type: 'run/cancel', runId: header.runId });
    panelsDirty = true;
    schedule();
  },
  (format) => {
    if (header) post({ type: 'run/export', runId: header.runId, format });
  },
);
const matrix = new MatrixView(openSource);
const findings = new FindingsView(openSource);
const timeline = new Timeline(store, { openSource, schedule: () => schedule() });
const usage = new UsageView();
const whatIf = new WhatIfView(openSource);
let focusSite: string | null = null;
add(app, summary.root);
const columns = add(app, el('div', 'ps-columns'));
add(columns, matrix.root);
add(columns, findings.root);
add(app, timeline.root);
add(app, usage.root);
add(app, whatIf.root);

function schedule(): void {
  if (framePending) return;
  framePending = true;
  requestAnimationFrame(frame);
}

function isRunning(): boolean {
  return status ? status.status === 'running' : !!header?.live;
}

function frame(): void {
  framePending = false;
  const started = performance.now();
  store.prepare();
  if (panelsDirty) {
    panelsDirty = false;
    const workers = store.lanes.filter((l) => l.lane.role === 'worker').length;
    summary.update({
      header,
      report,
      status,
      live: {
        wallMs: store.wallMs,
        workers: workers || store.lanes.filter((l) => l.n > 0).length,
        tasks: store.taskCount,
      },
    });
    matrix.update(report, reportFinal);
    findings.update(report, isRunning());
    whatIf.update(reportFinal ? report : null);
    if (focusSite && report && reportFinal) {
      whatIf.focus(focusSite);
      focusSite = null;
    }
  }
  const running = isRunning();
  const drew = timeline.render({
    live: running,
    emptyText:
      running || !header ? 'Waiting for the first task…' : 'No pool tasks were recorded in this run.',
  });
  if (drew) usage.render(store, timeline.x(), timeline.plotWidth, palette());
  frames++;
  lastFrameEnd = performance.now();
  lastFrameMs = lastFrameEnd - started;
}

function handle(msg: ToWebview): void {
  switch (msg.type) {
    case 'run/reset':
      header = msg.run;
      report = null;
      status = null;
      store.reset();
      summary.reset();
      timeline.resetView();
      break;
    case 'run/delta':
      if (header && msg.runId !== header.runId) return;
      store.upsertLanes(msg.lanes ?? []);
      store.upsertSites(msg.sites ?? []);
      if (msg.tasks) store.appendTasks(msg.tasks);
      store.setRunning(msg.running);
      store.appendSamples(msg.samples ?? []);
      store.setWall(msg.wallMs);
      break;
    case 'run/report':
      if (header && msg.runId !== header.runId) return;
      report = msg.report;
      reportFinal = msg.final;
      store.setWall(report.summary?.wallMs ?? report.run?.wallMs ?? 0);
      break;
    case 'run/status':
      if (header && msg.runId !== header.runId) return;
      status = { status: msg.status, message: msg.message, exitCode: msg.exitCode };
      break;
    case 'site/focus':
      if (header && msg.runId !== header.runId) return;
      focusSite = msg.callSiteId;
      break;
    default: {
      const unknown: never = msg;
      console.warn('PoolScope: ignored a message of unknown type', (unknown as { type?: unknown }).type);
      return;
    }
  }
  panelsDirty = true;
  timeline.invalidate();
  schedule();
}

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  const msg = ev.data;
  if (typeof msg !== 'object' || msg === null || typeof (msg as { type?: unknown }).type !== 'string') return;
  handle(msg as ToWebview);
});

watchTheme(() => {
  panelsDirty = true;
  timeline.invalidate();
});

/** Read-only hooks for the browser tests and the benchmark. */
Object.defineProperty(window, '__poolscope', {
  value: Object.freeze({
    timelineDomain: (): [number, number] => timeline.domain(),
    laneCount: (): number => timeline.laneCount,
    taskCount: (): number => store.taskCount,
    frames: (): number => frames,
    lastFrameMs: (): number => lastFrameMs,
    lastFrameEnd: (): number => lastFrameEnd,
    lastDrawStats: () => ({ ...timeline.lastStats }),
  }),
});

post({ type: 'webview/ready' });
schedule();
