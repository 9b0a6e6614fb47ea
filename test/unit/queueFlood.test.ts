// A real recorded flood (test/fixtures/traces/queue_flood.py: two producers put 6 000 small
// messages each on one Queue): the agent sampled it, and the model and every surface say so.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { loadRun } from '../../src/core';
import { toChromeTrace } from '../../src/core/export/chromeTrace';
import { formatSummary } from '../../src/cli/summary';
import { queueLensTitle } from '../../src/host/lens/lensText';

const load = (name: string): ReturnType<typeof loadRun> =>
  loadRun(path.join(__dirname, '..', 'fixtures', 'traces', `${name}.pstrace`));

// 12 000 tuples and 2 None sentinels; pickle.dumps of each, summed (protocol 4).
const MESSAGES = 12_002;
const BYTES = 227_496;

describe('a sampled Queue flood', () => {
  const { model, report } = load('queue_flood');

  test('totals count every message and byte; detail comes from fewer records', () => {
    assert.deepEqual(model.warnings, []);
    assert.equal(report.queues.length, 1);
    const [q] = report.queues;
    assert.deepEqual([q.api, q.line, q.messages, q.bytes], ['Queue', 13, MESSAGES, BYTES]);
    assert.equal(q.senders.length, 2);
    assert.deepEqual(q.receivers, [model.processes[model.mainProcess].pid]);
    assert.ok(q.sampled, 'the report says the detail was sampled');
    assert.deepEqual(
      [q.sampled.total, q.sampled.full, q.sampled.every, q.sampled.atLeast],
      [MESSAGES, 1000, 17, false],
    );
    assert.equal(q.sampled.recorded, model.messages.length);
    assert.ok(q.sampled.recorded < MESSAGES / 3, `${q.sampled.recorded} records for ${MESSAGES} messages`);
    const [ch] = model.channels;
    assert.deepEqual([ch.sentMessages, ch.receivedMessages, ch.sampled], [MESSAGES, MESSAGES, true]);
    // Both ends' records stand for every message between them.
    assert.equal(
      model.messages.reduce((n, m) => n + m.sendCount, 0),
      MESSAGES,
    );
    assert.equal(
      model.messages.reduce((n, m) => n + m.recvCount, 0),
      MESSAGES,
    );
    // Times are weighted by what each record stands for, so they are not those of the records alone.
    const recordedPickle = model.messages.reduce((t, m) => t + (m.pickleMs ?? 0), 0);
    const weighted = model.messages.reduce((t, m) => t + (m.pickleMs ?? 0) * m.sendCount, 0);
    assert.ok(Math.abs(q.pickleMs - weighted) < 1e-6 * weighted);
    assert.ok(
      q.pickleMs > 1.2 * recordedPickle,
      `${q.pickleMs} ms weighted vs ${recordedPickle} ms recorded`,
    );
  });

  test('records pair by crc: the sampled ones always, and never a receive before its send', () => {
    const paired = model.messages.filter((m) => m.sender >= 0 && m.receiver >= 0);
    // Each producer records its first 1 000 in full, the consumer only the first 1 000 of both:
    // up to 1 000 of the producers' are half-recorded (send only), never a receive alone.
    const half = model.messages.filter((m) => !(m.sender >= 0 && m.receiver >= 0));
    assert.ok(half.length <= 1000, `${half.length} half-recorded`);
    assert.ok(
      half.every((m) => m.sender >= 0 && m.receiver < 0),
      'only sends are half-recorded',
    );
    for (const m of paired) {
      assert.ok(m.arrivalMs! >= m.pickleStartMs! + m.pickleMs!, 'a message arrives after it was pickled');
    }
    // Past its first 1 000, a process records exactly the messages with crc % 17 == 0: the other
    // end holds those too, so none of them is half-recorded.
    const sampledOnly = model.messages.filter((m) => m.sendCount > 1 || m.recvCount > 1);
    assert.ok(sampledOnly.length > 100, `${sampledOnly.length} records stand for more than one message`);
    assert.ok(sampledOnly.every((m) => m.crc % 17 === 0 && m.sender >= 0 && m.receiver >= 0));
  });

  test('the summary, the CodeLens and the Chrome trace say "sampled 1 in 17"', () => {
    const summary = formatSummary(report, { color: false });
    assert.match(
      summary,
      /queue_flood\.py:13 {2}Queue {2}12002 messages, .*detail sampled 1 in 17 \(\d+ recorded\)/,
    );
    assert.match(queueLensTitle(report.queues[0]), /^⇄ Queue: 12,002 messages · .* · sampled 1 in 17$/);
    const chrome = toChromeTrace(model);
    assert.deepEqual(
      (chrome.otherData as { messageSampling?: { every: number } }).messageSampling?.every,
      17,
    );
    assert.ok(
      chrome.traceEvents.some(
        (e) => ((e.args as { standsForMessages?: number })?.standsForMessages ?? 0) > 1,
      ),
    );
  });

  test('the producers’ Process call site weighs its traffic by the counts', () => {
    const [site] = report.callSites;
    assert.equal(site.poolApi, 'Process');
    assert.equal(site.ipc.bytesOut, BYTES);
    assert.deepEqual(site.ipc.sampled, { recorded: model.messages.length, total: MESSAGES });
  });
});

describe('an unsampled trace', () => {
  test('reads as one message per record, and reports nothing sampled', () => {
    const { model, report } = load('process_queue');
    assert.ok(model.messages.every((m) => m.sendCount === 1 && m.recvCount === 1 && m.crc === 0));
    assert.ok(report.queues.every((q) => q.sampled === undefined));
    assert.equal(model.messageSampling, null);
    assert.ok(!queueLensTitle(report.queues[0]).includes('sampled'));
  });
});
