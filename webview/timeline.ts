import { scaleLinear, type ScaleLinear } from 'd3-scale';
import { select, type Selection } from 'd3-selection';
import { zoom, zoomIdentity, type D3ZoomEvent, type ZoomBehavior, type ZoomTransform } from 'd3-zoom';
import { add, clear, el } from './dom';
import type { LaneTasks } from './laneTasks';
import { legend } from './legend';
import { Overview } from './overview';
import type { ProcessLane, TaskStore } from './store';
import { TaskCursor } from './taskCursor';
import { palette, type Palette } from './theme';
import { drawTimeAxis, timeTicks } from './timeAxis';
import { type DrawStats, LANE_H, LaneRenderer } from './timelineDraw';
import { TaskTooltip } from './tooltip';
import { fmtMs } from './units';

export const AXIS_H = 22;
/** The narrowest window the zoom allows, in ms (1 µs). */
const MIN_SPAN_MS = 0.001;
const KEY_ZOOM = 1.5;
const KEY_PAN = 0.15;
const HOVER_PX = 3;

export interface TimelineHost {
  openSource(file: string, line: number): void;
  schedule(): void;
  /** The user zoomed or panned to this window (ms); the compare panel keeps its two in step. */
  onViewChange?(domain: [number, number]): void;
}

export interface TimelineFrame {
  live: boolean;
  emptyText: string;
}

/**
 * The task timeline: one lane per process, bars on a canvas, the axis in an SVG overlay, d3-zoom
 * for wheel, drag and keyboard. The zoom transform is the single source of the visible window;
 * the overview brush and the usage charts follow it.
 */
export class Timeline {
  readonly root = el('section', 'ps-timeline');
  readonly overview: Overview;
  private plot: HTMLDivElement;
  private canvas: HTMLCanvasElement;
  private gutter: HTMLDivElement;
  private empty: HTMLDivElement;
  private axisG: Selection<SVGGElement, unknown, null, undefined>;
  private axisSvg: SVGSVGElement;
  private tooltip = new TaskTooltip();
  private cursor: TaskCursor;
  /** The tooltip shows the keyboard cursor's task (not the pointer's). */
  private cursorTip = false;
  private announcer: HTMLElement;
  private renderer = new LaneRenderer();
  private zoomer: ZoomBehavior<HTMLDivElement, unknown>;
  private plotSel: Selection<HTMLDivElement, unknown, null, undefined>;
  private transform: ZoomTransform = zoomIdentity;
  private base = scaleLinear();
  private width = 0;
  private dirty = true;
  /** Set while the timeline itself adjusts the transform, so that is not taken as a user zoom. */
  private syncing = false;
  private drawnVersion = -1;
  private drawnPalette: Palette | null = null;
  private laneKey = '';
  private lastFrame: TimelineFrame = { live: false, emptyText: '' };
  /** What the last frame drew, for the benchmark. */
  lastStats: DrawStats = { visible: 0, bars: 0, columns: 0, binned: 0 };

