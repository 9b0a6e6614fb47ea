/**
 * Start and stop a real VS Code (code-server) on a free loopback port, with fresh user-data,
 * extensions, config and XDG dirs under one temp dir, so no two runs (and no developer's own
 * ~/.config or ~/.local/share) ever see each other's state.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { assertPrerequisites, harnessPaths, type HarnessPaths } from './paths';
import { killTree, trackProcess } from './processTree';

/** User settings that keep the workbench quiet and deterministic under test. */
export const DEFAULT_USER_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.settings.enableNaturalLanguageSearch': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.remoteIndicator.showExtensionRecommendations': false,
  'security.workspace.trust.enabled': false,
  'security.workspace.trust.startupPrompt': 'never',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'editor.accessibilitySupport': 'off',
  'window.confirmBeforeClose': 'never',
  'explorer.confirmDelete': false,
  'explorer.confirmDragAndDrop': false,
  'remote.autoForwardPorts': false,
  'terminal.integrated.enablePersistentSessions': false,
  'npm.fetchOnlinePackageInfo': false,
  'json.schemaDownload.enable': false,
  'typescript.disableAutomaticTypeAcquisition': true,
};

export interface CodeServerOptions {
  /** .vsix file(s) to install into the fresh extensions dir before starting. */
  vsix?: string | string[];
  /** Extra user settings, merged over DEFAULT_USER_SETTINGS. */
  settings?: Record<string, unknown>;
  /**
   * Keep workspace trust on (default off): the opened folder is then untrusted (restricted mode),
   * since the start-up prompt stays disabled.
   */
  workspaceTrust?: boolean;
  /** Folder passed as code-server's last argument (the folder opened at `/`). */
  folder?: string;
  /** Temp root for all state; default: a new mkdtemp under os.tmpdir(). Removed by stop(). */
  rootDir?: string;
  /** Keep rootDir (logs, user data) after stop(); default: env POOLSCOPE_VSCODE_KEEP=1. */
  keepRootDir?: boolean;
  /** Extra environment for code-server and so for the extension host. */
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /** Progress lines (timings); default: none. */
  log?: (line: string) => void;
  paths?: HarnessPaths;
}

export interface CodeServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly rootDir: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  /** code-server's stdout+stderr (VS Code's own logs are under userDataDir/logs). */
  readonly logFile: string;
  /** URL that opens `folder` in the workbench. */
  folderUrl(folder: string): string;
  /** Last lines of code-server's output, for error messages. */
  logTail(lines?: number): string;
  /** Kill code-server and its whole process tree; remove rootDir unless kept. Idempotent. */
  stop(): Promise<void>;
}

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

/** Environment for code-server: ours minus anything that would make it talk to another VS Code. */
function childEnv(root: string, extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(VSCODE_|ELECTRON_|CODE_SERVER_)/.test(k) || k === 'NODE_OPTIONS' || k === 'PORT') continue;
    if (k === 'PASSWORD' || k === 'HASHED_PASSWORD' || k === 'GITHUB_TOKEN') continue;
    env[k] = v;
  }
  env.XDG_CONFIG_HOME = path.join(root, 'xdg', 'config');
  env.XDG_DATA_HOME = path.join(root, 'xdg', 'data');
  env.XDG_CACHE_HOME = path.join(root, 'xdg', 'cache');
  return { ...env, ...extra };
}

