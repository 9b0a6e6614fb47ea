/**
 * Where the lines of a file as it was profiled are now, after edits; and whether the edits could
 * change what was measured. No VS Code API, so it is tested with plain node.
 *
 * Lines are matched by a longest-common-subsequence diff of the two texts (after trimming their
 * common head and tail, so a typical edit costs little). An edit "could matter" when a line with
 * code was added, removed or changed: blank lines and comment-only lines do not count, nor does
 * indentation-free trailing whitespace.
 */

/** The middle part of a diff larger than this (old × new lines) is not diffed line by line. */
const MAX_DIFF_CELLS = 4_000_000;

export class LineMap {
  /** 0-based old line → 0-based new line, -1 where the line was removed or changed. */
  private readonly map: Int32Array;
  /** Some line with code was added, removed or changed. */
  readonly codeChanged: boolean;

  constructor(oldText: string, newText: string) {
    const a = splitLines(oldText);
    const b = splitLines(newText);
    this.map = new Int32Array(a.length).fill(-1);
    let head = 0;
    while (head < a.length && head < b.length && a[head] === b[head]) {
      this.map[head] = head;
      head++;
    }
    let tail = 0;
    while (
      tail < a.length - head &&
      tail < b.length - head &&
      a[a.length - 1 - tail] === b[b.length - 1 - tail]
    ) {
      this.map[a.length - 1 - tail] = b.length - 1 - tail;
      tail++;
    }
    const oldMid = a.slice(head, a.length - tail);
    const newMid = b.slice(head, b.length - tail);
    const kept = new Set<number>();
    const keptNew = new Set<number>();
    if (oldMid.length * newMid.length <= MAX_DIFF_CELLS) {
      for (const [i, j] of lcsPairs(oldMid, newMid)) {
        this.map[head + i] = head + j;
        kept.add(i);
        keptNew.add(j);
      }
    }
    const isCode = (line: string): boolean => codeOf(line) !== '';
    this.codeChanged =
      oldMid.some((line, i) => !kept.has(i) && isCode(line)) ||
      newMid.some((line, j) => !keptNew.has(j) && isCode(line));
  }

  /** Where 1-based `line` of the old text is now (1-based), or null if it was removed or changed. */
  newLine(line: number): number | null {
    const i = line - 1;
    if (i < 0 || i >= this.map.length || this.map[i] < 0) return null;
    return this.map[i] + 1;
  }

  /** The nearest surviving line at or above `line`, mapped (1-based); 1 if none survives. */
  nearestLine(line: number): number {
    for (let i = Math.min(line, this.map.length) - 1; i >= 0; i--)
      if (this.map[i] >= 0) return this.map[i] + 1;
    return 1;
  }
}

function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).map((l) => l.replace(/\s+$/, ''));
}

/**
 * A line's code: what is left without its comment and surrounding whitespace. A `#` inside a
 * string literal on the line is treated as code (quotes are tracked, escapes honoured).
 */
export function codeOf(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return line.slice(0, i).trim();
  }
  return line.trim();
}

/** Index pairs (i, j) of a longest common subsequence of a and b, in order. */
function lcsPairs(a: string[], b: string[]): [number, number][] {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return [];
  // suffix[i][j] = LCS length of a[i:] and b[j:], one row of m + 1 per i.
  const w = m + 1;
  const suffix = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      suffix[i * w + j] =
        a[i] === b[j]
          ? suffix[(i + 1) * w + j + 1] + 1
          : Math.max(suffix[(i + 1) * w + j], suffix[i * w + j + 1]);
    }
  }
  const pairs: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (suffix[(i + 1) * w + j] >= suffix[i * w + j + 1]) i++;
    else j++;
  }
  return pairs;
}
