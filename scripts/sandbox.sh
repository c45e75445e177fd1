#!/usr/bin/env bash
# Runs a command inside a fresh network namespace whose only addresses are
# the test's own (loopback, and a veth pair 10.213.0.1 <-> 10.213.0.2 whose
# both ends stay inside), so that browser WebRTC has a host candidate and no
# test traffic can leave the machine (a namespace with no route out: the
# machine is shared, and tests must reach only their own hosts).
# Without root or iproute2 it runs the command as it is, and says so.
set -euo pipefail
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null 2>&1 || [ "${RTMESH_NO_SANDBOX:-}" = 1 ]; then
  echo "sandbox: not root or no iproute2: running on the host network (browser WebRTC tests will skip)" >&2
  exec "$@"
fi
ns="rtmesh-test-$$"
cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add v0 type veth peer name v1
ip -n "$ns" addr add 10.213.0.1/24 dev v0
ip -n "$ns" addr add 10.213.0.2/24 dev v1
ip -n "$ns" link set v0 up
ip -n "$ns" link set v1 up
ip -n "$ns" route add default via 10.213.0.2 dev v0
echo "sandbox: running in network namespace $ns (10.213.0.1/24, loopback)" >&2
RTMESH_SANDBOX=1 ip netns exec "$ns" "$@"
