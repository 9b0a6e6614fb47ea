// A program that copies a large array into shared memory before its pool (the real CLI, agent and
// Python processes; needs `npm run build`): the copy is the parallel version's cost, at the run's
// level and at the call site that reads the block, and a finding says how long it took.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Report } from '../../src/core/report/report';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
let tmp: string;

// 64 MB copied into a fresh block (first touch of every page), then a light map over it.
const SCRIPT = `import time
from multiprocessing import Pool, shared_memory

SIZE = 64 << 20

def total(args):
    name, lo = args
    shm = shared_memory.SharedMemory(name=name)
    try:
        return sum(shm.buf[lo:lo + 4096])
    finally:
        shm.close()

if __name__ == "__main__":
    data = bytes(range(256)) * (SIZE // 256)
    shm = shared_memory.SharedMemory(create=True, size=SIZE)
    t = time.perf_counter()
    shm.buf[:] = data
    copy_ms = (time.perf_counter() - t) * 1000
    try:
        with Pool(2) as pool:
            print(sum(pool.map(total, [(shm.name, lo) for lo in range(0, SIZE, SIZE // 16)])))
    finally:
        shm.close()
        shm.unlink()
    print("copy_ms", copy_ms)
`;

before(() => {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: run npm run build first`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-shm-'));
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("copying into a shared block before the pool is the parallel version's cost, and is said", () => {
  const script = path.join(tmp, 'fill.py');
  fs.writeFileSync(script, SCRIPT);
  const out = path.join(tmp, 'report.json');
  const res = spawnSync(process.execPath, [CLI, 'profile', '--quiet', '--json', out, '--', script], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(res.status, 0, res.stderr);
  const copyMs = Number(/copy_ms (\S+)/.exec(res.stdout)?.[1]);
  assert.ok(copyMs > 0, res.stdout);
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as Report;
  const finding = report.findings.find((f) => f.id === 'shared-memory-fill');
  assert.ok(finding, JSON.stringify(report.findings));
  assert.deepEqual([finding.file, finding.line], [script, 16]);
  // Its figure: from the block's creation to the pool's, so the copy and a little more.
  const said = Number(/the main process spent ([\d.]+) ms/.exec(finding.message)?.[1]);
  assert.ok(said >= 0.9 * copyMs && said <= copyMs + 50, `${said} ms said, ${copyMs} ms copying`);
  // The call site that reads the block took the copy too.
  const site = report.callSites[0];
  assert.ok((site.spanMs ?? site.wallMs) >= site.wallMs + 0.9 * copyMs, JSON.stringify(site));
  // The run's estimate has no room for it: all but the copy is at most the wall time.
  const s = report.summary;
  assert.ok((s.estSequentialMs ?? Infinity) <= s.wallMs - 0.9 * copyMs, JSON.stringify(s));
});
