import { badge } from './components';
import { add, clear, el, linkButton } from './dom';
import type { Report, Severity } from '../src/core/report';
import { baseName } from './units';

/** Codicons (dist/codicon.css, shipped by the build) by severity. */
const ICONS: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'info' };

/** The report's findings: severity, message, advice and a link to the line they are about. */
export class FindingsView {
  readonly root = el('section', 'ps-findings');
  private lastReport: Report | null | undefined;
  private lastRunning = false;

  constructor(private readonly openSource: (file: string, line: number) => void) {
    this.render(null, false);
  }

  update(report: Report | null, running: boolean): void {
    if (report === this.lastReport && running === this.lastRunning) return;
    this.render(report, running);
  }

  private render(report: Report | null, running: boolean): void {
    this.lastReport = report;
    this.lastRunning = running;
    clear(this.root);
    const head = add(this.root, el('h2', null, 'Findings '));
    if (!report) {
      add(
        this.root,
        el('p', 'ps-empty-note', running ? 'Findings appear when the run has finished.' : 'No report yet.'),
      );
      return;
    }
    add(head, badge(String(report.findings.length)));
    if (!report.findings.length) {
      add(this.root, el('p', 'ps-empty-note', 'No findings: nothing to change.'));
      return;
    }
    const list = add(this.root, el('ul', 'ps-finding-list'));
    for (const f of report.findings) {
      const item = add(list, el('li', `ps-finding ps-sev-${f.severity}`));
      item.setAttribute('data-finding', f.id);
      const top = add(item, el('div', 'ps-finding-top'));
      const icon = add(top, el('span', `ps-sev-icon codicon codicon-${ICONS[f.severity] ?? 'info'}`));
      icon.setAttribute('role', 'img');
      icon.setAttribute('aria-label', f.severity);
      add(top, el('span', 'ps-finding-id', f.id));
      if (f.file) {
        const line = f.line ?? 0;
        const file = f.file;
        const where = line > 0 ? `${baseName(file)}:${line}` : baseName(file);
        add(
          top,
          linkButton(where, `Open ${file}${line > 0 ? ` line ${line}` : ''}`, () =>
            this.openSource(file, line),
          ),
        );
      }
      add(item, el('div', 'ps-finding-msg', f.message));
      if (f.advice) add(item, el('div', 'ps-finding-advice', `→ ${f.advice}`));
    }
  }
}
