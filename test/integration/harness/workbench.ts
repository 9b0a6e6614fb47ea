/**
 * Drive the VS Code workbench served by code-server from headless Chromium (Debian's
 * /usr/bin/chromium through playwright-core: nothing is downloaded).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  chromium,
  type Browser,
  type BrowserServer,
  type Frame,
  type Locator,
  type Page,
} from 'playwright-core';
import type { CodeServer } from './codeServer';
import { harnessPaths } from './paths';
import { killTree, trackProcess } from './processTree';

/** Flags that keep Chromium off the (closed) network and quiet on a 2-core CI box. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-features=Translate,MediaRouter,OptimizationHints',
];

export interface BrowserOptions {
  /** Default true; set POOLSCOPE_VSCODE_HEADED=1 (with a display) to watch. */
  headless?: boolean;
  viewport?: { width: number; height: number };
  executablePath?: string;
  extraArgs?: string[];
  /** Default timeout of every Playwright action and wait, in ms. */
  actionTimeoutMs?: number;
}

export interface LaunchedBrowser {
  browser: Browser;
  page: Page;
  /** Chromium's pid (the root of its process tree). */
  pid: number;
  /** Uncaught page errors and console errors seen so far (to explain a failure). */
  errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(options: BrowserOptions = {}): Promise<LaunchedBrowser> {
  const headless = options.headless ?? process.env.POOLSCOPE_VSCODE_HEADED !== '1';
  // launchServer (not launch) so we know Chromium's pid and can kill its tree if close() hangs.
  const server: BrowserServer = await chromium.launchServer({
    executablePath: options.executablePath ?? harnessPaths().chromium,
    headless,
    args: [...CHROMIUM_ARGS, ...(options.extraArgs ?? [])],
    chromiumSandbox: false,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  const pid = server.process().pid;
  if (pid === undefined) throw new Error('Chromium did not start');
  const untrack = trackProcess(pid, false);
  let browser: Browser;
  try {
    browser = await chromium.connect(server.wsEndpoint());
  } catch (err) {
    await killTree(pid, { graceMs: 500 });
    untrack();
    throw err;
  }
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1400, height: 900 },
    // Clipboard access keeps VS Code's copy/paste paths from prompting.
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  context.setDefaultTimeout(options.actionTimeoutMs ?? 20_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000).unref());
      await Promise.race([browser.close().catch(() => undefined), timeout]);
      await Promise.race([server.close().catch(() => undefined), timeout]);
      await killTree(pid, { graceMs: 1000 }); // no-op when it already exited
      untrack();
    })();
    return closed;
  };
  return { browser, page, pid, errors, close };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const exact = (text: string) => new RegExp(`^\\s*${escapeRegExp(text)}\\s*$`);

export interface WaitOptions {
  timeoutMs?: number;
}

export class Workbench {
  constructor(
    readonly page: Page,
    readonly codeServer: CodeServer,
  ) {}

  /** Navigate to the workbench with `folder` open and wait until it is usable. */
  async openFolder(folder: string, { timeoutMs = 60_000 }: WaitOptions = {}): Promise<void> {
    await this.page.goto(this.codeServer.folderUrl(folder), { timeout: timeoutMs });
    await this.waitReady({ timeoutMs });
  }

  /**
   * Ready = workbench rendered, the explorer shows the folder's tree, and the remote extension
   * host has finished its first scan (the status bar's extension-host indicator settles).
   */
  async waitReady({ timeoutMs = 60_000 }: WaitOptions = {}): Promise<void> {
    const page = this.page;
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
    await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
    await page
      .locator('.explorer-folders-view .monaco-list-row')
      .first()
      .waitFor({ state: 'visible', timeout: timeoutMs });
    // The workbench shows a progress bar in the explorer/title while it restores and while
    // extensions activate on startup; give it a moment to go quiet.
    await page
      .waitForFunction(
        '!document.querySelector(".monaco-workbench .monaco-progress-container.active.infinite")',
        undefined,
        {
          timeout: timeoutMs,
        },
      )
      .catch(() => undefined);
  }

