import * as vscode from 'vscode';
import { FromCompareView, isFromCompareView, ToCompareView } from '../shared/compareProtocol';
import { panelHtml } from './panel';

/**
 * A Compare or Sweep panel: dist/compare.js under the run panel's CSP, the same `webview/ready`
 * handshake (messages wait for it), every incoming message checked by isFromCompareView.
 */
export class ComparePanel {
  private readonly panel: vscode.WebviewPanel;
  private ready = false;
  private queue: ToCompareView[] = [];
  private disposed = false;

  constructor(
    extensionUri: vscode.Uri,
    viewType: 'poolscope.compare' | 'poolscope.sweep',
    title: string,
    onMessage: (msg: FromCompareView) => void,
  ) {
    this.panel = vscode.window.createWebviewPanel(viewType, title, vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [
        vscode.Uri.joinPath(extensionUri, 'dist'),
        vscode.Uri.joinPath(extensionUri, 'media'),
      ],
    });
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'poolscope.svg');
    this.panel.webview.html = panelHtml(this.panel.webview, extensionUri, 'compare.js', ['compare.css']);
    const subs = [
      this.panel.webview.onDidReceiveMessage((msg: unknown) => {
        if (!isFromCompareView(msg)) return;
        if (msg.type === 'webview/ready') {
          this.ready = true;
          for (const m of this.queue) void this.panel.webview.postMessage(m);
          this.queue = [];
        }
        onMessage(msg);
      }),
    ];
    this.panel.onDidDispose(() => {
      this.disposed = true;
      for (const s of subs) s.dispose();
    });
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  post(msg: ToCompareView): void {
    if (this.disposed) return;
    if (this.ready) void this.panel.webview.postMessage(msg);
    else this.queue.push(msg);
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }
}
