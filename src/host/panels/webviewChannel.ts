import * as vscode from 'vscode';

/**
 * The messaging half of every PoolScope webview (the run panel, Compare and Sweep): incoming
 * messages are untrusted input, passed on only when `accepts` recognises them; outgoing ones wait
 * for the page's `webview/ready` handshake, so nothing posted before it loaded is lost, and are
 * dropped once the panel is closed.
 */
export class WebviewChannel<In extends { type: string }, Out> {
  private ready = false;
  private queue: Out[] = [];
  private disposed = false;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly panel: vscode.WebviewPanel,
    accepts: (msg: unknown) => msg is In,
    onMessage: (msg: In) => void,
    onDispose: () => void = () => undefined,
  ) {
    this.subscriptions = [
      panel.webview.onDidReceiveMessage((msg: unknown) => {
        if (!accepts(msg)) return;
        if (msg.type === 'webview/ready') this.flush();
        onMessage(msg);
      }),
      panel.onDidDispose(() => {
        this.disposed = true;
        this.queue = [];
        for (const s of this.subscriptions) s.dispose();
        onDispose();
      }),
    ];
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  post(msg: Out): void {
    if (this.disposed) return;
    if (this.ready) void this.panel.webview.postMessage(msg);
    else this.queue.push(msg);
  }

  private flush(): void {
    this.ready = true;
    for (const m of this.queue) void this.panel.webview.postMessage(m);
    this.queue = [];
  }
}
