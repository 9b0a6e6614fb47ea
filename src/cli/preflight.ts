import { checkPython, PreflightError } from '../run/python';
import { checkScriptFile } from '../run/scriptFile';
import { say } from './io';

/**
 * What `profile` and `sweep` check before running anything: the script file, the interpreter,
 * and that the script parses. Returns the exit code to stop with (having said why: 1 for a syntax
 * error, 2 for a wrong file or interpreter), or null when the script can run. `verb` ends the
 * syntax-error advice ("fix the line above and profile again").
 */
export function preflight(scriptArg: string, script: string, python: string, verb: string): number | null {
  try {
    checkScriptFile(script);
    const check = checkPython(python, script);
    if (check.syntaxError) {
      const { line, column, message } = check.syntaxError;
      say(`${scriptArg}:${line}:${column}: SyntaxError: ${message}`);
      say(`the script does not parse, so nothing ran; fix the line above and ${verb} again.`);
      return 1;
    }
  } catch (err) {
    if (err instanceof PreflightError) {
      say(err.interpreter ? `${err.message} Pass --python PATH to use another interpreter.` : err.message);
      return 2;
    }
    throw err;
  }
  return null;
}
