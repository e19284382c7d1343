# Network namespaces for bench/run (sourced). One client namespace with wrk, one server namespace with a bridge:
#
#   client ns  eth0 10.98.0.2 ──veth──┐
#   server ns                          br0 10.98.0.1 ── kernel servers (nginx, HAProxy, Kestrel sockets)
#                                      └── TAP (bridge port) ── target adapter's NetStack 10.98.0.10
#
# So every scenario's client traffic crosses the same veth and the same bridge; only what answers differs.
# Adapter and hosts run in the server namespace too and talk managed-roce over its private loopback, so nothing
# here collides with other users of the machine's 127.0.0.1.

BENCH_SERVER_IP=10.98.0.1
BENCH_CLIENT_IP=10.98.0.2
BENCH_ADAPTER_IP=10.98.0.10
BENCH_TAP=rdobtap0

net_create() {
    CLI_NS=rdob-cli-$$
    SRV_NS=rdob-srv-$$
    local vc=rdobc$$ vs=rdobs$$
    ip netns add "$CLI_NS"
    ip netns add "$SRV_NS"
    ip link add "$vc" type veth peer name "$vs"
    ip link set "$vc" netns "$CLI_NS"
    ip link set "$vs" netns "$SRV_NS"
    ip -n "$CLI_NS" link set lo up
    ip -n "$CLI_NS" link set "$vc" name eth0
    ip -n "$CLI_NS" addr add "$BENCH_CLIENT_IP/24" dev eth0
    ip -n "$CLI_NS" link set eth0 up
    ip -n "$SRV_NS" link set lo up
    ip -n "$SRV_NS" link add br0 type bridge
    ip -n "$SRV_NS" link set "$vs" master br0
    ip -n "$SRV_NS" link set "$vs" up
    ip -n "$SRV_NS" addr add "$BENCH_SERVER_IP/24" dev br0
    ip -n "$SRV_NS" link set br0 up
}

net_destroy() {
    [ -n "${CLI_NS:-}" ] && ip netns del "$CLI_NS" 2>/dev/null
    [ -n "${SRV_NS:-}" ] && ip netns del "$SRV_NS" 2>/dev/null
    return 0
}

# in_srv CMD...: run in the server namespace (exec, so $! is the command's own PID).
in_srv() { ip netns exec "$SRV_NS" "$@"; }
in_cli() { ip netns exec "$CLI_NS" "$@"; }

# Puts the adapter's TAP (created by the adapter in its own namespace, the server namespace) on the bridge.
net_attach_tap() {
    ip -n "$SRV_NS" link set "$BENCH_TAP" master br0 && ip -n "$SRV_NS" link set "$BENCH_TAP" up
}