function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}healthz`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

export async function startCodeServer(options: CodeServerOptions = {}): Promise<CodeServer> {
  const paths = options.paths ?? harnessPaths();
  assertPrerequisites(paths);
  const log = options.log ?? (() => {});
  const t0 = Date.now();
  const rootDir = options.rootDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'poolscope-vscode-'));
  const userDataDir = path.join(rootDir, 'user-data');
  const extensionsDir = path.join(rootDir, 'extensions');
  const logFile = path.join(rootDir, 'code-server.log');
  const configFile = path.join(rootDir, 'config.yaml');
  for (const d of [userDataDir, extensionsDir, path.join(userDataDir, 'User')])
    fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        ...DEFAULT_USER_SETTINGS,
        ...(options.workspaceTrust ? { 'security.workspace.trust.enabled': true } : {}),
        ...options.settings,
      },
      null,
      2,
    ),
  );
  // An explicit config file: code-server otherwise writes one (with a password) to ~/.config.
  fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
  const env = childEnv(rootDir, options.env);
  const baseArgs = [
    '--config',
    configFile,
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
  ];

  const keep = options.keepRootDir ?? process.env.POOLSCOPE_VSCODE_KEEP === '1';
  const removeRoot = () => {
    if (!keep && !options.rootDir) fs.rmSync(rootDir, { recursive: true, force: true });
  };

  try {
    const vsixes =
      options.vsix === undefined ? [] : Array.isArray(options.vsix) ? options.vsix : [options.vsix];
    for (const vsix of vsixes) {
      if (!fs.existsSync(vsix)) throw new Error(`vsix not found: ${vsix}`);
      const t = Date.now();
      const res = await run(
        paths.node24,
        [paths.codeServerEntry, ...baseArgs, '--force', '--install-extension', path.resolve(vsix)],
        env,
        120_000,
      );
      if (res.code !== 0 || !/successfully installed/i.test(res.output)) {
        throw new Error(`installing ${vsix} failed (exit ${res.code}):\n${res.output}`);
      }
      log(`installed ${path.basename(vsix)} in ${Date.now() - t} ms`);
    }
  } catch (err) {
    removeRoot();
    throw err;
  }

  const logStream = fs.createWriteStream(logFile, { flags: 'a' });
  let tail: string[] = [];
  const timeoutMs = options.startTimeoutMs ?? 90_000;

  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    const url = `http://127.0.0.1:${port}/`;
    const args = [
      paths.codeServerEntry,
      ...baseArgs,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--ignore-last-opened',
      ...(options.folder ? [path.resolve(options.folder)] : []),
    ];
    // setpriv --pdeathsig: the kernel SIGKILLs code-server if this test process dies without
    // running any handler (SIGKILL, OOM); detached: its own process group, for killTree.
    const setpriv = fs.existsSync('/usr/bin/setpriv');
    const child: ChildProcess = setpriv
      ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', paths.node24, ...args], {
          env,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn(paths.node24, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    if (pid === undefined) throw new Error('could not spawn code-server');
    const untrack = trackProcess(pid, true, removeRoot);
    let exited: string | undefined;
    child.on('exit', (code, sig) => {
      exited = `exited with ${sig ?? code}`;
    });
    const onData = (chunk: Buffer) => {
      logStream.write(chunk);
      tail = tail.concat(chunk.toString('utf8').split('\n')).slice(-200);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);

    let stopped: Promise<void> | undefined;
    const stop = () => {
      stopped ??= (async () => {
        await killTree(pid, { group: true, graceMs: 3000 });
        untrack();
        await new Promise<void>((resolve) => logStream.end(resolve));
        removeRoot();
      })();
      return stopped;
    };
    const logTail = (lines = 40) => tail.slice(-lines).join('\n');

    const deadline = Date.now() + timeoutMs;
    let ready = false;
    while (!ready && exited === undefined && Date.now() < deadline) {
      ready = await healthy(url);
      if (!ready) await sleep(150);
    }
    if (ready) {
      log(`code-server ${url} (pid ${pid}) ready in ${Date.now() - t0} ms`);
      return {
        url,
        port,
        pid,
        rootDir,
        userDataDir,
        extensionsDir,
        logFile,
        folderUrl: (folder: string) => `${url}?folder=${encodeURIComponent(path.resolve(folder))}`,
        logTail,
        stop,
      };
    }
    const portTaken = /EADDRINUSE/.test(tail.join('\n'));
    await killTree(pid, { group: true, graceMs: 1000 });
    untrack();
    if (portTaken && attempt < 3) {
      log(`port ${port} was taken, retrying`);
      continue;
    }
    await new Promise<void>((resolve) => logStream.end(resolve));
    const why = exited ?? `not healthy after ${timeoutMs} ms`;
    removeRoot();
    throw new Error(`code-server ${why}. Last output:\n${logTail()}`);
  }
}