  constructor(
    private readonly store: TaskStore,
    private readonly host: TimelineHost,
  ) {
    const head = add(this.root, el('div', 'ps-section-head'));
    add(head, el('h2', null, 'Timeline'));
    add(head, legend());
    this.overview = new Overview((a, b) => this.showDomain(a, b));
    const ovRow = add(this.root, el('div', 'ps-row'));
    add(ovRow, el('div', 'ps-gutter-label', 'whole run'));
    add(ovRow, this.overview.root);

    const body = add(this.root, el('div', 'ps-row ps-timeline-body'));
    this.gutter = add(body, el('div', 'ps-gutter'));
    this.gutter.style.paddingTop = `${AXIS_H}px`;
    this.plot = add(body, el('div', 'ps-plot'));
    this.plot.tabIndex = 0;
    this.plot.setAttribute('role', 'application');
    this.plot.setAttribute('aria-roledescription', 'timeline');
    this.plot.setAttribute(
      'aria-label',
      'Task timeline. Plus and minus zoom, arrow keys pan, 0 shows the whole run. Click a task to open its call site.',
    );
    this.axisSvg = add(this.plot, document.createElementNS('http://www.w3.org/2000/svg', 'svg'));
    this.axisSvg.classList.add('ps-axis');
    this.axisSvg.setAttribute('height', String(AXIS_H));
    this.axisSvg.setAttribute('aria-hidden', 'true');
    this.axisG = select(this.axisSvg)
      .append('g')
      .attr('transform', `translate(0,${AXIS_H - 1})`);
    this.canvas = add(this.plot, el('canvas', 'ps-canvas'));
    this.canvas.setAttribute('aria-hidden', 'true');
    this.empty = add(this.plot, el('div', 'ps-empty', 'Waiting for the first task…'));
    add(
      this.root,
      el(
        'p',
        'ps-hint',
        'Wheel or +/− to zoom · drag or ←/→ to pan · 0 to reset · click a task, or pick one with [ ] ↑ ↓ and press Enter, to open its call site',
      ),
    );

    this.cursor = new TaskCursor(store);
    this.announcer = add(this.root, el('div', 'ps-sr-only'));
    this.announcer.setAttribute('aria-live', 'polite');
    this.plotSel = select(this.plot);
    this.zoomer = zoom<HTMLDivElement, unknown>()
      .scaleExtent([1, 1])
      .on('zoom', (ev: D3ZoomEvent<HTMLDivElement, unknown>) => {
        this.transform = ev.transform;
        if (this.syncing) return;
        if (!this.cursorTip) this.tooltip.hide();
        this.invalidate();
        this.host.onViewChange?.(this.domain());
      });
    this.plotSel.call(this.zoomer).on('dblclick.zoom', null);
    this.plot.addEventListener('keydown', (ev) => this.onKey(ev));
    this.plot.addEventListener('pointermove', (ev) => this.onHover(ev));
    this.plot.addEventListener('pointerleave', () => {
      if (!this.cursorTip) this.tooltip.hide();
    });
    this.plot.addEventListener('pointerdown', () => this.tooltip.hide());
    this.plot.addEventListener('click', (ev) => this.onClick(ev));
    new ResizeObserver(() => this.resize()).observe(this.plot);
  }

  /** A new run: the whole of it in view, no task picked. */
  resetView(): void {
    this.cursor.clear();
    this.cursorTip = false;
    this.tooltip.hide();
    this.plotSel.call(this.zoomer.transform, zoomIdentity);
    this.invalidate();
  }

  invalidate(): void {
    this.dirty = true;
    this.host.schedule();
  }

  /** The visible time window in ms. */
  domain(): [number, number] {
    const [a, b] = this.x().domain();
    return [a, b];
  }

  /** The scale from ms to plot pixels, as zoomed. */
  x(): ScaleLinear<number, number> {
    return this.transform.rescaleX(this.base);
  }

  get plotWidth(): number {
    return this.width;
  }

  get laneCount(): number {
    return this.store.lanes.length;
  }

  /** Zooms so that [a, b] fills the plot. */
  showDomain(a: number, b: number): void {
    const lo = this.base(Math.min(a, b));
    const hi = this.base(Math.max(a, b));
    if (!(hi - lo > 0)) return;
    const k = this.width / (hi - lo);
    this.plotSel.call(this.zoomer.transform, zoomIdentity.scale(k).translate(-lo, 0));
  }

  /** Draws if anything changed since the last frame; true if it drew. */
  render(frame: TimelineFrame): boolean {
    const p = palette();
    if (frame.live !== this.lastFrame.live || frame.emptyText !== this.lastFrame.emptyText) this.dirty = true;
    if (!this.dirty && this.drawnVersion === this.store.version && this.drawnPalette === p) return false;
    this.lastFrame = frame;
    this.dirty = false;
    this.drawnVersion = this.store.version;
    this.drawnPalette = p;
    this.syncLanes();
    this.syncExtent();

    const lanes = this.store.lanes;
    const hasTasks = this.store.taskCount > 0;
    this.empty.hidden = hasTasks;
    this.empty.textContent = frame.emptyText;
    const x = this.x();
    const [d0, d1] = x.domain();
    const ticks = timeTicks(x, this.width);
    drawTimeAxis(this.axisG, x, ticks);

    const ctx = this.sizeCanvas(Math.max(1, lanes.length) * LANE_H);
    if (ctx) {
      ctx.clearRect(0, 0, this.width, Math.max(1, lanes.length) * LANE_H);
      const dpr = window.devicePixelRatio || 1;
      const view = { d0, d1, width: this.width, now: this.store.endMs, live: frame.live, ticks, dpr };
      this.lastStats = this.renderer.draw(ctx, lanes, view, p);
      this.drawCursor(ctx, p);
    }
    this.overview.render(this.store, this.base, [d0, d1], p);
    return true;
  }

