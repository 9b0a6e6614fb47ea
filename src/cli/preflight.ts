import { platformSupport } from '../run/platform';
import { checkPython, PreflightError } from '../run/python';
import { checkScriptFile } from '../run/scriptFile';
import { say } from './io';

/** What `profile` and `sweep` run: a script file, or a module with `-m` (from the working directory). */
export interface Program {
  script: string;
  module?: string;
}

/**
 * What `profile` and `sweep` check before running anything: the script file (or that the module's
 * top-level name is on the path), the interpreter, and that the script parses. Returns the exit
 * code to stop with (having said why: 1 for a syntax error, 2 for a wrong file, module or
 * interpreter), or null when the program can run. `verb` ends the advice ("… and profile again").
 */
export function preflight(program: Program, python: string, verb: string): number | null {
  const platform = platformSupport();
  if (!platform.supported) {
    say(platform.message);
    return 2;
  }
  if (platform.warning) say(platform.warning);
  try {
    if (program.module !== undefined) {
      const check = checkPython(python, { module: program.module, cwd: process.cwd() });
      if (check.moduleFound === false) {
        say(
          `No module named ${program.module.split('.')[0]} (looked in ${process.cwd()} and ${python}'s path); ` +
            `run from the folder that holds it, or ${verb} a script file instead.`,
        );
        return 2;
      }
      return null;
    }
    checkScriptFile(program.script);
    const check = checkPython(python, program.script);
    if (check.syntaxError) {
      const { line, column, message } = check.syntaxError;
      say(`${program.script}:${line}:${column}: SyntaxError: ${message}`);
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
