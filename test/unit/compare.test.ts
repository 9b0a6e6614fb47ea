// The diff of two analysed runs, on traces recorded from the real agent: one script before and
// after an edit (test/fixtures/traces/compare, recorded at the same path), and two other scripts.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { compareReports, loadRun, matchSites } from '../../src/core';
import { fmtDelta, fmtRelative, formatComparison, MINUS } from '../../src/core/compare/compareFormat';
import type { Report } from '../../src/core/report/report';

const traces = path.join(__dirname, '..', 'fixtures', 'traces');
const report = (file: string): Report => loadRun(path.join(traces, file)).report;
const v1 = report('compare/line_shift_v1.pstrace');
const v2 = report('compare/line_shift_v2.pstrace');
const where = (s: { api: string; line: number } | null): string => (s ? `${s.api}:${s.line}` : '-');

describe('compareReports', () => {
  test('the recordings are what the tests below assume', () => {
    assert.equal(v1.run.script, v2.run.script, 'one script, recorded before and after an edit');
    assert.deepEqual(v1.callSites.map(where), ['map:16', 'map:17']);
    assert.deepEqual(v2.callSites.map(where), ['map:22', 'map:23', 'imap_unordered:24']);
  });

  test('call sites whose lines moved are matched by file, API and order', () => {
    const c = compareReports(v1, v2);
    assert.equal(c.sameScript, true);
    assert.deepEqual(
      c.sites.map((s) => [where(s.a), where(s.b), s.match]),
      [
        ['map:16', 'map:22', 'moved'],
        ['map:17', 'map:23', 'moved'],
        ['-', 'imap_unordered:24', 'only-b'],
      ],
    );
    assert.deepEqual(c.sites[2].metrics, [], 'nothing to compare a new site with');
    // The first call now sends a size instead of 2 MB of data.
    const bytes = c.sites[0].metrics.find((m) => m.key === 'bytesPerTask')!;
    assert.ok(bytes.a! > 1024 * 1024 && bytes.b! < 1024, `${bytes.a} → ${bytes.b}`);
    assert.equal(bytes.delta, bytes.b! - bytes.a!);
    assert.ok(bytes.relative! < -0.99);
    assert.match(fmtDelta(bytes), new RegExp(`^${MINUS}1\\.\\d MB$`));
    assert.match(fmtRelative(bytes), new RegExp(`^${MINUS}100 %$`));
  });

  test('findings are new, fixed or unchanged per matched call site', () => {
    const c = compareReports(v1, v2);
    const status = (id: string, line: number): string[] =>
      c.findings.filter((f) => f.finding.id === id && f.finding.line === line).map((f) => f.status);
    assert.deepEqual(status('large-payload', 16), ['fixed'], 'A’s finding, about A’s line');
    assert.deepEqual(status('large-payload', 22), []);
    assert.deepEqual(status('tasks-too-short', 23), ['unchanged'], 'the second map still sends µs tasks');
    assert.deepEqual(status('tasks-too-short', 24), ['new'], 'the added imap_unordered');
    const order = c.findings.map((f) => f.status);
    assert.deepEqual(
      order,
      [...order].sort(
        (x, y) => ['new', 'fixed', 'unchanged'].indexOf(x) - ['new', 'fixed', 'unchanged'].indexOf(y),
      ),
    );
    assert.equal(
      c.findings.length,
      v2.findings.length + c.findings.filter((f) => f.status === 'fixed').length,
    );
  });

  test('run-level deltas are B − A with the sense of each metric', () => {
    const c = compareReports(v1, v2);
    const wall = c.run.find((m) => m.key === 'wallMs')!;
    assert.equal(wall.a, v1.summary.wallMs);
    assert.equal(wall.b, v2.summary.wallMs);
    assert.equal(wall.delta, v2.summary.wallMs - v1.summary.wallMs);
    assert.equal(wall.change, wall.delta! < 0 ? 'better' : 'worse');
    const ipc = c.run.find((m) => m.key === 'ipcShare')!;
    assert.equal(ipc.delta, v2.summary.ipcShare! - v1.summary.ipcShare!);
    const tasks = c.run.find((m) => m.key === 'tasks')!;
    assert.deepEqual([tasks.a, tasks.b, tasks.delta, tasks.change], [306, 606, 300, 'changed']);
    // Workers ended by Pool.terminate() write no exit record, so their peak RSS may be unknown.
    const peaks = (r: Report): number[] =>
      r.processes
        .filter((p) => p.role === 'pool-worker' && p.peakRssBytes !== null)
        .map((p) => p.peakRssBytes!);
    const peak = c.run.find((m) => m.key === 'peakMemoryPerWorker')!;
    assert.equal(peak.a, peaks(v1).length ? Math.max(...peaks(v1)) : null);
    assert.equal(peak.b, peaks(v2).length ? Math.max(...peaks(v2)) : null);
    assert.ok(peak.a !== null, 'v1 recorded its workers’ exit');
    assert.equal(peak.delta, peak.b === null ? null : peak.b - peak.a);
    assert.deepEqual(c.verdict, {
      a: v1.verdict.quadrant,
      b: v2.verdict.quadrant,
      changed: v1.verdict.quadrant !== v2.verdict.quadrant,
    });
  });

  test('a run compared with itself changes nothing', () => {
    const c = compareReports(v2, v2);
    assert.ok(c.sites.every((s) => s.match === 'same'));
    assert.ok(c.findings.every((f) => f.status === 'unchanged'));
    assert.ok(
      [...c.run, ...c.sites.flatMap((s) => s.metrics)].every((m) => m.delta === null || m.delta === 0),
    );
    assert.ok(c.run.every((m) => m.change === 'same' || m.change === null));
    assert.equal(fmtDelta(c.run[0]), '±0 ms');
  });

  test('with fewer sites on one side, exact lines pair first, then the nearest line', () => {
    const dropFirst = (r: Report): Report => ({ ...r, callSites: r.callSites.slice(1) });
    // B lost map:16; map:17 is still at line 17.
    let pairs = matchSites(v1, dropFirst(v1)).map(([a, b]) => [where(a), where(b)]);
    assert.deepEqual(pairs, [
      ['map:17', 'map:17'],
      ['map:16', '-'],
    ]);
    // B has only the moved map:23: it is nearer to 17 than to 16.
    pairs = matchSites(v1, { ...v2, callSites: [v2.callSites[1]] }).map(([a, b]) => [where(a), where(b)]);
    assert.deepEqual(pairs, [
      ['map:17', 'map:23'],
      ['map:16', '-'],
    ]);
  });

  test('runs of two different scripts match their call sites by API and order, and say so', () => {
    const a = report('tiny_chunksize1.pstrace');
    const b = report('heavy_tasks.pstrace');
    const c = compareReports(a, b);
    assert.equal(c.sameScript, false);
    assert.match(c.matchNote, /different scripts/);
    assert.deepEqual(
      c.sites.map((s) => s.match),
      ['other-script'],
    );
    assert.deepEqual(c.verdict, { a: 'ipc-overhead-wins', b: 'clear-win', changed: true });
    assert.deepEqual(
      c.findings.filter((f) => f.finding.id === 'tasks-too-short').map((f) => f.status),
      ['fixed'],
    );
    const ms = c.sites[0].metrics.find((m) => m.key === 'msPerTask')!;
    assert.ok(ms.delta! > 40, 'square() vs ~50 ms tasks');
    assert.match(fmtDelta(ms), /^\+\d+ ms$/);
  });

  test('the terminal table carries signs and units', () => {
    const text = formatComparison(compareReports(v1, v2));
    assert.match(text, /^A: .*line_shift\.py/m);
    assert.match(text, /^Whole run$/m);
    assert.match(text, /^ {2}Wall time +\S+ m?s +\S+ m?s +[+−]\S+ m?s +[+−]\d+(\.\d)? % +(better|worse)$/m);
    assert.match(text, /^ {2}IPC share +\d+ % +\d+ % +[+−±]\d+(\.\d)? pp/m);
    assert.match(text, /^Call site map @ line_shift\.py:16 → line_shift\.py:22$/m);
    assert.match(text, /^Call site imap_unordered @ line_shift\.py:24 \(only in B\)$/m);
    assert.match(text, /^ {2}fixed +large-payload \(line_shift\.py:16\)/m);
    assert.match(text, /^ {2}new +tasks-too-short \(line_shift\.py:24\)/m);
  });
});
