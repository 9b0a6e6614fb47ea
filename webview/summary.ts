import type { RunHeader, RunStatus } from '../src/shared/protocol';
import { button, busyIcon, setDisabled } from './components';
import { add, clear, el } from './dom';
import type { Report } from '../src/core/report';
import { fmtBytes, fmtCount, fmtMs, fmtPct, fmtX } from './units';

export interface StatusState {
  status: RunStatus;
  message?: string;
  exitCode?: number | null;
}

/** What the strip shows before the report exists, from the tasks seen so far. */
export interface LiveFigures {
  wallMs: number;
  workers: number;
  tasks: number;
}

export interface SummaryInput {
  header: RunHeader | null;
  report: Report | null;
  status: StatusState | null;
  live: LiveFigures;
}

const STATS: ReadonlyArray<[key: string, label: string]> = [
  ['wall', 'wall time'],
  ['workers', 'workers'],
  ['tasks', 'tasks'],
  ['compute', 'compute / task'],
  ['bytes', 'bytes / task'],
  ['ipc', 'IPC share'],
  ['speedup', 'est. speedup'],
  ['efficiency', 'efficiency'],
];

/** The run's title, its status line (with Cancel while it runs) and the strip of headline numbers. */
export class SummaryView {
  readonly root = el('section', 'ps-summary');
  private title = add(this.root, el('h1', 'ps-title', 'PoolScope'));
  private meta = add(this.root, el('div', 'ps-meta'));
  private statusLine = add(this.root, el('div', 'ps-status'));
  private strip = add(this.root, el('div', 'ps-strip'));
  private values = new Map<string, HTMLElement>();
  private cancelRequested = false;
  private lastStatusKey = '';

  constructor(
    private readonly onCancel: () => void,
    private readonly onExport: (format: 'chrome' | 'html') => void,
  ) {
    this.statusLine.setAttribute('role', 'status');
    this.statusLine.setAttribute('aria-live', 'polite');
    for (const [key, label] of STATS) {
      const card = add(this.strip, el('div', 'ps-stat'));
      card.setAttribute('data-stat', key);
      this.values.set(key, add(card, el('div', 'ps-stat-v', '–')));
      add(card, el('div', 'ps-stat-k', label));
    }
  }

  /** A new run: forget that Cancel was pressed for the previous one. */
  reset(): void {
    this.cancelRequested = false;
    this.lastStatusKey = '';
  }

  update(input: SummaryInput): void {
    const { header, report } = input;
    const script = report?.run.script ?? header?.script;
    setText(this.title, script ? `PoolScope — ${script}` : 'PoolScope');
    const run = report?.run;
    setText(
      this.meta,
      [
        localTime(run?.startedAt ?? header?.startedAt),
        (run?.python ?? header?.python) ? `Python ${run?.python ?? header?.python}` : '',
        run?.startMethod ?? header?.startMethod,
        (run?.cpuCount ?? header?.cpuCount) ? `${run?.cpuCount ?? header?.cpuCount} CPUs` : '',
      ]
        .filter(Boolean)
        .join(' · '),
    );
    this.renderStatus(input);
    this.renderStats(input);
  }

  private renderStats({ report, live }: SummaryInput): void {
    const s = report?.summary;
    const set = (key: string, text: string): void => {
      const v = this.values.get(key);
      if (v) setText(v, text);
    };
    set('wall', fmtMs(s ? s.wallMs : live.wallMs));
    set('workers', fmtCount(s ? s.workers : live.workers));
    set('tasks', fmtCount(s ? s.tasks : live.tasks));
    // Per-task figures come from the report only (interim while live), computed as the CLI and the
    // lenses compute them: until the first report, they are not known.
    set('compute', fmtMs(s?.computeMsPerTask));
    set('bytes', fmtBytes(s?.bytesPerTask));
    set('ipc', fmtPct(s?.ipcShare));
    // An upper bound where the workers' helper threads spun (their CPU time overstates the work).
    set('speedup', `${s?.estUpperBound ? '≤ ' : ''}${fmtX(s?.estSpeedup)}`);
    set('efficiency', fmtPct(s?.efficiency));
  }

  private renderStatus({ header, report, status }: SummaryInput): void {
    const st: RunStatus | 'waiting' =
      status?.status ?? (header?.live ? 'running' : report ? 'finished' : 'waiting');
    const exitCode = status?.exitCode ?? report?.run.exitCode;
    const key = `${st}|${status?.message ?? ''}|${exitCode ?? ''}|${this.cancelRequested}|${header?.runId ?? ''}`;
    if (key === this.lastStatusKey) return;
    this.lastStatusKey = key;
    clear(this.statusLine);
    this.statusLine.setAttribute('data-status', st);
    this.statusSwitch(st, status, exitCode);
    if (header && st !== 'running' && st !== 'waiting') {
      const actions = add(this.statusLine, el('span', 'ps-actions'));
      add(
        actions,
        button('Export Chrome trace…', () => this.onExport('chrome'), { appearance: 'secondary' }),
      );
      add(
        actions,
        button('Export HTML report…', () => this.onExport('html'), { appearance: 'secondary' }),
      );
    }
  }

  private statusSwitch(
    st: RunStatus | 'waiting',
    status: StatusState | null,
    exitCode: number | null | undefined,
  ): void {
    switch (st) {
      case 'waiting':
        add(this.statusLine, el('span', 'ps-status-text', 'Waiting for a run…'));
        break;
      case 'running': {
        add(this.statusLine, busyIcon('Profiling run in progress'));
        add(this.statusLine, el('span', 'ps-status-text', this.cancelRequested ? 'Cancelling…' : 'Running…'));
        const cancel = button('Cancel', () => this.cancel(cancel), {
          appearance: 'secondary',
          ariaLabel: 'Cancel the profiling run',
        });
        setDisabled(cancel, this.cancelRequested);
        add(this.statusLine, cancel);
        break;
      }
      case 'finished':
        add(this.statusLine, el('span', 'ps-ok codicon codicon-pass'));
        add(
          this.statusLine,
          el('span', 'ps-status-text', exitCode == null ? 'Finished' : `Finished · exit code ${exitCode}`),
        );
        break;
      case 'cancelled':
        add(this.statusLine, el('span', 'ps-warn codicon codicon-debug-stop'));
        add(
          this.statusLine,
          el('span', 'ps-status-text', status?.message ? `Cancelled — ${status.message}` : 'Cancelled'),
        );
        break;
      case 'failed':
        add(this.statusLine, el('span', 'ps-bad codicon codicon-error'));
        add(
          this.statusLine,
          el('span', 'ps-status-text', status?.message ? `Failed — ${status.message}` : 'Failed'),
        );
        break;
    }
  }

  private cancel(control: HTMLElement): void {
    if (this.cancelRequested) return;
    this.cancelRequested = true;
    setDisabled(control, true);
    this.onCancel();
  }
}

/** An ISO time as the reader's local date and time; anything unparsable as given. */
function localTime(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** Writes text only when it changed: a write of the same text still makes the browser lay out again. */
function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}
