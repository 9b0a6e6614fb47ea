// loadContainerModel joins a .pstrace as it reads it; buildModel(readContainer()) joins it after
// a whole read. The models must be the same, whatever the order of the file's streams, the size of
// the pieces or the METAs missing; the join must be the streamed one where it can be.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { buildModel, readContainer } from '../../src/core';
import { loadContainerModel } from '../../src/core/live/traceFileModel';
import { modelSnapshot } from './helpers/modelSnapshot';
import { errorAndCrashRun, nsNum, poolRun, repeat } from './helpers/synthetic';
import { encodeContainer, StreamWriter } from './helpers/traceWriter';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'traces');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-container-model-'));

/** Asserts both ways give one model; returns how the streamed way joined. */
function same(file: string, pieceBytes?: number): 'streamed' | 'whole' | undefined {
  let how: 'streamed' | 'whole' | undefined;
  const streamed = loadContainerModel(file, { pieceBytes, joined: (h) => (how = h) });
  assert.equal(modelSnapshot(streamed), modelSnapshot(buildModel(readContainer(file))), file);
  return how;
}

function write(name: string, streams: readonly StreamWriter[]): string {
  const file = path.join(tmp, `${name}.pstrace`);
  fs.writeFileSync(file, encodeContainer(streams));
  return file;
}

const text = (r: Uint8Array): string => new TextDecoder().decode(r.subarray(8)).replace(/\0+$/, '');

/** The streams with each META of kind `k` changed by `edit` (dropped when it returns null). */
function editMetas(
  streams: readonly StreamWriter[],
  k: string,
  edit: (m: Record<string, unknown>) => Record<string, unknown> | null,
): StreamWriter[] {
  return streams.map((s) => {
    const copy = new StreamWriter(s.pid, s.start);
    for (const r of s.records) {
      const t = text(r);
      if (!t.includes(`"k":"${k}"`)) copy.records.push(r);
      else {
        const m = edit(JSON.parse(t) as Record<string, unknown>);
        if (m) copy.meta(m);
      }
    }
    return copy;
  });
}

describe('loadContainerModel: the model buildModel makes from a whole read', () => {
  for (const name of fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.pstrace'))) {
    test(`recorded trace ${name}, in one piece and in pieces smaller than a record`, () => {
      const file = path.join(FIXTURES, name);
      assert.equal(same(file), 'streamed');
      assert.equal(same(file, 64), 'streamed');
    });
  }

  test('a Pool with a crash, an error and a second call, streams in file order and reversed', () => {
    const run = errorAndCrashRun();
    assert.equal(same(write('pool', run.streams)), 'streamed');
    // Workers first: their results precede the `pool` META naming the result pipe (set aside and
    // joined at the end), and their RUNs make rows before the parent's SENDs (rows reordered).
    assert.equal(same(write('pool-reversed', [...run.streams].reverse()), 200), 'streamed');
  });

  test('a ProcessPoolExecutor, streams reversed', () => {
    const { run } = poolRun(
      { workers: 2, poolApi: 'ProcessPoolExecutor' },
      { api: 'submit', tasks: repeat(12, { computeMs: 1 }) },
    );
    assert.equal(same(write('executor', [...run.streams].reverse())), 'streamed');
  });

  test('no `pool` META: placeholder pools, results placed through the workers', () => {
    const { run } = poolRun({ workers: 2 }, { tasks: repeat(8, { computeMs: 2 }) });
    const streams = editMetas(run.streams, 'pool', () => null);
    assert.equal(same(write('no-pool', streams)), 'streamed');
    assert.equal(same(write('no-pool-reversed', streams.reverse())), 'streamed');
  });

  test('a `pool` META without the result pipe: results learnt from the workers', () => {
    const { run } = poolRun({ workers: 2 }, { tasks: repeat(8, { computeMs: 2 }) });
    const streams = editMetas(run.streams, 'pool', (m) => ({ ...m, resultChan: null }));
    assert.equal(same(write('no-result-chan', streams)), 'streamed');
  });

  test('a META late in the file changing a result pipe: the whole-read join, same model', () => {
    const { run, pool } = poolRun({ workers: 2 }, { tasks: repeat(6, { computeMs: 2 }) });
    // A second pool META in the last stream, after the parent's results were joined, claims the
    // first pool's result pipe.
    run.streams[run.streams.length - 1].meta({
      k: 'pool',
      t: nsNum(900),
      id: 9999,
      resultChan: pool.resultChan,
      api: 'Pool',
      workers: 1,
    });
    assert.equal(same(write('late-meta', run.streams)), 'whole');
  });

  test('a file cut short: the same warnings', () => {
    const { run } = poolRun({ workers: 2 }, { tasks: repeat(10, { computeMs: 2 }) });
    const bytes = encodeContainer(run.streams);
    for (const cut of [bytes.length - 40, Math.floor(bytes.length / 2), 30]) {
      const file = path.join(tmp, `cut-${cut}.pstrace`);
      fs.writeFileSync(file, bytes.subarray(0, cut));
      same(file, 128);
      assert.ok(loadContainerModel(file).warnings.some((w) => /truncated/.test(w)));
    }
  });
});
