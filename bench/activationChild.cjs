// One activation of dist/extension.js under a stand-in `vscode` module, timed (see activation.ts).
//   node bench/activationChild.cjs EXTENSION_JS STORAGE_DIR
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { performance } = require('node:perf_hooks');

const [extension, storage] = process.argv.slice(2);
const root = path.join(path.dirname(extension), '..');

// Every API call returns a callable, constructible no-op whose `dispose` does nothing.
const noop = new Proxy(function () {}, {
  get: (_t, key) => (key === 'then' ? undefined : key === 'dispose' ? () => undefined : noop),
  apply: () => noop,
  construct: () => noop,
});
class Uri {
  constructor(fsPath) {
    this.fsPath = fsPath;
    this.path = fsPath;
    this.scheme = 'file';
  }
  static file(p) {
    return new Uri(p);
  }
  static joinPath(u, ...parts) {
    return new Uri(path.join(u.fsPath, ...parts));
  }
  toString() {
    return `file://${this.fsPath}`;
  }
}
// The bundle copies the module's own keys (esbuild's __toESM), so every name of the API must be
// one: they are taken from @types/vscode (the bundle may be minified).
const stub = { Uri };
const api = fs.readFileSync(require.resolve('@types/vscode/index.d.ts', { paths: [root] }), 'utf8');
for (const m of api.matchAll(/^\s*export (?:declare )?(?:class|namespace|enum|function|const|let) (\w+)/gm)) {
  if (!(m[1] in stub)) stub[m[1]] = noop;
}
const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? stub : load.call(this, request, ...rest);
};

const context = {
  subscriptions: [],
  extensionUri: Uri.file(root),
  extensionPath: root,
  storageUri: Uri.file(storage),
  globalStorageUri: Uri.file(storage),
  workspaceState: noop,
  globalState: noop,
  extension: {
    id: 'poolscope.poolscope',
    extensionUri: Uri.file(root),
    packageJSON: require(path.join(root, 'package.json')),
  },
};
const t0 = performance.now();
const ext = require(extension);
const t1 = performance.now();
ext.activate(context);
const t2 = performance.now();
console.log(JSON.stringify({ requireMs: t1 - t0, activateMs: t2 - t1, totalMs: t2 - t0 }));
