import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { FromWebview, isFromWebview, ToWebview } from '../../shared/protocol';
import { WebviewChannel } from './webviewChannel';

export interface PanelHandlers {
  onMessage(msg: FromWebview): void;
  onDispose(): void;
}

/**
 * One PoolScope panel: a webview with a strict CSP (nonce-only scripts, styles and fonts from our
 * own dist/ and media/ only), talking through a {@link WebviewChannel}.
 */
let lastColumn: vscode.ViewColumn | undefined;

export class PoolScopePanel {
  private readonly panel: vscode.WebviewPanel;
  private readonly channel: WebviewChannel<FromWebview, ToWebview>;

  constructor(extensionUri: vscode.Uri, title: string, handlers: PanelHandlers) {
    const roots = [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
    // Panels share one column beside the code rather than opening a new group per run.
    const column = lastColumn ?? vscode.ViewColumn.Beside;
    this.panel = vscode.window.createWebviewPanel('poolscope.panel', title, column, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: roots,
    });
    lastColumn = this.panel.viewColumn;
    const viewState = this.panel.onDidChangeViewState((e) => {
      if (e.webviewPanel.viewColumn) lastColumn = e.webviewPanel.viewColumn;
    });
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'poolscope.svg');
    this.panel.webview.html = panelHtml(this.panel.webview, extensionUri);
    this.channel = new WebviewChannel(this.panel, isFromWebview, handlers.onMessage, () => {
      viewState.dispose();
      handlers.onDispose();
    });
  }

  post(msg: ToWebview): void {
    this.channel.post(msg);
  }

  setTitle(title: string): void {
    this.panel.title = title;
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  dispose(): void {
    this.panel.dispose();
  }
}

/** The page: `scriptFile` from dist/, panel.css plus `extraCss` from media/. */
export function panelHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  scriptFile = 'webview.js',
  extraCss: string[] = [],
): string {
  const nonce = randomBytes(18).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', scriptFile));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.css'));
  const extra = extraCss
    .map(
      (f) =>
        `<link rel="stylesheet" href="${webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', f)).toString()}">\n`,
    )
    .join('');
  const codicons = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'codicon.css'));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${codicons}">
<link rel="stylesheet" href="${css}">
${extra}<title>PoolScope</title>
</head>
<body>
<main id="app"></main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
