/**
 * One call to get a real VS Code in a browser, one call to tear everything down:
 *
 *   const s = await startVsCodeSession({ vsix, folder });
 *   try { await s.workbench.runCommand('PoolScope: Profile Parallel Run'); }
 *   finally { await s.dispose(); }
 */
import { startCodeServer, type CodeServer, type CodeServerOptions } from './codeServer';
import { launchBrowser, Workbench, type BrowserOptions, type LaunchedBrowser } from './workbench';

export interface SessionOptions extends Omit<CodeServerOptions, 'folder'>, BrowserOptions {
  /** Folder to open in the workbench (waits until the Explorer shows it). */
  folder?: string;
}

export interface VsCodeSession {
  codeServer: CodeServer;
  browser: LaunchedBrowser;
  workbench: Workbench;
  /** Milliseconds spent in each start-up phase. */
  timings: { codeServerMs: number; browserMs: number; workbenchMs: number };
  /** Close Chromium, kill code-server's process tree, remove the temp dir. Never throws; idempotent. */
  dispose(): Promise<void>;
}

export async function startVsCodeSession(options: SessionOptions = {}): Promise<VsCodeSession> {
  const log = options.log ?? (() => {});
  let codeServer: CodeServer | undefined;
  let browser: LaunchedBrowser | undefined;
  let disposed: Promise<void> | undefined;
  const dispose = () => {
    disposed ??= (async () => {
      const t = Date.now();
      try {
        await browser?.close();
      } catch (err) {
        log(`closing Chromium failed: ${String(err)}`);
      }
      try {
        await codeServer?.stop();
      } catch (err) {
        log(`stopping code-server failed: ${String(err)}`);
      }
      log(`teardown in ${Date.now() - t} ms`);
    })();
    return disposed;
  };

  try {
    let t = Date.now();
    codeServer = await startCodeServer({ ...options, folder: undefined });
    const codeServerMs = Date.now() - t;
    t = Date.now();
    browser = await launchBrowser(options);
    const browserMs = Date.now() - t;
    log(`Chromium (pid ${browser.pid}) up in ${browserMs} ms`);
    const workbench = new Workbench(browser.page, codeServer);
    t = Date.now();
    if (options.folder) await workbench.openFolder(options.folder);
    else {
      await browser.page.goto(codeServer.url);
      await browser.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    }
    const workbenchMs = Date.now() - t;
    log(`workbench ready in ${workbenchMs} ms`);
    return { codeServer, browser, workbench, timings: { codeServerMs, browserMs, workbenchMs }, dispose };
  } catch (err) {
    const tail = codeServer ? `\ncode-server output:\n${codeServer.logTail(20)}` : '';
    const errors = browser?.errors.length ? `\nbrowser errors:\n${browser.errors.slice(-10).join('\n')}` : '';
    await dispose();
    throw new Error(`${err instanceof Error ? err.message : String(err)}${tail}${errors}`, { cause: err });
  }
}
