import { add, clear, el } from './dom';
import type { CallSiteReport, Quadrant, Report, Verdict } from '../src/core/report';
import { baseName, matrixCell, QUADRANT_TITLES } from './units';

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

/**
 * The verdict sentence and the 2×2 grid, the run's cell marked, each call site in its own. A
 * verdict the measurement overruled ("measure first" where the matrix said otherwise) stays in the
 * matrix's cell, marked as overruled: its compute and data are what put it there.
 */
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
      for (const cell of cells) add(row, this.cell(cell, report?.verdict ?? null, report?.callSites ?? []));
    }
  }

  private cell(quadrant: Cell, run: Verdict | null, sites: readonly CallSiteReport[]): HTMLElement {
    const on = run !== null && matrixCell(run) === quadrant;
    const c = el('div', on ? 'ps-cell ps-cell-on' : 'ps-cell');
    c.setAttribute('role', 'cell');
    c.setAttribute('data-quadrant', quadrant);
    if (on) c.setAttribute('aria-current', 'true');
    add(c, el('div', 'ps-cell-title', QUADRANT_TITLES[quadrant] ?? quadrant));
    add(c, el('div', 'ps-cell-hint', HINTS[quadrant]));
    if (on && run.matrix) add(c, el('div', 'ps-cell-overruled', overruledText(run)));
    const chips = add(c, el('div', 'ps-chips'));
    for (const s of sites) {
      if (matrixCell(s.verdict) !== quadrant) continue;
      const chip = add(chips, el('button', s.verdict.matrix ? 'ps-chip ps-chip-overruled' : 'ps-chip'));
      chip.type = 'button';
      add(chip, el('span', 'ps-chip-where', `${baseName(s.file)}:${s.line}`));
      add(chip, el('span', 'ps-chip-api', s.api));
      const overruled = s.verdict.matrix ? ` — ${overruledText(s.verdict)}` : '';
      if (overruled) add(chip, el('span', 'ps-chip-verdict', `→ ${QUADRANT_TITLES[s.verdict.quadrant]}`));
      chip.setAttribute('title', `${s.file}:${s.line} — ${s.api}${overruled}`);
      chip.setAttribute('aria-label', `Open ${s.file} line ${s.line} (${s.api})${overruled}`);
      chip.addEventListener('click', () => this.openSource(s.file, s.line));
    }
    return c;
  }
}

/** What an overruled verdict's cell or chip says: the measurement's verdict, and why. */
function overruledText(v: Verdict): string {
  return `overruled by the measured speedup: ${QUADRANT_TITLES[v.quadrant] ?? v.quadrant}`;
}
