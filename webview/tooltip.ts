import type { SiteRef } from '../src/shared/protocol';
import { add, clear, el } from './dom';
import type { LaneTasks } from './laneTasks';
import type { ProcessLane } from './store';
import { fmtBytes, fmtCount, fmtMs } from './units';

/** The hover card of one task; built from text nodes only (a call site's path is user data). */
export class TaskTooltip {
  readonly root = el('div', 'ps-tooltip');

  constructor() {
    this.root.setAttribute('role', 'tooltip');
    this.root.hidden = true;
    document.body.appendChild(this.root);
  }

  show(
    process: ProcessLane,
    lane: LaneTasks,
    i: number,
    site: SiteRef | undefined,
    clientX: number,
    clientY: number,
  ): void {
    const t0 = lane.t0[i];
    const t1 = lane.t1[i];
    const t2 = lane.t2[i];
    const t3 = lane.t3[i];
    const ok = lane.ok[i];
    clear(this.root);
    add(this.root, el('div', 'ps-tip-title', site ? `${site.file}:${site.line}` : 'unknown call site'));
    if (site) add(this.root, el('div', 'ps-tip-sub', site.api));
    const rows: Array<[string, string]> = [
      ['process', `${process.lane.label} (pid ${process.lane.pid})`],
      ['items', fmtCount(lane.items[i])],
      ['bytes in / out', `${fmtBytes(lane.bytesIn[i])} / ${fmtBytes(lane.bytesOut[i])}`],
      ['unpickle', fmtMs(t1 - t0)],
      ['compute', fmtMs(t2 - t1)],
      ['result pickle + send', fmtMs(t3 - t2)],
      ['arrived at', fmtMs(t0)],
    ];
    const table = add(this.root, el('div', 'ps-tip-rows'));
    for (const [k, v] of rows) {
      const row = add(table, el('div', 'ps-tip-row'));
      row.setAttribute('data-field', k);
      add(row, el('span', 'ps-tip-k', k));
      add(row, el('span', 'ps-tip-v', v));
    }
    if (ok === 0) add(this.root, el('div', 'ps-tip-error', 'raised an exception'));
    else if (lane.inFlight) add(this.root, el('div', 'ps-tip-running', 'still running'));
    else if (ok === -1) add(this.root, el('div', 'ps-tip-error', 'never finished (its worker ended)'));
    this.root.hidden = false;
    this.place(clientX, clientY);
  }

  hide(): void {
    this.root.hidden = true;
  }

  private place(clientX: number, clientY: number): void {
    const r = this.root.getBoundingClientRect();
    const left = clientX + 14 + r.width > window.innerWidth ? clientX - 14 - r.width : clientX + 14;
    const top = clientY + 14 + r.height > window.innerHeight ? clientY - 14 - r.height : clientY + 14;
    this.root.style.left = `${Math.max(0, left)}px`;
    this.root.style.top = `${Math.max(0, top)}px`;
  }
}
