// Host logic of Compare and Sweep that needs no VS Code: the message guard of their panels, and
// the overrides a saved run keeps for the Runs view and the Compare quick pick.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadRun } from '../../src/core';
import { overridesText, RunHistory } from '../../src/host/history/history';
import { isFromCompareView } from '../../src/shared/compareProtocol';

test('the Compare/Sweep panel guard accepts exactly its protocol', () => {
  assert.ok(isFromCompareView({ type: 'webview/ready' }));
  assert.ok(isFromCompareView({ type: 'source/open', file: '/p/a.py', line: 3 }));
  assert.ok(isFromCompareView({ type: 'run/open', runId: '20260101T000000-1-ab12' }));
  for (const bad of [
    null,
    'webview/ready',
    { type: 'source/open', file: '', line: 3 },
    { type: 'source/open', file: '/p/a.py', line: 1.5 },
    { type: 'run/open', runId: '../../etc' },
    { type: 'run/open' },
    { type: 'run/cancel', runId: 'x' },
  ]) {
    assert.equal(isFromCompareView(bad), false, JSON.stringify(bad));
  }
});

test('a saved run keeps what PoolScope overrode, for the Runs view', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ps-history-'));
  try {
    const h = new RunHistory(root);
    const { report } = loadRun(path.join(__dirname, '..', 'fixtures', 'traces', 'heavy_tasks.pstrace'));
    h.save('plain', report, (f) => fs.writeFileSync(f, 'T'));
    h.save('swept', { ...report, run: { ...report.run, overrides: { workers: 1, chunksize: 10 } } }, (f) =>
      fs.writeFileSync(f, 'T'),
    );
    const byId = new Map(h.list().map((m) => [m.id, m]));
    assert.deepEqual(byId.get('plain')?.overrides, {});
    assert.equal(overridesText(byId.get('swept')?.overrides), 'workers=1, chunksize=10');
    assert.equal(overridesText(undefined), '', 'runs saved before overrides were kept');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
