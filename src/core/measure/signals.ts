/** POSIX signal names for the numbers a `reaped` record carries (Linux numbering). */

const SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  15: 'SIGTERM',
};

export const SIGKILL = 9;
export const SIGTERM = 15;

export const signalName = (sig: number): string => SIGNALS[sig] ?? `signal ${sig}`;
