/** The Sweep panel: progress while the runs go, then per sweep the curve, a table and the recommendation. */
import type { SweepResult } from '../../src/core/whatif';
import type { SweepProgress } from '../../src/shared/compareProtocol';
import { busyIcon } from '../components';
import { add, clear, el, linkButton } from '../dom';
import { baseName, fmtMs, fmtX } from '../units';
import { sweepChart } from './sweepChart';

export class SweepView {
  readonly root = el('div', 'ps-sweep');

  constructor(private readonly openRun: (runId: string) => void) {}

  progress(script: string, p: SweepProgress): void {
    clear(this.root);
    add(this.root, el('h1', null, `Sweep of ${baseName(script)}`));
    const status = add(this.root, el('div', 'ps-status ps-sweep-progress'));
    status.setAttribute('role', 'status');
    add(status, busyIcon('Sweep running'));
    add(status, el('span', 'ps-status-text', `Run ${p.index} of ${p.total}: ${p.label}…`));
  }

  show(script: string, results: (SweepResult | null)[], cancelled: boolean): void {
    clear(this.root);
    add(this.root, el('h1', null, `Sweep of ${baseName(script)}`));
    if (cancelled)
      add(
        this.root,
        el('p', 'ps-sweep-cancelled', 'The sweep was cancelled; this shows the runs that finished.'),
      );
    const shown = results.filter((r): r is SweepResult => r !== null);
    if (!shown.length) add(this.root, el('p', 'ps-empty-note', 'No run of the sweep finished.'));
    for (const r of shown) add(this.root, this.section(r));
  }

  private section(r: SweepResult): HTMLElement {
    const s = el('section', 'ps-sweep-section');
    s.setAttribute('data-kind', r.kind);
    const at = r.kind === 'chunksize' && r.points[0]?.workers ? ` at ${r.points[0].workers} workers` : '';
    add(s, el('h2', null, r.kind === 'workers' ? 'Speedup by worker count' : `Speedup by chunksize${at}`));
    add(s, el('p', 'ps-sweep-recommendation', `Recommendation: ${r.recommendation}`));
    add(s, sweepChart(r));
    const legend = add(s, el('ul', 'ps-sweep-legend'));
    const item = (cls: string, text: string): void => {
      const li = add(legend, el('li'));
      add(li, el('span', `ps-sweep-swatch ${cls}`)).setAttribute('aria-hidden', 'true');
      add(li, el('span', null, text));
    };
    item('ps-sweep-swatch-measured', 'measured');
    if (r.kind === 'workers') item('ps-sweep-swatch-ideal', 'ideal (speedup = workers)');
    if (r.predicted) item('ps-sweep-swatch-predicted', 'predicted from the first run');
    else add(legend, el('li', 'ps-sweep-no-prediction', 'no prediction: the first run has no what-if model'));
    add(
      s,
      el(
        'p',
        'ps-hint',
        `Speedup = the first run's estimated sequential time (${fmtMs(r.baselineSequentialMs)}) / wall time.`,
      ),
    );
    add(s, this.table(r));
    for (const w of r.warnings) add(s, el('p', 'ps-sweep-warning', w));
    return s;
  }

  private table(r: SweepResult): HTMLTableElement {
    const predicted = new Map((r.predicted ?? []).map((p) => [p.value, p]));
    const t = el('table', 'ps-delta ps-sweep-table');
    const head = add(add(t, el('thead')), el('tr'));
    const cols = [r.kind === 'workers' ? 'Workers' : 'Chunksize', 'Wall time', 'Speedup'];
    if (r.kind === 'workers') cols.push('Ideal');
    cols.push('Predicted', 'Run');
    for (const c of cols) add(head, el('th', null, c)).setAttribute('scope', 'col');
    const body = add(t, el('tbody'));
    for (const p of r.points) {
      const tr = add(body, el('tr'));
      tr.setAttribute('data-value', String(p.value));
      if (p.value === r.recommended) tr.setAttribute('aria-current', 'true');
      add(tr, el('th', null, `${p.value}${p.applied ? '' : ' (not applied)'}`)).setAttribute('scope', 'row');
      add(tr, el('td', 'ps-num', fmtMs(p.wallMs)));
      add(tr, el('td', 'ps-num', fmtX(p.speedup)));
      if (r.kind === 'workers') add(tr, el('td', 'ps-num', fmtX(p.idealSpeedup)));
      const pred = predicted.get(p.value);
      add(tr, el('td', 'ps-num', pred ? fmtX(pred.speedup) : '–'));
      const cell = add(tr, el('td'));
      const runId = p.runId;
      if (runId)
        cell.append(linkButton('Open', `Open the run with ${r.kind} ${p.value}`, () => this.openRun(runId)));
    }
    return t;
  }
}
