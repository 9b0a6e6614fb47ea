import * as vscode from 'vscode';

/**
 * A terminal view of the profiled program: its stdout/stderr are shown as they come and what the
 * user types is sent to its stdin (line-edited here, since there is no real tty behind it).
 */
export class ProgramTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private line = '';
  private opened = false;
  private pending: string[] = [];
  private ended = false;

  constructor(
    private readonly sendInput: (text: string | null) => void,
    private readonly onInterrupt: () => void,
  ) {}

  open(): void {
    this.opened = true;
    for (const chunk of this.pending) this.writeEmitter.fire(chunk);
    this.pending = [];
  }

  close(): void {
    if (!this.ended) this.onInterrupt();
  }

  /** Program output; terminals need CRLF. */
  write(text: string): void {
    const chunk = text.replace(/\r?\n/g, '\r\n');
    if (this.opened) this.writeEmitter.fire(chunk);
    else this.pending.push(chunk);
  }

  handleInput(data: string): void {
    if (this.ended) {
      this.closeEmitter.fire();
      return;
    }
    if (data === '\x03') {
      this.write('^C\n');
      this.onInterrupt();
      return;
    }
    if (data === '\x04') {
      this.sendInput(null);
      return;
    }
    for (const ch of data) {
      if (ch === '\r') {
        this.writeEmitter.fire('\r\n');
        this.sendInput(`${this.line}\n`);
        this.line = '';
      } else if (ch === '\x7f') {
        if (this.line.length > 0) {
          this.line = this.line.slice(0, -1);
          this.writeEmitter.fire('\b \b');
        }
      } else if (ch >= ' ') {
        this.line += ch;
        this.writeEmitter.fire(ch);
      }
    }
  }

  /** The program ended: say so and keep the output readable until the user closes the terminal. */
  finish(message: string): void {
    this.write(`\n${message}\n`);
    this.ended = true;
  }
}