  /**
   * Close any quick input, menu or hover and take keyboard focus out of widgets and webview
   * iframes, so the next key press reaches the workbench's (window-level) keybinding service.
   * Clicks nothing: a click could activate a tab or open a file.
   */
  async resetFocus(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('Escape');
    await this.page.evaluate(
      'document.activeElement && document.activeElement.blur && document.activeElement.blur()',
    );
  }

  private quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /** Open the command palette (F1, falling back to Ctrl+Shift+P). */
  async openCommandPalette(): Promise<Locator> {
    await this.resetFocus();
    const input = this.quickInput().locator('input.input, .quick-input-box input').first();
    for (const key of ['F1', 'Control+Shift+P', 'F1']) {
      await this.page.keyboard.press(key);
      try {
        await input.waitFor({ state: 'visible', timeout: 5000 });
        return input;
      } catch {
        // the key went somewhere else (focus was in an iframe, say): try the next one
      }
    }
    throw new Error('the command palette did not open (F1 / Ctrl+Shift+P)');
  }

  /**
   * Run a command by its palette title, e.g. "Demo: Open Panel" ("Category: Title"): F1, type
   * it, wait for the matching entry, Enter. Throws if no entry with that exact label appears.
   */
  async runCommand(title: string, { timeoutMs = 30_000 }: WaitOptions = {}): Promise<void> {
    const input = await this.openCommandPalette();
    await input.fill(`>${title}`);
    const rows = this.quickInput().locator('.quick-input-list .monaco-list-row');
    const match = rows.filter({ has: this.page.locator('.label-name', { hasText: exact(title) }) }).first();
    try {
      await match.waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      const seen = await rows.allInnerTexts().catch(() => []);
      await this.page.keyboard.press('Escape');
      throw new Error(
        `command "${title}" is not in the palette; entries: ${JSON.stringify(seen.slice(0, 10))}`,
      );
    }
    const focused = rows
      .filter({ has: this.page.locator('.label-name', { hasText: exact(title) }) })
      .and(this.page.locator('.focused'));
    if ((await focused.count()) > 0) await this.page.keyboard.press('Enter');
    else await match.click();
    await this.quickInput().waitFor({ state: 'hidden', timeout: 10_000 });
  }

  /** The explorer row of `relPath` ("a/b.py"), expanding the folders on the way. */
  async explorerItem(relPath: string, { timeoutMs = 20_000 }: WaitOptions = {}): Promise<Locator> {
    const segments = relPath.split('/').filter(Boolean);
    let row: Locator | undefined;
    for (const [i, segment] of segments.entries()) {
      row = this.page
        .locator('.explorer-folders-view .monaco-list-row')
        .filter({ has: this.page.locator('.label-name', { hasText: exact(segment) }) })
        .first();
      await row.waitFor({ state: 'visible', timeout: timeoutMs });
      if (i < segments.length - 1 && (await row.getAttribute('aria-expanded')) === 'false') await row.click();
    }
    if (!row) throw new Error('explorerItem: empty path');
    return row;
  }

  /**
   * Open `relPath` in an editor from the Explorer (a double click, so it is not a preview) and
   * wait until its tab is the active one. Needed before commands whose `when` is editorLangId.
   */
  async openFile(relPath: string, opts: WaitOptions = {}): Promise<void> {
    await this.resetFocus();
    const row = await this.explorerItem(relPath, opts);
    await row.dblclick();
    const name = relPath.split('/').pop() as string;
    // Tab labels split "name" and ".ext" into two spans; data-resource-name holds the whole name.
    await this.page
      .locator(`.tabs-container .tab.active[data-resource-name=${JSON.stringify(name)}]`)
      .waitFor({ state: 'visible', timeout: opts.timeoutMs ?? 20_000 });
  }

