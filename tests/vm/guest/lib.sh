# Helpers for guest scripts (source it). POSIX-ish bash.

# gid_index_for_ip DEVICE IPv4 -> prints the GID index whose GID is ::ffff:IPv4 (RoCEv2 preferred).
gid_index_for_ip() {
    local dev=$1 ip=$2 hex best=""
    hex=$(printf '%02x%02x:%02x%02x' $(echo "$ip" | tr '.' ' '))
    for f in /sys/class/infiniband/"$dev"/ports/1/gids/*; do
        if [ "$(cat "$f" 2>/dev/null)" = "0000:0000:0000:0000:0000:ffff:$hex" ]; then
            local i=${f##*/}
            if [ "$(cat "/sys/class/infiniband/$dev/ports/1/gid_attrs/types/$i" 2>/dev/null)" = "RoCE v2" ]; then
                echo "$i"; return 0
            fi
            best=${best:-$i}
        fi
    done
    [ -n "$best" ] && { echo "$best"; return 0; }
    echo "no GID for $ip on $dev" >&2
    return 1
}
