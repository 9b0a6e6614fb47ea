/**
 * "What if": the core's predictions for a call site (src/core/whatIf.ts) as two small SVG charts —
 * speedup against workers with the ideal line, and wall time against chunksize — plus the
 * recommendation in words and the numbers as a table (for keyboards and screen readers).
 */
import { scaleLinear, scaleLog } from 'd3-scale';
import { select, type Selection } from 'd3-selection';
import { line } from 'd3-shape';
import type { CallSiteReport, Report, WhatIfPoint } from '../src/core/report';
import { whatIfSummary } from '../src/core/report';
import { add, clear, el, linkButton } from './dom';
import { baseName, fmtMs, fmtX } from './units';

const W = 300;
const H = 150;
const M = { top: 10, right: 12, bottom: 30, left: 40 };
const SVG_NS = 'http://www.w3.org/2000/svg';

type G = Selection<SVGGElement, unknown, null, undefined>;

export class WhatIfView {
  readonly root = el('section', 'ps-whatif');
  private lastReport: Report | null | undefined;
  private siteId: string | null = null;

  constructor(private readonly openSource: (file: string, line: number) => void) {
    this.render(null);
  }

  update(report: Report | null): void {
    if (report === this.lastReport) return;
    this.render(report);
  }

  /** Shows the call site (from a CodeLens click) and brings the section into view. */
  focus(callSiteId: string): void {
    this.siteId = callSiteId;
    this.render(this.lastReport ?? null);
    this.root.scrollIntoView({ block: 'start' });
    this.root.querySelector<HTMLElement>('select')?.focus();
  }

  private render(report: Report | null): void {
    this.lastReport = report;
    clear(this.root);
    add(this.root, el('h2', null, 'What if'));
    const sites = (report?.callSites ?? []).filter((s) => s.whatIf !== null);
    if (!report || sites.length === 0) {
      const note = !report
        ? 'Predictions appear when the run has finished.'
        : 'No call site could be modelled: predictions need pool tasks with their compute recorded.';
      add(this.root, el('p', 'ps-empty-note', note));
      return;
    }
    const site = sites.find((s) => s.id === this.siteId) ?? [...sites].sort((a, b) => b.wallMs - a.wallMs)[0];
    this.siteId = site.id;

    const bar = add(this.root, el('div', 'ps-whatif-bar'));
    const label = add(bar, el('label', null, 'Call site '));
    const pick = add(label, el('select', 'ps-whatif-site'));
    for (const s of sites) {
      const o = add(pick, el('option', null, `${baseName(s.file) || s.id}:${s.line} · ${s.api}`));
      o.value = s.id;
      o.selected = s.id === site.id;
    }
    pick.addEventListener('change', () => {
      this.siteId = pick.value;
      this.render(this.lastReport ?? null);
      this.root.querySelector<HTMLElement>('select')?.focus();
    });
    if (site.file)
      add(
        bar,
        linkButton('Go to line', `${site.file}:${site.line}`, () => this.openSource(site.file, site.line)),
      );

    add(this.root, el('p', 'ps-whatif-summary', whatIfSummary(site, report.run.cpuCount)));
    const charts = add(this.root, el('div', 'ps-whatif-charts'));
    add(charts, workersChart(site, report.run.cpuCount));
    if ((site.whatIf?.chunksizes.length ?? 0) > 1) add(charts, chunksizeChart(site));
    add(this.root, dataTable(site));
  }
}

function chartFrame(title: string, aria: string): { fig: HTMLElement; g: G; svg: SVGSVGElement } {
  const fig = el('figure', 'ps-whatif-chart');
  add(fig, el('figcaption', null, title));
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', aria);
  add(fig, svg);
  const g = select(svg).append('g').attr('transform', `translate(${M.left},${M.top})`) as G;
  return { fig, g, svg };
}

