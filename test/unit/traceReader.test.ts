import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readRunDir, TraceTail } from '../../src/core/files/traceReader';
import { countRecords } from '../../src/core/trace/records';
import { decodeAll } from './helpers/decode';
import {
  encodeMeta,
  encodeRun,
  encodeSend,
  frame,
  LiveStream,
  StreamWriter,
  writeRunDir,
} from './helpers/traceWriter';

let tmp: string;
let n = 0;
const freshDir = (): string => {
  const dir = path.join(tmp, `run-${n++}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  return dir;
};

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-reader-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const T = 1_000_000_000_000_000n; // stamps above 2^32: the high word matters
const send = (i: number): Uint8Array =>
  encodeSend({
    chan: 4242,
    job: 7,
    index: i,
    bytes: 100 + i,
    t0: T + BigInt(i),
    t1: T + 10n,
    t2: T + 20n,
    items: 3,
    call: 2,
    kind: 1,
  });

describe('TraceTail: reading a run directory', () => {
  test('decodes every field of every record type', () => {
    const dir = freshDir();
    const s = new StreamWriter(321, 5_000_000_000n);
    s.meta({ k: 'process', t: 5_000_000_000, pid: 321, role: 'main', note: 'é ✓' });
    s.send({
      chan: 2 ** 40 + 3,
      job: -1,
      index: -1,
      bytes: 2 ** 33,
      t0: T,
      t1: T + 1n,
      t2: T + 2n,
      items: 0,
      call: 0,
      kind: 0,
      ok: 0,
      crc: 0xfedcba98,
    });
    s.send({
      chan: 9,
      job: 123456789,
      index: 42,
      bytes: 10,
      t0: T + 3n,
      t1: T + 4n,
      t2: T + 5n,
      items: 8,
      call: 4,
      kind: 2,
      ok: 1,
      crc: 0,
    });
    s.recv({ chan: 9, job: 5, index: 6, bytes: 77, t0: T + 6n, t1: T + 7n, kind: 4, ok: 1, crc: 17 });
    s.run({ chan: 9, job: 5, index: -1, t0: T + 8n, t1: T + 9n, cpu: 123n });
    s.run({
      chan: 9,
      job: 6,
      index: 2,
      t0: T + 10n,
      t1: T + 11n,
      cpu: 124n,
      wait: 7n,
      pcpu: 300n,
      blocked: 40n,
      flags: 1,
    });
    s.run({ chan: 9, job: 7, index: 3, t0: T + 12n, t1: T + 13n, cpu: 0xffffffffffffffffn, blocked: 0n });
    writeRunDir(dir, [s]);

    const rec = readRunDir(dir);
    assert.deepEqual(rec.warnings, []);
    assert.deepEqual(rec.streams, [{ index: 0, name: 'ev-321-5000000000', pid: 321, start: 5_000_000_000 }]);
    assert.equal(rec.metas.length, 1);
    assert.equal(rec.metas[0].k, 'process');
    assert.equal(rec.metas[0].data.note, 'é ✓');
    const d = decodeAll(rec);
    const t = Number(T);
    assert.deepEqual(d.sends[0], {
      stream: 0,
      chan: 2 ** 40 + 3,
      job: -1,
      index: -1,
      bytes: 2 ** 33,
      t0: t,
      t1: t + 1,
      t2: t + 2,
      items: 0,
      call: 0,
      kind: 0,
      ok: 0,
      crc: 0xfedcba98,
    });
    assert.deepEqual(d.sends[1], {
      stream: 0,
      chan: 9,
      job: 123456789,
      index: 42,
      bytes: 10,
      t0: t + 3,
      t1: t + 4,
      t2: t + 5,
      items: 8,
      call: 4,
      kind: 2,
      ok: 1,
      crc: 0,
    });
    assert.deepEqual(d.recvs[0], {
      stream: 0,
      chan: 9,
      job: 5,
      index: 6,
      bytes: 77,
      t0: t + 6,
      t1: t + 7,
      kind: 4,
      ok: 1,
      crc: 17,
    });
    // A 48-byte RUN (older traces) has no wait, process CPU or blocked time.
    const none = { wait: NaN, pcpu: NaN, blocked: NaN, gc: NaN };
    assert.deepEqual(d.runs[0], {
      stream: 0,
      chan: 9,
      job: 5,
      index: -1,
      t0: t + 8,
      t1: t + 9,
      cpu: 123,
      ...none,
      flags: 0,
    });
    assert.deepEqual(d.runs[1], {
      stream: 0,
      chan: 9,
      job: 6,
      index: 2,
      t0: t + 10,
      t1: t + 11,
      cpu: 124,
      wait: 7,
      pcpu: 300,
      blocked: 40,
      flags: 1, // RUN_SAMPLE: read as the worker's one-in-16 sample
      gc: NaN, // a 72-byte RUN: before the gc field
    });
    // Clocks not read (a sampled tiny task): NaN, not zero; blocked time is always counted.
    assert.deepEqual(d.runs[2], {
      stream: 0,
      chan: 9,
      job: 7,
      index: 3,
      t0: t + 12,
      t1: t + 13,
      cpu: NaN,
      wait: NaN,
      pcpu: NaN,
      blocked: 0,
      flags: 0,
      gc: NaN,
    });
  });

  test('poll() returns only what was written since the last poll', () => {
    const dir = freshDir();
    const live = new LiveStream(dir, 10, 1000n);
    const tail = new TraceTail(dir);
    const empty = tail.poll();
    assert.equal(empty.streams.length, 1, 'the stream is announced as soon as its file exists');
    assert.equal(countRecords(empty).sends, 0);

    live.append(encodeMeta({ k: 'process', t: 1000, pid: 10 }));
    live.append(send(0));
    live.append(send(1));
    const first = tail.poll();
    assert.equal(first.streams.length, 0);
    assert.equal(first.metas.length, 1);
    assert.deepEqual(
      decodeAll(first).sends.map((r) => r.index),
      [0, 1],
    );

    assert.equal(countRecords(tail.poll()).sends, 0, 'nothing new, nothing returned');

    // A record whose payload is written but not yet its length word is not there yet.
    live.appendPayloadOnly(send(2));
    assert.equal(countRecords(tail.poll()).sends, 0);
    live.append(send(2));
    live.append(send(3));
    const second = tail.poll();
    assert.equal(second.streams.length, 0, 'a known stream is not announced again');
    assert.deepEqual(
      decodeAll(second).sends.map((r) => r.index),
      [2, 3],
    );
  });

  test('a second process appearing later is picked up with its own stream index', () => {
    const dir = freshDir();
    const a = new LiveStream(dir, 1, 100n);
    a.append(send(0));
    const tail = new TraceTail(dir);
    tail.poll();
    const b = new LiveStream(dir, 2, 200n);
    b.append(send(1));
    a.append(send(2));
    const delta = tail.poll();
    assert.deepEqual(
      delta.streams.map((s) => [s.index, s.pid]),
      [[1, 2]],
    );
    const sends = decodeAll(delta).sends.map((r) => [r.stream, r.index]);
    assert.deepEqual(sends.sort(), [
      [0, 2],
      [1, 1],
    ]);
  });

  test('segment rollover: waits at the end of segment n until n+1 exists, then reads on', () => {
    const dir = freshDir();
    // 64-byte header + 3 SEND records of 80 bytes each per segment.
    const live = new LiveStream(dir, 5, 50n, { segmentSize: () => 64 + 3 * 80 });
    const tail = new TraceTail(dir);
    for (let i = 0; i < 3; i++) live.append(send(i));
    assert.deepEqual(
      decodeAll(tail.poll()).sends.map((r) => r.index),
      [0, 1, 2],
    );
    assert.equal(countRecords(tail.poll()).sends, 0, 'segment 0 is full, segment 1 does not exist yet');
    for (let i = 3; i < 8; i++) live.append(send(i)); // into segments 1 and 2
    assert.equal(live.segment, 2);
    assert.deepEqual(
      decodeAll(tail.poll()).sends.map((r) => r.index),
      [3, 4, 5, 6, 7],
    );
  });

  test('rollover before a segment is full: the zero word means "moved on" only once n+1 exists', () => {
    const dir = freshDir();
    const live = new LiveStream(dir, 6, 60n, { segmentSize: () => 1024 });
    const tail = new TraceTail(dir);
    live.append(send(0));
    assert.equal(countRecords(tail.poll()).sends, 1);
    live.append(send(1)); // still segment 0, after the reader stopped at a zero word
    live.rollover(); // the writer gave up on segment 0 (its next record did not fit)
    live.append(send(2));
    assert.deepEqual(
      decodeAll(tail.poll()).sends.map((r) => r.index),
      [1, 2],
    );
    live.append(send(3));
    assert.deepEqual(
      decodeAll(tail.poll()).sends.map((r) => r.index),
      [3],
    );
  });

  test('the contract segment sizes (256 KiB, then 1 MiB) are followed across segments', () => {
    const dir = freshDir();
    const s = new StreamWriter(7, 70n);
    const count = 4000; // 4000 × 80 B = 320,000 B > 256 KiB − 64
    for (let i = 0; i < count; i++) s.raw(send(i));
    writeRunDir(dir, [s]);
    assert.ok(fs.existsSync(path.join(dir, 'ev-7-70.1.bin')));
    assert.equal(fs.statSync(path.join(dir, 'ev-7-70.0.bin')).size, 256 * 1024);
    assert.equal(fs.statSync(path.join(dir, 'ev-7-70.1.bin')).size, 1024 * 1024);
    const sends = decodeAll(readRunDir(dir)).sends;
    assert.equal(sends.length, count);
    assert.ok(
      sends.every((r, i) => r.index === i),
      'in order, none lost at the boundary',
    );
  });

  test('a segment file whose header is not written yet is waited for', () => {
    const dir = freshDir();
    fs.writeFileSync(path.join(dir, 'ev-8-80.0.bin'), new Uint8Array(4096));
    const tail = new TraceTail(dir);
    const first = tail.poll();
    assert.equal(first.streams.length, 1);
    assert.equal(countRecords(first).sends, 0);
    assert.deepEqual(first.warnings, []);
    fs.rmSync(path.join(dir, 'ev-8-80.0.bin'));
    const live = new LiveStream(dir, 8, 80n);
    live.append(send(0));
    assert.equal(countRecords(tail.poll()).sends, 1);
  });

  test('a corrupt length keeps what came before, warns once, and the next segment is still read', () => {
    const dir = freshDir();
    const live = new LiveStream(dir, 9, 90n, { segmentSize: () => 4096 });
    live.append(send(0));
    live.append(send(1));
    const bad = new Uint8Array(8);
    new DataView(bad.buffer).setUint32(0, 13, true); // not a multiple of 8
    new DataView(bad.buffer).setUint16(4, 2, true);
    live.poke(live.position, bad);
    live.poke(live.position + 16, send(99)); // garbage after the corrupt record is never read
    const tail = new TraceTail(dir);
    const first = tail.poll();
    assert.deepEqual(
      decodeAll(first).sends.map((r) => r.index),
      [0, 1],
    );
    assert.equal(first.warnings.length, 1);
    assert.match(first.warnings[0], /ev-9-90\.0\.bin: corrupt record length 13 at byte 224/);
    assert.deepEqual(tail.poll().warnings, [], 'reported once');
    live.rollover();
    live.append(send(2));
    assert.deepEqual(
      decodeAll(tail.poll()).sends.map((r) => r.index),
      [2],
    );
  });

  test('lengths below 8 or past the segment end are corrupt too', () => {
    for (const length of [4, 8 * 1000]) {
      const dir = freshDir();
      const live = new LiveStream(dir, 11, 110n, { segmentSize: () => 1024 });
      live.append(send(0));
      const bad = new Uint8Array(8);
      new DataView(bad.buffer).setUint32(0, length, true);
      live.poke(live.position, bad);
      const rec = readRunDir(dir);
      assert.equal(countRecords(rec).sends, 1);
      assert.equal(rec.warnings.length, 1, `length ${length}`);
    }
  });

  test('unknown record types are skipped by their length', () => {
    const dir = freshDir();
    const s = new StreamWriter(12, 120n);
    s.raw(send(0));
    s.raw(frame(77, new Uint8Array(40).fill(0xab)));
    s.raw(send(1));
    writeRunDir(dir, [s]);
    const rec = readRunDir(dir);
    assert.deepEqual(
      decodeAll(rec).sends.map((r) => r.index),
      [0, 1],
    );
    assert.deepEqual(rec.warnings, []);
  });

  test('a record larger than the read window is read whole', () => {
    const dir = freshDir();
    const s = new StreamWriter(13, 130n);
    s.meta({ k: 'call', t: 1, file: 'x'.repeat(2000) });
    s.raw(encodeRun({ chan: 1, job: 2, index: 3, t0: 4, t1: 5, cpu: 6 }));
    writeRunDir(dir, [s]);
    const rec = readRunDir(dir, { readWindow: 64 });
    assert.equal(rec.metas.length, 1);
    assert.equal((rec.metas[0].data.file as string).length, 2000);
    assert.equal(countRecords(rec).runs, 1);
  });

  test('a foreign file is rejected with a clear error', () => {
    const dir = freshDir();
    const bytes = new Uint8Array(128);
    bytes.set(new TextEncoder().encode('NOPE'));
    fs.writeFileSync(path.join(dir, 'ev-14-140.0.bin'), bytes);
    assert.throws(() => readRunDir(dir), /ev-14-140\.0\.bin is not a PoolScope event file/);
  });

  test('a newer format version is rejected naming both versions', () => {
    const dir = freshDir();
    writeRunDir(dir, [new StreamWriter(15, 150n).raw(send(0))], { version: 2 });
    assert.throws(
      () => readRunDir(dir),
      (err: Error) =>
        err.message ===
        'trace format version 2 is newer than this PoolScope understands (1); update PoolScope',
    );
  });

  test('a run header declaring a newer format version is rejected', () => {
    const dir = freshDir();
    writeRunDir(dir, [new StreamWriter(16, 160n).meta({ k: 'run', t: 1, formatVersion: 3 })]);
    assert.throws(
      () => readRunDir(dir),
      /trace format version 3 is newer than this PoolScope understands \(1\)/,
    );
  });

  test('a META that is not JSON is skipped with a warning', () => {
    const dir = freshDir();
    const s = new StreamWriter(17, 170n);
    s.raw(frame(1, new TextEncoder().encode('{"k": "process", oops')));
    s.meta({ k: 'user-start', t: 5 });
    writeRunDir(dir, [s]);
    const rec = readRunDir(dir);
    assert.deepEqual(
      rec.metas.map((m) => m.k),
      ['user-start'],
    );
    assert.equal(rec.warnings.length, 1);
    assert.match(rec.warnings[0], /not valid JSON/);
  });

  test('a SEND/RECV/RUN record too short for its payload is skipped with a warning', () => {
    const dir = freshDir();
    const s = new StreamWriter(18, 180n);
    s.raw(frame(2, new Uint8Array(40))); // a SEND needs 72 payload bytes
    s.raw(send(1));
    writeRunDir(dir, [s]);
    const rec = readRunDir(dir);
    assert.deepEqual(
      decodeAll(rec).sends.map((r) => r.index),
      [1],
    );
    assert.equal(rec.warnings.length, 1);
    assert.match(rec.warnings[0], /record of type 2 at byte 64 is too short \(48 bytes\)/);
  });
});
