/**
 * The comparison as tables: the whole run, then each call site, then the findings. Every cell is
 * text (textContent); a delta cell carries data-change (better / worse / same / changed) for its
 * colour, and its sign and unit are in the text itself, so nothing depends on colour alone.
 */
import type { MetricDelta, RunComparison, SiteComparison, VerdictChange } from '../../src/core/compare';
import { fmtDelta, fmtRelative, fmtValue, quadrantTitle, siteTitle } from '../../src/core/compare';
import { add, el, linkButton } from '../dom';
import { baseName } from '../units';

export function deltaTables(c: RunComparison, openSource: (file: string, line: number) => void): HTMLElement {
  const root = el('section', 'ps-compare-deltas');
  add(root, el('h2', null, 'What changed (B − A)'));
  add(root, el('p', 'ps-hint ps-match-note', c.matchNote));
  add(root, metricTable('Whole run', c.run, c.verdict, 'ps-delta-run'));
  for (const s of c.sites) add(root, siteBlock(s, openSource));
  add(root, findingsList(c, openSource));
  return root;
}

function siteBlock(s: SiteComparison, openSource: (file: string, line: number) => void): HTMLElement {
  const box = el('div', 'ps-delta-site');
  box.setAttribute('data-match', s.match);
  const head = add(box, el('h3', null));
  const target = s.b ?? s.a;
  if (target && target.file) {
    head.append(
      linkButton(siteTitle(s), `Open ${target.file}:${target.line}`, () =>
        openSource(target.file, target.line),
      ),
    );
  } else {
    head.textContent = siteTitle(s);
  }
  if (s.match === 'moved')
    add(box, el('p', 'ps-hint', 'Matched after its line moved (same file and API, same order).'));
  if (s.match === 'other-script')
    add(box, el('p', 'ps-hint', 'Matched by API and order in the two scripts.'));
  if (s.metrics.length) add(box, metricTable(null, s.metrics, s.verdict, 'ps-delta-table'));
  else
    add(
      box,
      el(
        'p',
        'ps-empty-note',
        s.match === 'only-a' ? 'Only run A has this call site.' : 'Only run B has this call site.',
      ),
    );
  return box;
}

function metricTable(
  caption: string | null,
  rows: MetricDelta[],
  verdict: VerdictChange,
  cls: string,
): HTMLTableElement {
  const t = el('table', `ps-delta ${cls}`);
  if (caption) add(t, el('caption', null, caption));
  const head = add(add(t, el('thead')), el('tr'));
  for (const h of ['', 'A', 'B', 'Δ', 'Δ %']) {
    const th = add(head, el('th', null, h));
    th.setAttribute('scope', 'col');
  }
  const body = add(t, el('tbody'));
  for (const m of rows) {
    const tr = add(body, el('tr'));
    tr.setAttribute('data-key', m.key);
    add(tr, el('th', null, m.label)).setAttribute('scope', 'row');
    add(tr, el('td', 'ps-num', fmtValue(m.a, m.unit)));
    add(tr, el('td', 'ps-num', fmtValue(m.b, m.unit)));
    const d = add(tr, el('td', 'ps-num ps-delta-cell', fmtDelta(m)));
    if (m.change) d.setAttribute('data-change', m.change);
    if (m.change === 'better' || m.change === 'worse') d.setAttribute('title', m.change);
    add(tr, el('td', 'ps-num', fmtRelative(m)));
  }
  const tr = add(body, el('tr', 'ps-delta-verdict'));
  tr.setAttribute('data-key', 'verdict');
  add(tr, el('th', null, 'Verdict')).setAttribute('scope', 'row');
  add(tr, el('td', null, quadrantTitle(verdict.a))).setAttribute('data-quadrant', verdict.a ?? '');
  add(tr, el('td', null, quadrantTitle(verdict.b))).setAttribute('data-quadrant', verdict.b ?? '');
  const change = add(tr, el('td', null, verdict.changed ? 'changed' : 'unchanged'));
  change.setAttribute('colspan', '2');
  change.setAttribute('data-change', verdict.changed ? 'changed' : 'same');
  return t;
}

function findingsList(c: RunComparison, openSource: (file: string, line: number) => void): HTMLElement {
  const box = el('div', 'ps-delta-findings');
  add(box, el('h3', null, 'Findings'));
  if (!c.findings.length) {
    add(box, el('p', 'ps-empty-note', 'Neither run has findings.'));
    return box;
  }
  const list = add(box, el('ul', 'ps-finding-changes'));
  for (const f of c.findings) {
    const li = add(list, el('li'));
    li.setAttribute('data-status', f.status);
    add(li, el('span', 'ps-status-badge', f.status));
    add(li, el('span', 'ps-finding-id', f.finding.id));
    const { file, line } = f.finding;
    if (file) {
      li.append(
        linkButton(
          `${baseName(file)}:${line ?? 0}`,
          `Open ${file}:${line ?? 0} (run ${f.status === 'fixed' ? 'A' : 'B'})`,
          () => openSource(file, line ?? 1),
        ),
      );
    }
    add(li, el('span', 'ps-finding-text', f.finding.message));
  }
  return box;
}
