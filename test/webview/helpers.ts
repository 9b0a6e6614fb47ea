/** What the browser tests of the panel share: loading a run, pointing at a task, the end-of-test check. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadRun } from '../../src/core';
import type { Report } from '../../src/core/report/report';
import { lanesOf, savedRunMessages } from '../../src/host/panels/viewRows';
import type { Lane, ToWebview } from '../../src/shared/protocol';
import { LANE_H } from '../../webview/timelineDraw';
import { PHASE1_TASKS, PHASE2_TASKS, type RunFixture } from './fixture';
import { ROOT, type PanelPage } from './harness';

/** Sends a whole finished run as the host does: reset, one delta, the report, the final status. */
export async function load(panel: PanelPage, run: RunFixture): Promise<void> {
  const msgs: ToWebview[] = [
    { type: 'run/reset', run: run.header },
    {
      type: 'run/delta',
      runId: run.header.runId,
      lanes: run.lanes,
      sites: run.sites,
      tasks: run.tasks,
      samples: run.samples,
      wallMs: run.wallMs,
    },
    { type: 'run/report', runId: run.header.runId, report: run.report, final: true },
    { type: 'run/status', runId: run.header.runId, status: 'finished', exitCode: 0 },
  ];
  for (const m of msgs) await panel.post(m);
}

/**
 * Sends a recorded trace (test/fixtures/traces/NAME.pstrace) through the real core and the host's
 * row builder, as the extension opens a saved run.
 */
export async function loadRecorded(
  panel: PanelPage,
  name: string,
): Promise<{
  lanes: Lane[];
  report: Report;
  runId: string;
  delta: Extract<ToWebview, { type: 'run/delta' }>;
}> {
  const { model, report } = loadRun(join(ROOT, 'test', 'fixtures', 'traces', `${name}.pstrace`));
  const lanes = lanesOf(model);
  const runId = `real-${name}`;
  const msgs = savedRunMessages(model, report, runId);
  const delta = msgs[1] as Extract<ToWebview, { type: 'run/delta' }>;
  for (const m of msgs) await panel.post(m);
  return { lanes, report, runId, delta };
}

/** Every test ends here: no CSP violation, no console error, no uncaught exception. */
export async function assertClean(panel: PanelPage): Promise<void> {
  assert.deepEqual(await panel.cspViolations(), [], 'CSP violations');
  assert.deepEqual(panel.errors, [], 'console errors');
  await panel.close();
}

/** Viewport coordinates of time `t` in lane `lane`, from the timeline's visible domain. */
export async function pointAt(panel: PanelPage, lane: number, t: number): Promise<{ x: number; y: number }> {
  const box = await panel.page.locator('.ps-canvas').boundingBox();
  assert.ok(box, 'timeline canvas');
  const [d0, d1] = await panel.domain();
  return { x: box.x + ((t - d0) / (d1 - d0)) * box.width, y: box.y + lane * LANE_H + LANE_H / 2 };
}

/** The row of worker `w`'s `i`-th task in the fixture's columns. */
export function rowOf(w: number, i: number): number {
  return w * (PHASE1_TASKS + PHASE2_TASKS) + i;
}
