/**
 * The `missing-main-guard` quick fix as a pure text transform (no vscode import, unit-tested):
 * indent the block the linter chose (`fixStart`..`fixEnd`, 1-based, inclusive) by one level and
 * put `if __name__ == "__main__":` above it.
 */
export interface GuardFix {
  fixStart: number;
  fixEnd: number;
  /** Lines inside a multi-line string literal: indenting them would change the string. */
  verbatimLines?: number[];
}

export interface LineEdit {
  /** 0-based first and last line replaced, whole lines without their final line break. */
  startLine: number;
  endLine: number;
  newText: string;
}

export const GUARD_LINE = 'if __name__ == "__main__":';

/**
 * A tab if most indented lines of the file start with one, else four spaces (PEP 8). Either is
 * safe: the same prefix goes on every line, so the block's own indentation stays consistent.
 */
export function indentUnit(text: string): string {
  const tabs = (text.match(/^\t/gm) ?? []).length;
  const spaces = (text.match(/^ /gm) ?? []).length;
  return tabs > spaces ? '\t' : '    ';
}

export function guardEdit(text: string, fix: GuardFix): LineEdit {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const startLine = fix.fixStart - 1;
  const endLine = Math.min(fix.fixEnd, lines.length) - 1;
  if (startLine < 0 || startLine > endLine)
    throw new RangeError(`bad fix block ${fix.fixStart}-${fix.fixEnd}`);
  const unit = indentUnit(text);
  const verbatim = new Set(fix.verbatimLines ?? []);
  const body = lines.slice(startLine, endLine + 1).map((line, i) => {
    // Blank lines stay empty (no trailing whitespace); continuation lines keep their own
    // indentation plus one level, which stays valid inside brackets and after a backslash.
    if (verbatim.has(startLine + i + 1) || line.trim() === '') return line;
    return unit + line;
  });
  return { startLine, endLine, newText: [GUARD_LINE, ...body].join(eol) };
}

export function applyGuardFix(text: string, fix: GuardFix): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const edit = guardEdit(text, fix);
  lines.splice(edit.startLine, edit.endLine - edit.startLine + 1, edit.newText);
  return lines.join(eol);
}
