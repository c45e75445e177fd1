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
if [ "$job" = test ]; then
  # The browser tests drive Debian's Chromium (or CHROME_PATH).
  chrome=${CHROME_PATH:-/usr/bin/chromium}
  if [ ! -x "$chrome" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "installing Debian's chromium for the browser tests..."
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "Chromium is missing at $chrome: install it (as root: apt-get install -y chromium) or set CHROME_PATH" >&2
      exit 1
    fi
  fi
fi
pnpm run "ws:${job}" "$@"
