import { add, clear, el } from './dom';
import type { CallSiteReport, Quadrant, Report } from '../src/core/report';
import { baseName, QUADRANT_TITLES } from './units';

type Cell = Exclude<Quadrant, 'no-parallel-work'>;

/** The IPC decision matrix: rows are compute per task, columns the data each task moves. */
const ROWS: ReadonlyArray<[label: string, cells: [Cell, Cell]]> = [
  ['Heavy compute', ['clear-win', 'measure-first']],
  ['Light compute', ['ipc-overhead-wins', 'both-lose']],
];

const HINTS: Record<Cell, string> = {
  'clear-win': 'Work outweighs copying: parallelism pays.',
  'measure-first': 'Pays only if compute beats the copy: measure, send less.',
  'ipc-overhead-wins': 'Pickling and pipes cost more than the work: batch it.',
  'both-lose': 'Little work, lots of data: stay sequential or restructure.',
};

/** The verdict sentence and the 2×2 grid, the run's quadrant marked, each call site in its own. */
export class MatrixView {
  readonly root = el('section', 'ps-verdict');
  private lastReport: Report | null | undefined;

  constructor(private readonly openSource: (file: string, line: number) => void) {
    this.render(null);
  }

  /** `final` false: a report computed while the run goes on, whose verdict may still change. */
  update(report: Report | null, final = true): void {
    if (report === this.lastReport) return;
    this.render(report, final);
  }

  private render(report: Report | null, final = true): void {
    this.lastReport = report;
    clear(this.root);
    const h2 = add(this.root, el('h2', null, 'Verdict'));
    if (report && !final) add(h2, el('span', 'ps-preliminary', ' · preliminary, the run is still going'));
    const q = report?.verdict.quadrant;
    const head = add(
      this.root,
      el('div', 'ps-verdict-title', q ? (QUADRANT_TITLES[q] ?? q) : 'No verdict yet'),
    );
    head.setAttribute('data-quadrant', q ?? '');
    add(
      this.root,
      el(
        'p',
        'ps-verdict-sentence',
        report ? report.verdict.sentence : 'The verdict appears when the run has finished.',
      ),
    );

    const grid = add(this.root, el('div', 'ps-matrix'));
    grid.setAttribute('role', 'table');
    grid.setAttribute('aria-label', 'Decision matrix: compute per task against data per task');
    const header = add(grid, el('div', 'ps-matrix-row'));
    header.setAttribute('role', 'row');
    for (const text of ['', 'Small data', 'Large data']) {
      add(header, el('div', 'ps-matrix-head', text)).setAttribute('role', 'columnheader');
    }
    for (const [label, cells] of ROWS) {
      const row = add(grid, el('div', 'ps-matrix-row'));
      row.setAttribute('role', 'row');
      add(row, el('div', 'ps-matrix-head', label)).setAttribute('role', 'rowheader');
      for (const cell of cells) add(row, this.cell(cell, q === cell, report?.callSites ?? []));
    }
  }

  private cell(quadrant: Cell, on: boolean, sites: readonly CallSiteReport[]): HTMLElement {
    const c = el('div', on ? 'ps-cell ps-cell-on' : 'ps-cell');
    c.setAttribute('role', 'cell');
    c.setAttribute('data-quadrant', quadrant);
    if (on) c.setAttribute('aria-current', 'true');
    add(c, el('div', 'ps-cell-title', QUADRANT_TITLES[quadrant] ?? quadrant));
    add(c, el('div', 'ps-cell-hint', HINTS[quadrant]));
    const chips = add(c, el('div', 'ps-chips'));
    for (const s of sites) {
      if (s.quadrant !== quadrant) continue;
      const chip = add(chips, el('button', 'ps-chip'));
      chip.type = 'button';
      add(chip, el('span', 'ps-chip-where', `${baseName(s.file)}:${s.line}`));
      add(chip, el('span', 'ps-chip-api', s.api));
      chip.setAttribute('title', `${s.file}:${s.line} — ${s.api}`);
      chip.setAttribute('aria-label', `Open ${s.file} line ${s.line} (${s.api})`);
      chip.addEventListener('click', () => this.openSource(s.file, s.line));
    }
    return c;
  }
}
