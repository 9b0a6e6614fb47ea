import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { packRunDir, readContainer, readContainerBytes } from '../../src/core/files/container';
import { readRunDir } from '../../src/core/files/traceReader';
import { decodeAll } from './helpers/decode';
import {
  encodeContainer,
  encodeSend,
  frame,
  LiveStream,
  StreamWriter,
  writeRunDir,
} from './helpers/traceWriter';

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-container-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const send = (i: number): Uint8Array =>
  encodeSend({ chan: 1, job: i, index: 0, bytes: 1, t0: 10, t1: 11, t2: 12, items: 1, call: 1, kind: 1 });

function sampleStreams(): StreamWriter[] {
  const a = new StreamWriter(1, 100n).meta({ k: 'process', t: 100, pid: 1, role: 'main' });
  for (let i = 0; i < 3000; i++) a.raw(send(i)); // spans two segments
  a.raw(frame(99, new Uint8Array(16))); // unknown type: carried along
  const b = new StreamWriter(2, 200n).meta({ k: 'process', t: 200, pid: 2 });
  b.recv({ chan: 1, job: 5, index: 0, bytes: 1, t0: 300, t1: 301, kind: 1 });
  b.run({ chan: 1, job: 5, index: 0, t0: 301, t1: 400, cpu: 90 });
  return [a, b];
}

describe('.pstrace container', () => {
  test('packRunDir → readContainer gives the same records as the run directory', () => {
    const dir = path.join(tmp, 'rt');
    writeRunDir(dir, sampleStreams());
    const out = path.join(tmp, 'rt.pstrace');
    const packed = packRunDir(dir, out);
    assert.equal(packed.streams, 2);
    assert.deepEqual(packed.warnings, []);
    assert.equal(packed.bytes, fs.statSync(out).size);

    const fromDir = readRunDir(dir);
    const fromFile = readContainer(out);
    assert.deepEqual(fromFile.streams, fromDir.streams);
    assert.deepEqual(fromFile.metas, fromDir.metas);
    assert.deepEqual(decodeAll(fromFile), decodeAll(fromDir));
    assert.equal(decodeAll(fromFile).sends.length, 3000);
    assert.deepEqual(fromFile.warnings, []);
  });

  test('the container holds exactly the records (headers dropped, zero fill not copied)', () => {
    const dir = path.join(tmp, 'exact');
    const streams = sampleStreams();
    writeRunDir(dir, streams);
    const out = path.join(tmp, 'exact.pstrace');
    packRunDir(dir, out);
    assert.deepEqual(new Uint8Array(fs.readFileSync(out)), encodeContainer(streams));
  });

  test('packing stops a segment at a corrupt record and says so', () => {
    const dir = path.join(tmp, 'corrupt');
    fs.mkdirSync(dir);
    const live = new LiveStream(dir, 3, 300n, { segmentSize: () => 1024 });
    live.append(send(0));
    const bad = new Uint8Array(8);
    new DataView(bad.buffer).setUint32(0, 12, true);
    live.poke(live.position, bad);
    const out = path.join(tmp, 'corrupt.pstrace');
    const packed = packRunDir(dir, out);
    assert.equal(packed.warnings.length, 1);
    const rec = readContainer(out);
    assert.equal(decodeAll(rec).sends.length, 1);
    assert.deepEqual(rec.warnings, []);
  });

  test('a newer container version is rejected naming both versions', () => {
    const bytes = encodeContainer(sampleStreams(), 2);
    assert.throws(
      () => readContainerBytes(bytes),
      (err: Error) =>
        err.message ===
        'trace container version 2 is newer than this PoolScope understands (1); update PoolScope',
    );
  });

  test('another magic is rejected', () => {
    assert.throws(
      () => readContainerBytes(new TextEncoder().encode('this is not a trace')),
      /is not a PoolScope trace/,
    );
  });

  test('a truncated container keeps the whole records and warns', () => {
    const full = encodeContainer(sampleStreams());
    const cut = full.subarray(0, 16 + 4 + 'ev-1-100'.length + 8 + 80 * 10 + 40);
    const rec = readContainerBytes(cut, 'cut.pstrace');
    assert.equal(rec.warnings.length, 1);
    assert.match(rec.warnings[0], /cut\.pstrace\/ev-1-100: truncated/);
    assert.equal(rec.metas.length, 1);
    assert.equal(decodeAll(rec).sends.length, 9);
  });

  test('a stream may end with a zero length word', () => {
    const s = new StreamWriter(4, 400n);
    s.raw(send(1)).raw(new Uint8Array(8)).raw(send(2));
    const rec = readContainerBytes(encodeContainer([s]));
    assert.deepEqual(
      decodeAll(rec).sends.map((r) => r.job),
      [1],
    );
    assert.deepEqual(rec.warnings, []);
  });
});
