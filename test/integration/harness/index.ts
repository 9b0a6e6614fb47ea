/**
 * Real-VS-Code integration harness: code-server (installed by scripts/vscode-test/setup.sh)
 * driven from headless Debian Chromium through playwright-core. See README.md here.
 */
export { DEFAULT_USER_SETTINGS, freeLoopbackPort, startCodeServer } from './codeServer';
export type { CodeServer, CodeServerOptions } from './codeServer';
export { assertPrerequisites, harnessPaths, missingPrerequisites, REPO_ROOT, SETUP_SCRIPT } from './paths';
export type { HarnessPaths } from './paths';
export { isAlive, killTree, processTree, pythonProcessesRunning } from './processTree';
export { startVsCodeSession } from './session';
export type { SessionOptions, VsCodeSession } from './session';
export { CHROMIUM_ARGS, frameText, launchBrowser, Workbench } from './workbench';
export type { BrowserOptions, LaunchedBrowser, WaitOptions } from './workbench';
export { waitFor } from './waitFor';