function axes(
  g: G,
  x: (v: number) => number,
  y: (v: number) => number,
  xs: number[],
  ys: number[],
  xLabel: string,
  yLabel: string,
): void {
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  g.append('line').attr('class', 'ps-axis').attr('x1', 0).attr('x2', iw).attr('y1', ih).attr('y2', ih);
  g.append('line').attr('class', 'ps-axis').attr('x1', 0).attr('x2', 0).attr('y1', 0).attr('y2', ih);
  for (const v of xs)
    g.append('text')
      .attr('class', 'ps-tick')
      .attr('x', x(v))
      .attr('y', ih + 13)
      .attr('text-anchor', 'middle')
      .text(String(v));
  for (const v of ys)
    g.append('text')
      .attr('class', 'ps-tick')
      .attr('x', -5)
      .attr('y', y(v) + 3)
      .attr('text-anchor', 'end')
      .text(label(v));
  g.append('text')
    .attr('class', 'ps-tick')
    .attr('x', iw / 2)
    .attr('y', ih + 26)
    .attr('text-anchor', 'middle')
    .text(xLabel);
  g.append('text').attr('class', 'ps-tick').attr('x', 6).attr('y', 2).text(yLabel);
}

const label = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(0) : v.toFixed(1));

function ticks(max: number, count: number): number[] {
  return scaleLinear().domain([0, max]).nice(count).ticks(count);
}

function workersChart(site: CallSiteReport, cores: number): HTMLElement {
  const w = site.whatIf as NonNullable<CallSiteReport['whatIf']>;
  const pts = w.workers.filter((p) => p.speedup !== null);
  const maxW = Math.max(...w.workers.map((p) => p.workers));
  const maxY = Math.max(
    1,
    ...pts.map((p) => p.speedup as number),
    Math.min(maxW, Math.max(cores, 1)),
    site.estSpeedup ?? 0,
  );
  const { fig, g } = chartFrame(
    'Speedup against workers',
    `Predicted speedup from 1 to ${maxW} workers; recommended ${w.recommendedWorkers}`,
  );
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const x = scaleLinear()
    .domain([1, Math.max(2, maxW)])
    .range([0, iw]);
  const y = scaleLinear()
    .domain([0, maxY * 1.08])
    .range([ih, 0]);
  const xTicks = w.workers.map((p) => p.workers).filter((n) => maxW <= 8 || n === 1 || n % 2 === 0);
  axes(g, x, y, xTicks, ticks(maxY, 4), 'workers', 'speedup ×');
  if (cores > 0 && cores <= maxW)
    g.append('line')
      .attr('class', 'ps-cores')
      .attr('x1', x(cores))
      .attr('x2', x(cores))
      .attr('y1', 0)
      .attr('y2', ih);
  // Ideal: speedup = workers, up to the cores.
  const ideal = w.workers.map(
    (p) => [p.workers, Math.min(p.workers, cores || p.workers)] as [number, number],
  );
  g.append('path')
    .attr('class', 'ps-ideal')
    .attr('d', line()(ideal.map(([a, b]) => [x(a), y(b)])) ?? '');
  const pred = pts.map((p) => [x(p.workers), y(p.speedup as number)] as [number, number]);
  g.append('path')
    .attr('class', 'ps-predicted')
    .attr('d', line()(pred) ?? '');
  for (const [px, py] of pred)
    g.append('circle').attr('class', 'ps-predicted-dot').attr('cx', px).attr('cy', py).attr('r', 2.5);
  if (site.estSpeedup !== null)
    g.append('circle')
      .attr('class', 'ps-measured-dot')
      .attr('cx', x(site.workers))
      .attr('cy', y(site.estSpeedup))
      .attr('r', 4.5)
      .append('title')
      .text(`measured: ${fmtX(site.estSpeedup)} on ${site.workers} workers`);
  add(
    fig,
    legend([
      ['ps-predicted', 'predicted'],
      ['ps-ideal', 'ideal'],
      ['ps-measured-dot', 'measured'],
      ['ps-cores', 'cores'],
    ]),
  );
  return fig;
}

