// A trace is untrusted input (docs/security.md): a file from elsewhere, or one a crash or a full
// disk cut short. Damaged copies of real traces must give a report or an Error with a message,
// quickly, and never anything else (no RangeError from a bad offset, no hang).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { analyze, buildModel, readContainerBytes } from '../../src/core';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'traces');

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readAndAnalyse(bytes: Uint8Array): 'report' | 'error' {
  try {
    analyze(buildModel(readContainerBytes(bytes, 'damaged.pstrace')));
    return 'report';
  } catch (err) {
    assert.ok(err instanceof Error && !(err instanceof RangeError), `unexpected ${String(err)}`);
    assert.ok(err.message.length > 0);
    return 'error';
  }
}

for (const name of ['image_resize', 'big_payload']) {
  test(`${name}: 400 damaged copies each give a report or a clear error`, () => {
    const original = fs.readFileSync(path.join(FIXTURES, `${name}.pstrace`));
    const next = random(name.length);
    const seen = { report: 0, error: 0 };
    const started = Date.now();
    for (let i = 0; i < 400; i++) {
      const bytes = Uint8Array.from(original);
      const flips = 1 + Math.floor(next() * 8);
      for (let f = 0; f < flips; f++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
      seen[readAndAnalyse(bytes)]++;
    }
    assert.ok(seen.report > 0, 'most damage is local: the rest of the trace still reads');
    assert.ok(Date.now() - started < 60_000, 'no pathological slowness');
    assert.ok(seen.error > 0, 'some damage (a header, a length) is refused, with a message');
  });
}
