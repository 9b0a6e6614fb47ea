/**
 * Runs the real webview bundle in a real browser: builds webview/main.ts with the options the
 * extension's build uses, serves it on a loopback port inside a page that mirrors the panel's
 * HTML (same CSP with a nonce; a stub acquireVsCodeApi that records what the webview posts; VS
 * Code theme variables for light and dark), and drives it with playwright-core.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { CHROMIUM_ARGS } from '../integration/harness/workbench';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ToCompareView } from '../../src/shared/compareProtocol';
import type { FromWebview, ToWebview } from '../../src/shared/protocol';
import { THEME_CSS } from './theme';

export const ROOT = resolve(__dirname, '..', '..');

/** What esbuild.js copies to dist/ for the panel: the codicon font and its stylesheet. */
const codicons = (file: string): Buffer =>
  readFileSync(join(ROOT, 'node_modules', '@vscode', 'codicons', 'dist', file));

/** The esbuild target the extension's build adds for the panel (see the report to the lead). */
export const WEBVIEW_BUILD: esbuild.BuildOptions = {
  entryPoints: [join(ROOT, 'webview', 'main.ts')],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
};

const CHROMIUM = process.env.POOLSCOPE_CHROMIUM ?? '/usr/bin/chromium';

export type ThemeKind = 'light' | 'dark';

export interface OpenOptions {
  theme?: ThemeKind;
  viewport?: { width: number; height: number };
}

/** Which page to serve: the run panel (default) or another entry point with its own stylesheet. */
export interface PageOptions {
  /** Entry point, relative to ROOT (default webview/main.ts). */
  entry?: string;
  /** Extra stylesheets from media/, linked after panel.css as src/host/panels/panel.ts does. */
  extraCss?: string[];
}

export class Harness {
  private constructor(
    readonly browser: Browser,
    private readonly server: Server,
    readonly origin: string,
    private readonly dir: string,
  ) {}

