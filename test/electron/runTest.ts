// `npm run test:vscode`: the same extension in VS Code desktop through @vscode/test-electron,
// for machines that can download VS Code (CI here cannot: it uses code-server, see
// test/integration). It opens examples/ and runs suite.ts inside the extension host.
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out', 'electron', 'suite.js'),
    launchArgs: [path.join(root, 'examples'), '--disable-extensions', '--disable-workspace-trust'],
  });
}

main().catch((err) => {
  console.error(`test:vscode failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
