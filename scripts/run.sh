#!/usr/bin/env bash
# Entry point for the README's two commands. Runs on the machine's own Node
# (>= 18) and npm; installs pnpm and the workspace (which brings its own Node
# >= 22 for libp2p 3), then runs the job on that Node.
#
# start: builds, then `exec`s the relay on the workspace Node's binary (not
# the node_modules/.bin/node shell shim, which would stay in between), so the
# relay is this process: npm (11) forwards SIGINT and SIGTERM to its child,
# and package.json's `exec bash scripts/run.sh start` makes that child this
# script. Extra arguments go to rtmesh-relay (later flags win).
# RTMESH_START_PREBUILT=1 skips the install and the build (for a tree that is
# already installed and built, as in tests/npm-start.test.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
pnpm() { npx --yes "pnpm@${pnpm_version}" "$@"; }
job=${1:?usage: scripts/run.sh start|test}
shift
if [ "$job" = start ] && [ "${RTMESH_START_PREBUILT:-}" = 1 ]; then
  :
elif [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile --reporter=append-only
else
  pnpm install --prefer-offline --reporter=silent
fi
if [ "$job" = start ]; then
  [ "${RTMESH_START_PREBUILT:-}" = 1 ] || pnpm run build
  exec node_modules/node/bin/node packages/node-relay/bin/rtmesh-relay.js \
    --host 127.0.0.1 --port 4001 --key-file .rtmesh/relay.key --demo "$@"
fi
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