  private syncLanes(): void {
    const key = this.store.lanes.map((l) => `${l.lane.pid}\u0000${l.lane.label}`).join('\u0001');
    if (key === this.laneKey) return;
    this.laneKey = key;
    clear(this.gutter);
    for (const l of this.store.lanes) {
      const label = add(
        this.gutter,
        el('div', `ps-lane-label ps-role-${cssToken(l.lane.role)}`, l.lane.label),
      );
      label.setAttribute('title', `${l.lane.label} (${l.lane.role}, pid ${l.lane.pid})`);
      label.style.height = `${LANE_H}px`;
    }
  }

  /** Keeps the zoom limits in step with the data's length and the plot's width. */
  private syncExtent(): void {
    const end = Math.max(this.store.endMs, MIN_SPAN_MS);
    const [, oldEnd] = this.base.domain();
    this.base.domain([0, end]).range([0, this.width]);
    const h = Math.max(1, this.plot.clientHeight);
    this.zoomer
      .extent([
        [0, 0],
        [this.width, h],
      ])
      .translateExtent([
        [0, -Infinity],
        [this.width, Infinity],
      ])
      .scaleExtent([1, Math.max(1, end / MIN_SPAN_MS)]);
    // A growing live run keeps the same window in ms, unless the whole run was in view.
    if (oldEnd > 0 && oldEnd !== end && this.transform.k > 1) {
      const t = this.transform;
      this.syncing = true;
      this.plotSel.call(this.zoomer.transform, zoomIdentity.translate(t.x, 0).scale((t.k * end) / oldEnd));
      this.syncing = false;
    }
  }

  private resize(): void {
    const w = Math.floor(this.plot.clientWidth);
    if (w === this.width || w <= 0) return;
    const [a, b] = this.width > 0 ? this.domain() : [0, 0];
    const zoomed = this.transform.k > 1;
    this.width = w;
    this.base.range([0, w]);
    this.overview.resize();
    if (zoomed) this.showDomain(a, b);
    this.invalidate();
  }

  private sizeCanvas(h: number): CanvasRenderingContext2D | null {
    const dpr = window.devicePixelRatio || 1;
    const W = Math.round(this.width * dpr);
    const H = Math.round(h * dpr);
    if (this.canvas.width !== W || this.canvas.height !== H) {
      this.canvas.width = W;
      this.canvas.height = H;
      this.canvas.style.width = `${this.width}px`;
      this.canvas.style.height = `${h}px`;
    }
    const ctx = this.canvas.getContext('2d');
    ctx?.setTransform(dpr, 0, 0, dpr, 0, 0);
    return ctx;
  }

  private onKey(ev: KeyboardEvent): void {
    const z = this.zoomer;
    const sel = this.plotSel;
    switch (ev.key) {
      case '+':
      case '=':
        z.scaleBy(sel, KEY_ZOOM);
        break;
      case '-':
      case '_':
        z.scaleBy(sel, 1 / KEY_ZOOM);
        break;
      case 'ArrowLeft':
        z.translateBy(sel, (this.width * KEY_PAN) / this.transform.k, 0);
        break;
      case 'ArrowRight':
        z.translateBy(sel, (-this.width * KEY_PAN) / this.transform.k, 0);
        break;
      case '0':
      case 'Home':
        z.transform(sel, zoomIdentity);
        break;
      case ']':
      case '.':
      case '[':
      case ',':
        this.moveCursor(this.cursor.step(ev.key === ']' || ev.key === '.' ? 1 : -1, this.domain()[0]));
        break;
      case 'ArrowDown':
      case 'ArrowUp':
        this.moveCursor(this.cursor.changeLane(ev.key === 'ArrowDown' ? 1 : -1, this.domain()[0]));
        break;
      case 'Enter': {
        const cur = this.cursor.current;
        const site = cur && this.store.sites.get(cur.lane.done.site[cur.row]);
        if (!site) return;
        this.host.openSource(site.file, site.line);
        break;
      }
      case 'Escape':
        this.cursor.clear();
        this.cursorTip = false;
        this.tooltip.hide();
        this.invalidate();
        break;
      default:
        return;
    }
    ev.preventDefault();
  }