function chunksizeChart(site: CallSiteReport): HTMLElement {
  const w = site.whatIf as NonNullable<CallSiteReport['whatIf']>;
  const pts = w.chunksizes.filter((p): p is WhatIfPoint & { chunksize: number } => p.chunksize !== null);
  const { fig, g } = chartFrame(
    `Wall time against chunksize (${site.workers} workers)`,
    `Predicted wall time for chunksizes ${pts[0].chunksize} to ${pts[pts.length - 1].chunksize}; best ${w.bestChunksize}`,
  );
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const maxC = Math.max(2, ...pts.map((p) => p.chunksize));
  const maxY = Math.max(...pts.map((p) => p.wallMs), site.wallMs);
  const x = scaleLog().base(2).domain([1, maxC]).range([0, iw]);
  const y = scaleLinear()
    .domain([0, maxY * 1.08])
    .range([ih, 0]);
  const xTicks = pts
    .map((p) => p.chunksize)
    .filter((c) => (c & (c - 1)) === 0 && (maxC < 64 || Math.log2(c) % 2 === 0));
  axes(g, x, y, xTicks, ticks(maxY, 4), 'chunksize', 'wall time, ms');
  const path = pts.map((p) => [x(p.chunksize), y(p.wallMs)] as [number, number]);
  g.append('path')
    .attr('class', 'ps-predicted')
    .attr('d', line()(path) ?? '');
  for (const [px, py] of path)
    g.append('circle').attr('class', 'ps-predicted-dot').attr('cx', px).attr('cy', py).attr('r', 2.5);
  const now = Math.max(1, site.chunksize ?? 1);
  g.append('circle')
    .attr('class', 'ps-measured-dot')
    .attr('cx', x(Math.min(now, maxC)))
    .attr('cy', y(site.wallMs))
    .attr('r', 4.5)
    .append('title')
    .text(`measured: ${fmtMs(site.wallMs)} at chunksize ${now}`);
  const best = pts.find((p) => p.chunksize === w.bestChunksize);
  if (best)
    g.append('circle')
      .attr('class', 'ps-best-dot')
      .attr('cx', x(best.chunksize))
      .attr('cy', y(best.wallMs))
      .attr('r', 5)
      .append('title')
      .text(`best: chunksize ${best.chunksize}, ${fmtMs(best.wallMs)}`);
  add(
    fig,
    legend([
      ['ps-predicted', 'predicted'],
      ['ps-measured-dot', 'measured'],
      ['ps-best-dot', 'suggested'],
    ]),
  );
  return fig;
}

function legend(items: [string, string][]): HTMLElement {
  const ul = el('ul', 'ps-whatif-legend');
  for (const [cls, text] of items) {
    const li = add(ul, el('li'));
    add(li, el('span', `ps-key ${cls}`));
    add(li, document.createTextNode(text));
  }
  return ul;
}

function dataTable(site: CallSiteReport): HTMLElement {
  const w = site.whatIf as NonNullable<CallSiteReport['whatIf']>;
  const details = el('details', 'ps-whatif-data');
  add(details, el('summary', null, 'Predicted figures'));
  const table = add(details, el('table'));
  const head = add(add(table, el('thead')), el('tr'));
  for (const h of ['workers', 'chunksize', 'wall time', 'speedup']) add(head, el('th', null, h));
  const body = add(table, el('tbody'));
  for (const p of [
    ...w.workers,
    ...w.chunksizes.filter((q) => q.chunksize !== w.recorded.chunksize || q.workers !== w.recorded.workers),
  ]) {
    const tr = add(body, el('tr'));
    for (const v of [
      String(p.workers),
      p.chunksize === null ? '–' : String(p.chunksize),
      fmtMs(p.wallMs),
      fmtX(p.speedup),
    ])
      add(tr, el('td', null, v));
  }
  return details;
}
