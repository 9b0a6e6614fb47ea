import * as vscode from 'vscode';
import { FromCompareView, isFromCompareView, ToCompareView } from '../../shared/compareProtocol';
import { panelHtml } from './panel';
import { WebviewChannel } from './webviewChannel';

/**
 * A Compare or Sweep panel: dist/compare.js under the run panel's CSP, talking through the same
 * {@link WebviewChannel} (every incoming message checked by isFromCompareView).
 */
export class ComparePanel {
  private readonly panel: vscode.WebviewPanel;
  private readonly channel: WebviewChannel<FromCompareView, ToCompareView>;

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
    this.channel = new WebviewChannel(this.panel, isFromCompareView, onMessage);
  }

  get isDisposed(): boolean {
    return this.channel.isDisposed;
  }

  post(msg: ToCompareView): void {
    this.channel.post(msg);
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }
}
