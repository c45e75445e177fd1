#!/usr/bin/env bash
# Entry point for the README's two commands. Runs on the machine's own Node
# (>= 18) and npm; installs pnpm and the workspace (which brings its own Node
# >= 22 for libp2p 3), then runs the named workspace script on that Node.
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
pnpm() { npx --yes "pnpm@${pnpm_version}" "$@"; }
if [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile --reporter=append-only
else
  pnpm install --prefer-offline --reporter=silent
fi
job=${1:?usage: scripts/run.sh start|test}
shift
pnpm run "ws:${job}" "$@"
