/** `poolscope compare A B`: the delta table of two runs. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareReports, loadRun } from '../core';
import { formatComparison } from '../core/compare';
import type { Report } from '../core/report';
import type { CompareArgs } from './args';
import { say, writeOut } from './io';

export function compareCommand(args: CompareArgs): number {
  let a: Report;
  let b: Report;
  try {
    a = readReport(args.a);
    b = readReport(args.b);
  } catch (err) {
    say((err as Error).message);
    return 2;
  }
  const comparison = compareReports(a, b);
  const table = formatComparison(comparison);
  if (args.json) writeOut(args.json, `${JSON.stringify(comparison, null, 2)}\n`);
  // With the JSON on stdout, the table goes to stderr so that stdout stays parseable.
  if (args.json === '-') process.stderr.write(table);
  else process.stdout.write(table);
  return 0;
}

/** A report from `profile --json`, or analysed now from a .pstrace file or a run directory. */
export function readReport(input: string): Report {
  if (!fs.existsSync(input)) throw new Error(`no such run: ${input}`);
  if (fs.statSync(input).isDirectory() || !input.toLowerCase().endsWith('.json')) {
    try {
      return loadRun(input).report;
    } catch (err) {
      throw new Error(`cannot read ${input}: ${(err as Error).message}`, { cause: err });
    }
  }
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(input, 'utf8'));
  } catch (err) {
    throw new Error(`${input} is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (!isReport(data)) {
    throw new Error(
      `${path.basename(input)} is not a PoolScope report: give the JSON that \`poolscope profile --json\` writes, a .pstrace file or a run directory.`,
    );
  }
  return data;
}

function isReport(d: unknown): d is Report {
  if (typeof d !== 'object' || d === null) return false;
  const r = d as Partial<Report>;
  return (
    r.formatVersion === 1 &&
    typeof r.run === 'object' &&
    typeof r.summary === 'object' &&
    typeof r.verdict === 'object' &&
    Array.isArray(r.callSites) &&
    Array.isArray(r.findings) &&
    Array.isArray(r.processes)
  );
}