  /** Right-click `relPath` in the Explorer and wait for the context menu; returns its item labels. */
  async openExplorerContextMenu(relPath: string, opts: WaitOptions = {}): Promise<string[]> {
    await this.resetFocus();
    const row = await this.explorerItem(relPath, opts);
    // Right-click alone selects the row (a left click first would open the file in an editor).
    await row.click({ button: 'right' });
    const menu = this.contextMenu();
    await menu.first().waitFor({ state: 'visible', timeout: opts.timeoutMs ?? 10_000 });
    return (await this.contextMenuItems().allInnerTexts())
      .map((t) => t.split('\n')[0].trim())
      .filter(Boolean);
  }

  private contextMenu(): Locator {
    // Web menus live in .context-view, inside an open shadow root (Playwright's CSS pierces it).
    return this.page.locator('.context-view .monaco-menu');
  }

  private contextMenuItems(): Locator {
    return this.contextMenu().locator('.action-item:not(.disabled) .action-label:not(.separator)');
  }

  /** Click an item of the open context menu by its exact label. */
  async clickContextMenuItem(label: string): Promise<void> {
    const item = this.contextMenu()
      .locator('.action-item')
      .filter({ has: this.page.locator('.action-label', { hasText: exact(label) }) });
    try {
      await item.first().waitFor({ state: 'visible', timeout: 5000 });
    } catch {
      const labels = await this.contextMenuItems()
        .allInnerTexts()
        .catch(() => []);
      await this.page.keyboard.press('Escape');
      throw new Error(`context menu has no item "${label}"; items: ${JSON.stringify(labels)}`);
    }
    await item.first().hover();
    await item.first().click();
    await this.contextMenu().first().waitFor({ state: 'hidden', timeout: 5000 });
  }

  /** Open the Explorer context menu on `relPath` and click `label`. */
  async runExplorerContextMenuItem(relPath: string, label: string, opts: WaitOptions = {}): Promise<void> {
    await this.openExplorerContextMenu(relPath, opts);
    await this.clickContextMenuItem(label);
  }

  /**
   * The first frame (webviews are nested iframes: workbench > webview host > #active-frame)
   * for which `predicate` resolves true, polling until `timeoutMs`. The main frame is skipped.
   * Predicate errors (a frame navigating or detaching) count as false.
   */
  async findWebviewFrame(
    predicate: (frame: Frame) => Promise<boolean> | boolean,
    { timeoutMs = 30_000 }: WaitOptions = {},
  ): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const frame of this.page.frames()) {
        if (frame === this.page.mainFrame() || frame.isDetached()) continue;
        try {
          if (await predicate(frame)) return frame;
        } catch {
          // detached or navigating: look again next round
        }
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `no webview frame matched within ${timeoutMs} ms; frames: ${this.page
            .frames()
            .map((f) => f.url())
            .join(', ')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** The webview frame whose body text contains `text`. */
  findWebviewFrameWithText(text: string, opts: WaitOptions = {}): Promise<Frame> {
    return this.findWebviewFrame(async (frame) => (await frameText(frame)).includes(text), opts);
  }

  private notificationMessages(): Locator {
    return this.page.locator('.notifications-toasts .notification-toast .notification-list-item-message');
  }

  /** Texts of the visible notification toasts (handy in failure messages). */
  async notifications(): Promise<string[]> {
    return this.notificationMessages().allInnerTexts();
  }

  /** Wait for a notification toast whose message matches; returns its text. */
  async waitForNotification(
    match: string | RegExp,
    { timeoutMs = 30_000 }: WaitOptions = {},
  ): Promise<string> {
    const toast = this.notificationMessages().filter({ hasText: match }).first();
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
    return toast.innerText();
  }

  /** PNG of the whole browser viewport; creates the folder. Returns the path. */
  async screenshot(file: string): Promise<string> {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    await this.page.screenshot({ path: file });
    return file;
  }
}

/** A frame's visible body text ('' while it has no body). */
export async function frameText(frame: Frame): Promise<string> {
  const text = await frame.evaluate('document.body ? document.body.innerText : ""');
  return typeof text === 'string' ? text : '';
}
