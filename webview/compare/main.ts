/**
 * The Compare and Sweep panels' entry point (dist/compare.js): one page that shows whichever the
 * host sends (src/shared/compareProtocol.ts), redrawn at most once per animation frame.
 */
import type { FromCompareView, ToCompareView } from '../../src/shared/compareProtocol';
import { add, clear, el } from '../dom';
import { watchTheme } from '../theme';
import { CompareView } from './compareView';
import { SweepView } from './sweepView';

interface VsCodeApi {
  postMessage(msg: FromCompareView): void;
}

function vscodeApi(): VsCodeApi {
  const acquire = (globalThis as { acquireVsCodeApi?: () => VsCodeApi }).acquireVsCodeApi;
  return typeof acquire === 'function' ? acquire() : { postMessage: () => undefined };
}

const vscode = vscodeApi();
const post = (msg: FromCompareView): void => vscode.postMessage(msg);
let framePending = false;
let frames = 0;

const app = document.getElementById('app') ?? add(document.body, el('main'));
app.classList.add('ps-app');
const waiting = add(app, el('p', 'ps-empty-note', 'Loading…'));
const compare = new CompareView(
  (file, line) => post({ type: 'source/open', file, line }),
  () => schedule(),
);
const sweep = new SweepView((runId) => post({ type: 'run/open', runId }));

function schedule(): void {
  if (framePending) return;
  framePending = true;
  requestAnimationFrame(() => {
    framePending = false;
    compare.render();
    frames++;
  });
}

function showOnly(view: HTMLElement): void {
  if (view.parentElement === app && app.childElementCount === 1) return;
  clear(app);
  add(app, view);
}

function handle(msg: ToCompareView): void {
  switch (msg.type) {
    case 'compare/show':
      showOnly(compare.root);
      compare.show(msg);
      break;
    case 'sweep/progress':
      showOnly(sweep.root);
      sweep.progress(msg.script, msg.progress);
      break;
    case 'sweep/show':
      showOnly(sweep.root);
      sweep.show(msg.script, [msg.workers, msg.chunksize], msg.cancelled);
      break;
    default: {
      const unknown: never = msg;
      console.warn('PoolScope: ignored a message of unknown type', (unknown as { type?: unknown }).type);
      return;
    }
  }
  waiting.remove();
  compare.invalidate();
  schedule();
}

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  const msg = ev.data;
  if (typeof msg !== 'object' || msg === null || typeof (msg as { type?: unknown }).type !== 'string') return;
  handle(msg as ToCompareView);
});

watchTheme(() => {
  compare.invalidate();
});

/** Read-only hooks for the browser tests. */
Object.defineProperty(window, '__poolscope', {
  value: Object.freeze({
    timelineDomains: (): [number, number][] => compare.domains(),
    laneCounts: (): number[] => compare.laneCounts(),
    frames: (): number => frames,
  }),
});

post({ type: 'webview/ready' });
