/**
 * Finds `if __name__ == "__main__":` lines (either quote style, either operand order), 0-based.
 * A line match is enough for placing a "▶ Profile parallel run" lens; it is not a parse.
 */
const GUARD = /^if\s+(?:__name__\s*==\s*(['"])__main__\1|(['"])__main__\2\s*==\s*__name__)\s*:/;

export function mainGuardLines(text: string): number[] {
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (GUARD.test(line)) lines.push(i);
  });
  return lines;
}
