import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadRun } from '../../src/core';
import { codeOf, LineMap } from '../../src/host/lens/lineMap';
import { lensTitle, predictedChange, queueLensTitle } from '../../src/host/lens/lensText';
import { fmtMs } from '../../src/core/report/units';

const SCRIPT = [
  'import multiprocessing',
  '',
  'def work(x):',
  '    return x * x',
  '',
  'if __name__ == "__main__":',
  '    with multiprocessing.Pool(2) as pool:',
  '        print(sum(pool.map(work, range(300))))',
].join('\n');

describe('LineMap: lenses follow edits', () => {
  test('unchanged text maps every line to itself', () => {
    const m = new LineMap(SCRIPT, SCRIPT);
    assert.equal(m.newLine(8), 8);
    assert.equal(m.codeChanged, false);
  });

  test('comments and blank lines move the call without making it stale', () => {
    const edited = SCRIPT.replace('def work', '# squares\n\n\ndef work').replace(
      '    with',
      '    # two workers  \n    with',
    );
    const m = new LineMap(SCRIPT, edited);
    assert.equal(m.newLine(8), 12);
    assert.equal(m.newLine(3), 6);
    assert.equal(m.codeChanged, false);
  });

  test('a code change anywhere makes the figures stale; the call still moves', () => {
    const edited = SCRIPT.replace('return x * x', 'return x ** 3').replace(
      'import multiprocessing',
      'import os\nimport multiprocessing',
    );
    const m = new LineMap(SCRIPT, edited);
    assert.equal(m.codeChanged, true);
    assert.equal(m.newLine(8), 9);
    assert.equal(m.newLine(4), null, 'the changed line has no counterpart');
    assert.equal(m.nearestLine(4), 4, 'its nearest surviving line above (def work, now line 4)');
  });

  test('changing the call line itself', () => {
    const m = new LineMap(SCRIPT, SCRIPT.replace('range(300)', 'range(300), chunksize=50'));
    assert.equal(m.newLine(8), null);
    assert.equal(m.nearestLine(8), 7);
    assert.equal(m.codeChanged, true);
  });

  test("a line's code ignores comments, but not # inside strings", () => {
    assert.equal(codeOf('   # only a comment'), '');
    assert.equal(codeOf('x = 1  # set x'), 'x = 1');
    assert.equal(codeOf("s = '#not a comment'  # but this is"), "s = '#not a comment'");
    assert.equal(codeOf('s = "a\\"#b"'), 's = "a\\"#b"');
  });
});

describe('lens text', () => {
  test('a clear win: speedup, workers, compute and bytes per task', () => {
    const { report } = loadRun(`${__dirname}/../fixtures/traces/heavy_tasks.pstrace`);
    const site = report.callSites[0];
    const title = lensTitle(site);
    assert.match(title, /^⚡ \d+\.\d+× on 2 workers · [\d.]+ ms\/task · [\d.]+ [KM]?B\/task · clear win/);
  });

  test("IPC overhead wins: the verdict's compute and per-message overhead, and the chunksize the model suggests", () => {
    const { report } = loadRun(`${__dirname}/../fixtures/traces/tiny_chunksize1.pstrace`);
    const site = report.callSites[0];
    const w = site.whatIf;
    assert.ok(w && w.bestChunksize !== null);
    const best = w.chunksizes.find((p) => p.chunksize === w.bestChunksize);
    assert.ok(best);
    const title = lensTitle(site);
    const n = site.verdict.numbers;
    assert.ok(n.perMessageOverheadMs !== null);
    assert.ok(
      title.startsWith(
        `⚠ IPC overhead wins: ${fmtMs(n.computeMsPerTask)} compute vs ${fmtMs(n.perMessageOverheadMs)} overhead per message · `,
      ),
      title,
    );
    // The verdict's sentence quotes the same overhead.
    assert.ok(site.verdict.sentence.includes(`${fmtMs(n.perMessageOverheadMs)} per-message overhead`));
    assert.ok(
      title.endsWith(
        `— chunksize 1 → ${w.bestChunksize} predicted ${fmtMs(best.wallMs)} (now ${fmtMs(site.wallMs)})`,
      ),
      title,
    );
  });

  test('a queue: its traffic', () => {
    const { report } = loadRun(`${__dirname}/../fixtures/traces/process_queue.pstrace`);
    const q = report.queues.find((x) => x.messages > 0);
    assert.ok(q);
    assert.match(
      queueLensTitle(q),
      /^⇄ \w+: [\d,]+ messages? · [\d.]+ [KM]?B each · pickling [\d.]+ (µs|ms|s), unpickling [\d.]+ (µs|ms|s) in all$/,
    );
  });

  test('no change is offered when the model predicts less than 10 % gain', () => {
    const { report } = loadRun(`${__dirname}/../fixtures/traces/big_payload.pstrace`);
    const site = report.callSites[0];
    assert.equal(predictedChange(site), null, JSON.stringify(site.whatIf?.workers));
  });
});
