/**
 * The Compare panel: run A's and run B's timelines one above the other on one time scale (both
 * stores end at the longer run's wall time, so a millisecond is as wide in both), then the deltas.
 */
import type { CompareSide, ToCompareView } from '../../src/shared/compareProtocol';
import { add, clear, el } from '../dom';
import { TaskStore } from '../store';
import { Timeline } from '../timeline';
import { fmtMs } from '../units';
import { deltaTables } from './deltaTable';

type CompareMsg = Extract<ToCompareView, { type: 'compare/show' }>;

export class CompareView {
  readonly root = el('div', 'ps-compare');
  private lanes: { store: TaskStore; timeline: Timeline }[] = [];
  /** Set while one timeline's zoom is copied to the other, so the copy is not copied back. */
  private linking = false;

  constructor(
    private readonly openSource: (file: string, line: number) => void,
    private readonly schedule: () => void,
  ) {}

  show(msg: CompareMsg): void {
    clear(this.root);
    const head = add(this.root, el('header', 'ps-compare-head'));
    add(head, el('h1', null, 'Compare runs'));
    for (const [tag, side] of [
      ['A', msg.a],
      ['B', msg.b],
    ] as const) {
      const info = msg.comparison[tag === 'A' ? 'a' : 'b'];
      const overrides = Object.entries(info.overrides).map(([k, v]) => `${k} = ${String(v)}`);
      add(
        head,
        el(
          'p',
          'ps-meta',
          `${side.label} · ${fmtMs(side.wallMs)} · ${info.workers} workers${overrides.length ? ` · overridden: ${overrides.join(', ')}` : ''}`,
        ),
      ).setAttribute('data-side', tag);
    }
    const endMs = Math.max(msg.a.wallMs, msg.b.wallMs);
    this.lanes = [msg.a, msg.b].map((side, i) => this.lane(side, i === 0 ? 'A' : 'B', endMs, i));
    add(this.root, deltaTables(msg.comparison, this.openSource));
  }

  private lane(
    side: CompareSide,
    tag: string,
    endMs: number,
    index: number,
  ): { store: TaskStore; timeline: Timeline } {
    const section = add(this.root, el('section', 'ps-compare-lane'));
    section.setAttribute('data-side', tag);
    section.setAttribute('aria-label', `Run ${tag} timeline`);
    add(section, el('h2', 'ps-compare-lane-title', side.label));
    const store = new TaskStore();
    store.upsertLanes(side.lanes);
    store.upsertSites(side.sites);
    store.appendTasks(side.tasks);
    // One scale for both: each timeline spans the longer run.
    store.setWall(endMs);
    // Zoom and pan are shared: the two stay on one time scale while the user explores.
    const timeline = new Timeline(store, {
      openSource: this.openSource,
      schedule: this.schedule,
      onViewChange: ([a, b]) => {
        const other = this.lanes[1 - index]?.timeline;
        if (!other || this.linking) return;
        this.linking = true;
        try {
          other.showDomain(a, b);
        } finally {
          this.linking = false;
        }
      },
    });
    add(section, timeline.root);
    return { store, timeline };
  }

  /** Draws what changed; called once per animation frame. */
  render(): void {
    for (const { store, timeline } of this.lanes) {
      store.prepare();
      timeline.render({ live: false, emptyText: 'No pool tasks were recorded in this run.' });
    }
  }

  invalidate(): void {
    for (const { timeline } of this.lanes) timeline.invalidate();
  }

  domains(): [number, number][] {
    return this.lanes.map(({ timeline }) => timeline.domain());
  }

  laneCounts(): number[] {
    return this.lanes.map(({ timeline }) => timeline.laneCount);
  }
}