  static async start(pageOpts: PageOptions = {}): Promise<Harness> {
    const dir = mkdtempSync(join(tmpdir(), 'poolscope-webview-'));
    const outfile = join(dir, 'webview.js');
    const entryPoints = pageOpts.entry ? [join(ROOT, pageOpts.entry)] : WEBVIEW_BUILD.entryPoints;
    await esbuild.build({ ...WEBVIEW_BUILD, entryPoints, outfile, logLevel: 'warning' });
    const bundle = readFileSync(outfile);
    const css = readFileSync(join(ROOT, 'media', 'panel.css'));
    const extraCss = pageOpts.extraCss ?? [];
    let origin = '';
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', origin);
      const send = (type: string, body: string | Buffer): void => {
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(body);
      };
      if (url.pathname === '/panel.html') {
        const theme = url.searchParams.get('theme') === 'dark' ? 'dark' : 'light';
        send('text/html; charset=utf-8', panelPage(origin, theme, extraCss));
      } else if (url.pathname === '/dist/webview.js') send('text/javascript; charset=utf-8', bundle);
      else if (url.pathname === '/media/panel.css') send('text/css; charset=utf-8', css);
      else if (extraCss.some((f) => url.pathname === `/media/${f}`))
        send('text/css; charset=utf-8', readFileSync(join(ROOT, url.pathname.slice(1))));
      else if (url.pathname === '/dist/codicon.css') send('text/css; charset=utf-8', codicons('codicon.css'));
      else if (url.pathname === '/dist/codicon.ttf') send('font/ttf', codicons('codicon.ttf'));
      else if (url.pathname === '/theme.css') send('text/css; charset=utf-8', THEME_CSS);
      else if (url.pathname === '/favicon.ico') {
        // Chromium asks for one on a top-level load; a webview never does.
        res.writeHead(204);
        res.end();
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
    return new Harness(browser, server, origin, dir);
  }

  async open(opts: OpenOptions = {}): Promise<PanelPage> {
    const { theme = 'light', viewport = { width: 1280, height: 1000 } } = opts;
    const page = await this.browser.newPage({ viewport, deviceScaleFactor: 1 });
    const panel = new PanelPage(page);
    // tsx names the functions it compiles with a `__name` helper; functions handed to
    // page.evaluate carry those calls into the page, which has no such helper.
    await page.addInitScript('globalThis.__name = globalThis.__name || ((f) => f);');
    await page.goto(`${this.origin}/panel.html?theme=${theme}`);
    // A function, not a string: the page's CSP forbids eval, which a string predicate needs.
    await page.waitForFunction(() => {
      const w = window as unknown as { __poolscope?: unknown; __posted?: unknown[] };
      return w.__poolscope !== undefined && (w.__posted?.length ?? 0) > 0;
    });
    await panel.settle();
    return panel;
  }

  async close(): Promise<void> {
    await this.browser.close();
    await new Promise<void>((ok) => this.server.close(() => ok()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One panel in one browser tab. */
export class PanelPage {
  /** Console errors, uncaught exceptions and failed requests, as text. */
  readonly errors: string[] = [];

  constructor(readonly page: Page) {
    page.on('console', (m) => {
      if (m.type() === 'error') this.errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => this.errors.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => this.errors.push(`request failed: ${r.url()}`));
  }

  /**
   * Delivers a host message as VS Code does: JSON-serialised (NaN arrives as null), except typed
   * arrays, whose buffers VS Code hands over as they are (extHostWebviewMessaging): they arrive as
   * typed arrays of the same values, NaN included.
   */
  async post(msg: ToWebview | ToCompareView | { type: string }): Promise<void> {
    const typed: number[][] = [];
    const json = JSON.stringify(msg, (_key, value: unknown) => {
      if (value instanceof Float64Array) return { $$typed: typed.push(Array.from(value)) - 1 };
      if (ArrayBuffer.isView(value)) throw new Error('only Float64Array columns are carried here');
      return value;
    });
    await this.page.evaluate(
      ([text, arrays]) => {
        const m: unknown = JSON.parse(text, (_key, value: unknown) =>
          value !== null && typeof value === 'object' && '$$typed' in value
            ? new Float64Array(arrays[(value as { $$typed: number }).$$typed])
            : value,
        );
        window.postMessage(m, '*');
      },
      [json, typed] as const,
    );
    await this.settle();
  }

  /** Waits until the panel has drawn what it was sent (two animation frames). */
  async settle(): Promise<void> {
    await this.page.evaluate(
      () => new Promise<void>((ok) => requestAnimationFrame(() => requestAnimationFrame(() => ok()))),
    );
  }

  /** Everything the webview posted to the host, in order. */
  async posted(): Promise<FromWebview[]> {
    return this.page.evaluate('window.__posted') as Promise<FromWebview[]>;
  }

  /** Content-Security-Policy violations the page reported. */
  async cspViolations(): Promise<string[]> {
    return this.page.evaluate('window.__csp') as Promise<string[]>;
  }

  async domain(): Promise<[number, number]> {
    return this.page.evaluate('window.__poolscope.timelineDomain()') as Promise<[number, number]>;
  }

  async setTheme(theme: ThemeKind): Promise<void> {
    await this.page.evaluate((t) => {
      document.body.classList.remove('vscode-light', 'vscode-dark');
      document.body.classList.add(`vscode-${t}`);
    }, theme);
    await this.settle();
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}

/** The panel's HTML as src/host/panels/panel.ts writes it, plus the test stub and the theme sheet. */
function panelPage(cspSource: string, theme: ThemeKind, extraCss: string[]): string {
  const nonce = randomBytes(18).toString('base64');
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${cspSource}/theme.css">
<link rel="stylesheet" href="${cspSource}/dist/codicon.css">
<link rel="stylesheet" href="${cspSource}/media/panel.css">
${extraCss.map((f) => `<link rel="stylesheet" href="${cspSource}/media/${f}">\n`).join('')}<title>PoolScope</title>
<script nonce="${nonce}">
  window.__posted = [];
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '') + ' @' + e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber);
  });
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi may only be called once');
    acquired = true;
    let state;
    return {
      postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => state,
      setState: (s) => { state = s; },
    };
  };
</script>
</head>
<body class="vscode-${theme}">
<main id="app"></main>
<script nonce="${nonce}" src="${cspSource}/dist/webview.js"></script>
</body>
</html>`;
}
