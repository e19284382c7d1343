#!/bin/sh
# SoftRoCE provisioning shared by the Vagrant VMs and the test harness's QEMU VM (tests/vm/run).
#
#   provision-softroce.sh [--install] [--netdev DEV]... [--veth-pair]
#
#   --install     install rdma-core user space and tools with apt (Vagrant boxes; the harness VM
#                 shares the host's root, where scripts/install-deps already installed them)
#   --netdev DEV  put an rxe device on an existing interface (rxe<N>, numbered in order)
#   --veth-pair   create veth rxe-a (10.77.0.1/24) <-> rxe-b (10.77.0.2/24) and rxe devices on both
#                 ends; addresses exist only inside this VM
#
# Idempotent: existing rxe devices on a netdev are kept. POSIX sh, so it runs under busybox too.
set -eu

install=0
veth=0
netdevs=""
while [ $# -gt 0 ]; do
    case "$1" in
        --install) install=1 ;;
        --veth-pair) veth=1 ;;
        --netdev) shift; netdevs="$netdevs $1" ;;
        *) echo "provision-softroce: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

say() { echo "provision-softroce: $*"; }

if [ "$install" = 1 ]; then
    say "installing rdma-core, ibverbs-utils, perftest, rdmacm-utils, iproute2"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends rdma-core ibverbs-providers ibverbs-utils \
        perftest rdmacm-utils iproute2 kmod "linux-modules-extra-$(uname -r)" >/dev/null 2>&1 \
        || apt-get install -y -qq --no-install-recommends rdma-core ibverbs-providers ibverbs-utils \
            perftest rdmacm-utils iproute2 kmod >/dev/null
fi

for module in rdma_rxe ib_uverbs rdma_ucm; do
    modprobe "$module" || { say "cannot load kernel module $module (kernel $(uname -r) built without SoftRoCE?)"; exit 1; }
done

if [ "$veth" = 1 ]; then
    if ! ip link show rxe-a >/dev/null 2>&1; then
        ip link add rxe-a type veth peer name rxe-b
        ip addr add 10.77.0.1/24 dev rxe-a
        ip addr add 10.77.0.2/24 dev rxe-b
    fi
    ip link set rxe-a up
    ip link set rxe-b up
    netdevs="rxe-a rxe-b $netdevs"
fi

index=0
for dev in $netdevs; do
    ip link set "$dev" up
    if rdma link show 2>/dev/null | grep -q "netdev $dev\$\|netdev $dev "; then
        say "rxe device on $dev already present"
    else
        while rdma link show "rxe$index/1" >/dev/null 2>&1; do index=$((index + 1)); done
        rdma link add "rxe$index" type rxe netdev "$dev"
        say "created rxe$index on $dev"
    fi
    index=$((index + 1))
done

# GIDs for IP addresses appear asynchronously after the device is created.
tries=0
while [ $tries -lt 50 ]; do
    if [ -z "$netdevs" ] || cat /sys/class/infiniband/*/ports/1/gids/* 2>/dev/null | grep -q "0000:ffff:"; then break; fi
    tries=$((tries + 1)); sleep 0.1
done
rdma link show

# Print "device index gid type" for every IPv4-mapped (RoCEv2) GID, so logs show what tests will use.
for gid_file in /sys/class/infiniband/*/ports/1/gids/*; do
    gid=$(cat "$gid_file" 2>/dev/null) || continue
    case "$gid" in
        0000:0000:0000:0000:0000:ffff:*)
            dev=${gid_file#/sys/class/infiniband/}; dev=${dev%%/*}; index=${gid_file##*/}
            type=$(cat "/sys/class/infiniband/$dev/ports/1/gid_attrs/types/$index" 2>/dev/null || echo "?")
            say "$dev gid[$index] $gid ($type)" ;;
    esac
done
