#!/usr/bin/env bash
# Run the real-VS-Code integration tests: install/verify the harness (scripts/vscode-test/setup.sh,
# ~1 s when cached), then node's test runner over the given files, or over every
# test/integration/**/*.test.ts (Node 20's `node --test` does not expand globs itself).
#
#   bash scripts/vscode-test/run-tests.sh                       # all integration tests
#   bash scripts/vscode-test/run-tests.sh test/integration/harness/selftest.test.ts
#
# Env: SKIP_VSCODE_SETUP=1 skips the setup step (it must have run already).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

t0=$EPOCHREALTIME
if [ "${SKIP_VSCODE_SETUP:-}" = 1 ]; then
  bash scripts/vscode-test/setup.sh --check >/dev/null
else
  bash scripts/vscode-test/setup.sh
fi

if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find test/integration -name '*.test.ts' -not -path '*/node_modules/*' | sort)
fi
if [ ${#files[@]} -eq 0 ]; then
  echo "run-tests.sh: no test/integration/**/*.test.ts files found" >&2
  exit 1
fi

echo "[vscode-test] running ${#files[@]} file(s): ${files[*]}"
rc=0
node --import tsx --test --test-concurrency=1 "${files[@]}" || rc=$?
echo "[vscode-test] done in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s (exit $rc)"
exit "$rc"
