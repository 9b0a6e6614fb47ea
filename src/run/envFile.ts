/**
 * Environment files (`.env`), read the way the Python extension and docker read them: one
 * `NAME=value` a line, `#` comments and blank lines skipped, an optional `export ` before the name,
 * values in single quotes taken as they are, values in double quotes with `\n`, `\t`, `\"` and `\\`
 * escapes, and `${NAME}` in unquoted and double-quoted values replaced by a variable defined
 * earlier in the file or in `base` (empty if neither has it).
 */
export class EnvFileError extends Error {}

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;

export function parseEnvFile(
  text: string,
  base: NodeJS.ProcessEnv = {},
  name = '.env',
): Record<string, string> {
  const out: Record<string, string> = {};
  const lookup = (v: string): string => out[v] ?? base[v] ?? '';
  const expand = (s: string): string =>
    s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, v: string) => lookup(v));
  text.split(/\r?\n/).forEach((raw, i) => {
    if (/^\s*(#|$)/.test(raw)) return;
    const m = LINE.exec(raw);
    if (!m)
      throw new EnvFileError(`${name}:${i + 1}: expected NAME=value, found "${raw.trim().slice(0, 60)}"`);
    const [, key, value] = m;
    if (value.startsWith("'")) {
      if (!/^'[^']*'$/.test(value)) throw new EnvFileError(`${name}:${i + 1}: unterminated ' quote`);
      out[key] = value.slice(1, -1);
    } else if (value.startsWith('"')) {
      if (!/^"(?:[^"\\]|\\.)*"$/.test(value))
        throw new EnvFileError(`${name}:${i + 1}: unterminated " quote`);
      const unescaped = value
        .slice(1, -1)
        .replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
      out[key] = expand(unescaped);
    } else {
      out[key] = expand(value.replace(/\s+#.*$/, '')); // an unquoted value ends at a comment
    }
  });
  return out;
}