  /** After a cursor move: bring its task into view, outline it, show and announce it. */
  private moveCursor(moved: boolean): void {
    const cur = this.cursor.current;
    if (!moved || !cur) return;
    this.cursorTip = true;
    const s = cur.lane.done.t0[cur.row];
    const e = cur.lane.done.endOf(cur.row, this.store.endMs);
    const [d0, d1] = this.domain();
    if (s < d0 || e > d1) this.zoomer.translateTo(this.plotSel, this.base((s + e) / 2), 0);
    const site = this.store.sites.get(cur.lane.done.site[cur.row]);
    this.announcer.textContent = `${cur.lane.lane.label}: task ${cur.row + 1} of ${cur.lane.done.n}, compute ${fmtMs(
      cur.lane.done.t2[cur.row] - cur.lane.done.t1[cur.row],
    )}${site ? `. Enter opens ${site.file}:${site.line}` : ''}`;
    this.invalidate();
  }

  /** Outlines the cursor's task and keeps its tooltip next to it. */
  private drawCursor(ctx: CanvasRenderingContext2D, p: Palette): void {
    const cur = this.cursor.current;
    if (!cur) return;
    const x = this.x();
    const xs = x(cur.lane.done.t0[cur.row]);
    const xe = Math.max(xs + 2, x(cur.lane.done.endOf(cur.row, this.store.endMs)));
    const y = cur.index * LANE_H + 1;
    ctx.save();
    ctx.strokeStyle = p.focus;
    ctx.lineWidth = 2;
    ctx.strokeRect(xs - 1, y, xe - xs + 2, LANE_H - 2);
    ctx.restore();
    if (!this.cursorTip) return;
    const r = this.canvas.getBoundingClientRect();
    const site = this.store.sites.get(cur.lane.done.site[cur.row]);
    this.tooltip.show(cur.lane, cur.lane.done, cur.row, site, r.left + (xs + xe) / 2, r.top + y + LANE_H);
  }

  /** The task under a pointer position: in flight first (drawn on top), then finished. */
  private taskAt(ev: MouseEvent): { lane: ProcessLane; tasks: LaneTasks; row: number } | null {
    const r = this.canvas.getBoundingClientRect();
    const lane = this.store.lanes[Math.floor((ev.clientY - r.top) / LANE_H)];
    if (!lane || ev.clientX < r.left || ev.clientX > r.right) return null;
    const x = this.x();
    const t = x.invert(ev.clientX - r.left);
    const tol = Math.abs(x.invert(HOVER_PX) - x.invert(0));
    for (const tasks of [lane.running, lane.done]) {
      const row = tasks.hitTest(t, tol, this.store.endMs);
      if (row >= 0) return { lane, tasks, row };
    }
    return null;
  }

  private onHover(ev: PointerEvent): void {
    if (ev.buttons) return;
    this.cursorTip = false;
    const hit = this.taskAt(ev);
    if (!hit) {
      this.tooltip.hide();
      this.plot.classList.remove('ps-over-task');
      return;
    }
    const site = this.store.sites.get(hit.tasks.site[hit.row]);
    this.tooltip.show(hit.lane, hit.tasks, hit.row, site, ev.clientX, ev.clientY);
    this.plot.classList.toggle('ps-over-task', site !== undefined);
  }

  private onClick(ev: MouseEvent): void {
    const hit = this.taskAt(ev);
    if (!hit) return;
    const site = this.store.sites.get(hit.tasks.site[hit.row]);
    if (site) this.host.openSource(site.file, site.line);
  }
}

function cssToken(s: string): string {
  return s.replace(/[^a-z0-9-]/gi, '') || 'other';
}
