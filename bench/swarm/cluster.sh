#!/usr/bin/env bash
# A private three-node Docker Swarm on one machine: one dockerd per network namespace.
#
#   bash bench/swarm/cluster.sh up [--managers 1|3]   # 1: node1 manager + 2 workers (default); 3: three managers
#   bash bench/swarm/cluster.sh env                   # export lines: DOCKER_HOST (node1) and each node's socket
#   bash bench/swarm/cluster.sh check                 # a task on node1 answers a container on node2 over the overlay
#   bash bench/swarm/cluster.sh kill N                # node N is lost: every process of it killed at once
#   bash bench/swarm/cluster.sh cut N | uncut N       # node N's link down (silence, as a dead machine) / up again
#   bash bench/swarm/cluster.sh start N               # a killed node's dockerd again: it rejoins the swarm
#   bash bench/swarm/cluster.sh leader                # the number of the node that leads the managers
#   bash bench/swarm/cluster.sh down                  # stops it and removes every trace
#
# Layout (all names start with the prefix sic-, all files live under CLUSTER_DIR, default
# /tmp/swarm-ingress-cluster):
#   network namespaces sic-hub (a bridge, sicbr0) and sic-n1..3, each node joined to the bridge by a
#   veth pair created directly inside the namespaces (eth0 192.168.77.1N/24 in the node). The host
#   namespace gets one link, sic-host (192.168.77.1/24), a port of the bridge, so that programs on
#   the host reach every node's address as clients outside the swarm do (published ports, admin
#   ports); no other link, no iptables rule. Keeping the bridge out of the host matters: there,
#   bridge-nf-call-iptables and a host dockerd's FORWARD DROP would silently drop VXLAN.
#   one dockerd per node, started in its node's network namespace and a private mount and UTS
#   namespace (fresh sysfs for that network namespace, cgroups kept, hostname nodeN), with its own
#   empty daemon config, data-root, exec-root, socket, pidfile, cgroup parent /sic-nodeN, bridge and
#   address pools; DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 so agents never try to pull.
#   the image demo/busybox:local (busybox httpd; /cgi-bin/host answers the hostname) on every node,
#   and an attachable overlay network appnet.
# Node sockets are plain files (CLUSTER_DIR/nodeN/docker.sock), so the host's docker client reaches
# every node; inside a node (its containers' bind mounts) its socket is /run/swarm-node/docker.sock.
# Overlay addresses are reachable only from containers (or through nsenter into one).
#
# `up` first removes what a killed previous run may have left (processes in the sic- namespaces and
# cgroups, the namespaces, CLUSTER_DIR). It never touches the single-node lab (bench/swarm/lab.sh:
# host namespace, /tmp/swarm-ingress-lab, cgroup /swarm-ingress-lab), and both can run at once.
# Wrap a whole session in `flock /tmp/swarm-cluster.lock ...` when other people share the machine.
set -Eeuo pipefail

CLUSTER_DIR="${CLUSTER_DIR:-/tmp/swarm-ingress-cluster}"
CLUSTER_DIR="${CLUSTER_DIR%/}"
DOCKER=/usr/bin/docker      # Debian's client; a newer one may sit earlier on PATH
DOCKERD=/usr/sbin/dockerd
PREFIX=sic
HUB="$PREFIX-hub"
BRIDGE=sicbr0
HOST_LINK=sic-host
# Inside its own mount namespace each node's dockerd also listens here, the same path on every node
# (as /var/run/docker.sock is on real machines), so a stack can bind-mount "the local socket".
NODE_SOCKET_DIR=/run/swarm-node
NODES=(1 2 3)
SUBNET=192.168.77
IMAGE=demo/busybox:local
NETWORK=appnet
# Set HEARTBEAT=1s for faster Down detection of a lost node (Swarm's default is 5s).
HEARTBEAT="${HEARTBEAT:-}"

say() { echo "cluster.sh: $*" >&2; }
die() { echo "cluster.sh: ERROR: $*" >&2; exit 1; }
trap 'rc=$?; echo "cluster.sh: ERROR: \"${BASH_COMMAND}\" failed (exit $rc) at line ${LINENO}" >&2; exit $rc' ERR

ns() { echo "$PREFIX-n$1"; }
node_dir() { echo "$CLUSTER_DIR/node$1"; }
sock() { echo "$(node_dir "$1")/docker.sock"; }
addr() { echo "$SUBNET.1$1"; }
dk() { local n=$1; shift; "$DOCKER" -H "unix://$(sock "$n")" "$@"; }

require_root() {
    [ "$(id -u)" = 0 ] || die "must run as root (namespaces, mounts and dockerd need it)"
}

ensure_packages() {
    local missing=()
    { [ -x "$DOCKERD" ] && [ -x "$DOCKER" ]; } || missing+=(docker.io)
    dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
    command -v nsenter >/dev/null 2>&1 || missing+=(util-linux)
    command -v ip >/dev/null 2>&1 || missing+=(iproute2)
    if [ "${#missing[@]}" -gt 0 ]; then
        say "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >&2 || die "apt-get update failed"
        apt-get install -y -q "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
    fi
}

# Every process whose network namespace is one of ours (dockerd, containerd, shims), of the given
# nodes (default: all, and the hub).
cluster_pids() {
    local n
    for n in "${@:-${NODES[@]}}"; do
        ip netns pids "$(ns "$n")" 2>/dev/null || true
    done
    [ $# -gt 0 ] || ip netns pids "$HUB" 2>/dev/null || true
}

# Every process in the nodes' cgroups: the containers, in network namespaces of their own.
cgroup_pids() {
    local n base d
    for n in "${@:-${NODES[@]}}"; do
        for base in /sys/fs/cgroup/pids /sys/fs/cgroup/memory /sys/fs/cgroup/unified /sys/fs/cgroup; do
            d="$base/$PREFIX-node$n"
            [ -d "$d" ] || continue
            cat $(find "$d" -name cgroup.procs 2>/dev/null) 2>/dev/null || true
        done
    done
}

# Daemons of this cluster found by their command line, in case their namespace is already gone.
named_pids() {
    local p
    for p in $(pgrep -f -- "$CLUSTER_DIR/" || true); do
        [ "$p" = "$$" ] && continue
        case "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" in
            *dockerd*|*containerd*) echo "$p" ;;
        esac
    done
}

# A lab is thrown away whole, so nothing is stopped gracefully: every process of the nodes (daemons
# in the node namespaces, containers in the nodes' cgroups) is killed, which also drops the mounts
# of their private mount namespaces; then the namespaces go, and with them every link in them.
teardown() {
    local n p i left
    for i in $(seq 1 50); do
        left=$( { named_pids; cluster_pids; cgroup_pids; } | sort -u)
        [ -z "$left" ] && break
        for p in $left; do
            [ "$p" = "$$" ] && continue
            kill -KILL "$p" 2>/dev/null || true
        done
        sleep 0.1
    done
    for n in "${NODES[@]}"; do
        for d in /sys/fs/cgroup/*/"$PREFIX-node$n" /sys/fs/cgroup/"$PREFIX-node$n"; do
            [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
        done
    done
    # Deleting a namespace deletes the links in it (veths, the bridge, docker0, VXLAN devices), and
    # with the hub's end of it the host's link.
    for n in "${NODES[@]}"; do ip netns del "$(ns "$n")" 2>/dev/null || true; done
    ip netns del "$HUB" 2>/dev/null || true
    ip link del "$HOST_LINK" 2>/dev/null || true
    # Mounts of the nodes lived in their private mount namespaces and went with their processes;
    # a run killed half-way may have left some in ours.
    for m in $(awk -v dir="$CLUSTER_DIR" 'index($5, dir "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
        umount -l "$m" 2>/dev/null || say "could not unmount $m"
    done
    rm -rf "$CLUSTER_DIR" || die "cannot remove $CLUSTER_DIR"
    for n in "${NODES[@]}"; do
        ! ip netns list | grep -qw "$(ns "$n")" || die "namespace $(ns "$n") is still there"
    done
}

make_network() {
    local n
    ip netns add "$HUB"
    ip -n "$HUB" link set lo up
    ip -n "$HUB" link add "$BRIDGE" type bridge
    ip -n "$HUB" link set "$BRIDGE" up
    for n in "${NODES[@]}"; do
        ip netns add "$(ns "$n")"
        ip -n "$(ns "$n")" link set lo up
        # Both ends are created inside the namespaces: no link ever appears in the host's.
        ip -n "$HUB" link add "veth-n$n" type veth peer name eth0 netns "$(ns "$n")"
        ip -n "$HUB" link set "veth-n$n" master "$BRIDGE" up
        ip -n "$(ns "$n")" addr add "$(addr "$n")/24" dev eth0
        ip -n "$(ns "$n")" link set eth0 up
    done
    # The host as a client outside the swarm: its end is a plain interface (not a bridge port).
    ip link add "$HOST_LINK" type veth peer name veth-host netns "$HUB"
    ip -n "$HUB" link set veth-host master "$BRIDGE" up
    ip addr add "$SUBNET.1/24" dev "$HOST_LINK"
    ip link set "$HOST_LINK" up
}

start_dockerd() {
    local n=$1 dir
    dir="$(node_dir "$n")"
    mkdir -p "$dir/data" "$dir/exec" "$dir/cgroup-aside"
    echo '{}' >"$dir/daemon.json"
    # ip netns exec would remount /sys without the cgroup mounts, and dockerd dies with "Devices
    # cgroup isn't mounted". Instead: a private mount namespace where /sys is a sysfs of the node's
    # network namespace and the host's cgroup tree is moved back on top of it.
    # The daemon outlives this script: it must not keep the script's open files (a caller's flock
    # lock, a pipe someone waits on), so everything above stderr is closed first.
    (
    for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 exec setsid nsenter --net="/run/netns/$(ns "$n")" \
        unshare --mount --uts --propagation slave -- sh -c '
            set -e
            mount --rbind /sys/fs/cgroup "$1/cgroup-aside"
            mount -t sysfs sysfs /sys
            mount --move "$1/cgroup-aside" /sys/fs/cgroup
            mkdir -p '"$NODE_SOCKET_DIR"'
            mount -t tmpfs -o size=1m,mode=0755 tmpfs '"$NODE_SOCKET_DIR"'
            hostname "node$2"
            exec "$3" --config-file "$1/daemon.json" --data-root "$1/data" --exec-root "$1/exec" \
                -H "unix://$1/docker.sock" -H "unix://'"$NODE_SOCKET_DIR"'/docker.sock" \
                --pidfile "$1/dockerd.pid" --storage-driver vfs \
                --cgroup-parent "/'"$PREFIX"'-node$2" --bip "172.30.$2.1/24" \
                --default-address-pool "base=10.20$2.0.0/16,size=24"
        ' sh "$dir" "$n" "$DOCKERD" </dev/null >"$dir/dockerd.log" 2>&1
    ) &
}

await_dockerd() {
    local n=$1 i
    for i in $(seq 1 120); do
        dk "$n" info >/dev/null 2>&1 && return 0
        sleep 0.25
    done
    tail -n 30 "$(node_dir "$n")/dockerd.log" >&2 || true
    die "node$n dockerd did not answer within 30 s (log: $(node_dir "$n")/dockerd.log)"
}

image_tar() {
    local root="$CLUSTER_DIR/image" t
    mkdir -p "$root/bin" "$root/www/cgi-bin" "$root/tmp" "$root/etc"
    cp /bin/busybox "$root/bin/busybox"
    for t in sh httpd sleep nc hostname echo cat env ls ps ip seq tail; do ln -s busybox "$root/bin/$t"; done
    echo '<html><body>swarm-ingress demo backend</body></html>' >"$root/www/index.html"
    printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\nhostname\n' >"$root/www/cgi-bin/host"
    chmod 755 "$root/www/cgi-bin/host"
    echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
    tar -C "$root" -cf "$CLUSTER_DIR/image.tar" .
}

up() {
    require_root
    ensure_packages
    local managers=1 n token role
    while [ $# -gt 0 ]; do
        case "$1" in
            --managers) managers="${2:-}"; shift 2 ;;
            *) die "unknown option $1 (expected: --managers 1|3)" ;;
        esac
    done
    case "$managers" in 1|3) ;; *) die "--managers $managers (expected: 1 or 3)" ;; esac
    teardown
    mkdir -p "$CLUSTER_DIR"
    make_network
    for n in "${NODES[@]}"; do start_dockerd "$n"; done
    image_tar
    for n in "${NODES[@]}"; do await_dockerd "$n"; done
    local imports=()
    for n in "${NODES[@]}"; do
        dk "$n" import -c 'CMD ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"]' "$CLUSTER_DIR/image.tar" "$IMAGE" >/dev/null &
        imports+=($!)
    done
    # Only the imports: a bare wait would also wait for the dockerds, which are children too.
    for p in "${imports[@]}"; do wait "$p" || die "docker import failed"; done
    dk 1 swarm init --advertise-addr "$(addr 1)" --listen-addr "$(addr 1):2377" --default-addr-pool 10.77.0.0/16 \
        ${HEARTBEAT:+--dispatcher-heartbeat "$HEARTBEAT"} >/dev/null
    role=worker
    [ "$managers" = 3 ] && role=manager
    token=$(dk 1 swarm join-token -q "$role")
    for n in 2 3; do
        dk "$n" swarm join --token "$token" --advertise-addr "$(addr "$n")" --listen-addr "$(addr "$n"):2377" "$(addr 1):2377" >/dev/null
    done
    dk 1 network create -d overlay --attachable "$NETWORK" >/dev/null
    local ready
    for n in $(seq 1 100); do
        ready=$(dk 1 node ls --format '{{.Status}}' | grep -c Ready || true)
        [ "$ready" = 3 ] && break
        sleep 0.2
    done
    [ "$ready" = 3 ] || die "only $ready of 3 nodes are Ready"
    say "up: 3 nodes ($managers manager(s)), image $IMAGE on each, overlay network $NETWORK"
    dk 1 node ls >&2
    for n in "${NODES[@]}"; do
        say "node$n: $(addr "$n"), docker -H unix://$(sock "$n")"
    done
    say "use: eval \"\$(bash $0 env)\"   (DOCKER_HOST is node1)"
}

down() {
    require_root
    teardown
    say "down: namespaces, processes, cgroups and $CLUSTER_DIR removed"
}

env_lines() {
    local n
    dk 1 info >/dev/null 2>&1 || die "no cluster answers on $(sock 1) (run: bash $0 up)"
    echo "export DOCKER_HOST=unix://$(sock 1)"
    for n in "${NODES[@]}"; do echo "export SWARM_NODE${n}_SOCKET=$(sock "$n")"; done
    for n in "${NODES[@]}"; do echo "export SWARM_NODE${n}_ADDR=$(addr "$n")"; done
}

# A service task pinned to node1, asked by a container on node2 over the overlay, by address and by
# Docker's DNS name for the service's tasks.
check() {
    require_root
    local name="check-$$" ip answer
    dk 1 service create -d --no-resolve-image --name "$name" --network "$NETWORK" \
        --constraint node.hostname==node1 "$IMAGE" >/dev/null
    trap 'dk 1 service rm "'"$name"'" >/dev/null 2>&1 || true' EXIT
    for _ in $(seq 1 100); do
        ip=$(dk 1 ps -q --filter "label=com.docker.swarm.service.name=$name" \
            | xargs -r "$DOCKER" -H "unix://$(sock 1)" inspect -f "{{(index .NetworkSettings.Networks \"$NETWORK\").IPAddress}}" 2>/dev/null || true)
        [ -n "$ip" ] && break
        sleep 0.2
    done
    [ -n "$ip" ] || die "the task on node1 did not start"
    answer=$(dk 2 run --rm --network "$NETWORK" "$IMAGE" sh -c \
        "for i in \$(seq 1 50); do r=\$(printf 'GET /cgi-bin/host HTTP/1.0\r\n\r\n' | nc -w 2 $ip 8080 | tail -n 1); [ -n \"\$r\" ] && break; sleep 0.2; done; echo \$r; printf 'GET /cgi-bin/host HTTP/1.0\r\n\r\n' | nc -w 2 tasks.$name 8080 | tail -n 1")
    say "from a container on node2: $ip:8080 (task on node1) answered $(echo "$answer" | head -n 1), tasks.$name answered $(echo "$answer" | tail -n 1)"
    [ "$(echo "$answer" | head -n 1)" = "$(dk 1 ps -q --filter "label=com.docker.swarm.service.name=$name")" ] \
        || die "no answer from the task on node1 over the overlay: '$answer'"
    [ "$(echo "$answer" | tail -n 1)" = "$(echo "$answer" | head -n 1)" ] || die "tasks.$name did not resolve to the task"
    say "check: overlay traffic node2 -> node1 works"
}

node_arg() {
    case "${1:-}" in 1|2|3) ;; *) die "expected a node number 1, 2 or 3, got '${1:-}'" ;; esac
}

# Node N is lost as a machine that dies is: all its processes (daemons and containers) end at once,
# nothing stops gracefully, nobody tells the others. Its link stays up, so its kernel still answers
# on its address (connections to it are refused); `cut` makes it silent as well.
kill_node() {
    require_root
    node_arg "$1"
    local n=$1 p i left
    for i in $(seq 1 50); do
        left=$( { cluster_pids "$n"; cgroup_pids "$n"; } | sort -u)
        [ -z "$left" ] && break
        for p in $left; do
            [ "$p" = "$$" ] && continue
            kill -KILL "$p" 2>/dev/null || true
        done
        sleep 0.05
    done
    [ -z "$left" ] || die "node$n still has processes: $left"
    say "node$n killed"
}

cut_node() {
    require_root
    node_arg "$1"
    ip -n "$HUB" link set "veth-n$1" "$2"
    say "node$1 link $2"
}

# A killed node again: its dockerd starts on its data-root and rejoins the swarm; Swarm restarts
# the tasks that belong there.
start_node() {
    require_root
    node_arg "$1"
    local n=$1 m
    for m in $(awk -v dir="$(node_dir "$n")" 'index($5, dir "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
        umount -l "$m" 2>/dev/null || true
    done
    rm -f "$(node_dir "$n")/dockerd.pid" "$(node_dir "$n")/docker.sock"
    start_dockerd "$n"
    await_dockerd "$n"
    say "node$n started"
}

leader() {
    local n out
    for n in "${NODES[@]}"; do
        # A manager without quorum answers late or never: ask the next one.
        out=$(timeout 5 "$DOCKER" -H "unix://$(sock "$n")" node ls --format '{{.Hostname}} {{.ManagerStatus}}' 2>/dev/null \
            | awk '$2 == "Leader" { sub("node", "", $1); print $1 }') || true
        if [ -n "$out" ]; then
            echo "$out"
            return 0
        fi
    done
    die "no node answers with a leader"
}

case "${1:-}" in
    up) shift; up "$@" ;;
    down) down ;;
    env) env_lines ;;
    check) check ;;
    kill) kill_node "${2:-}" ;;
    cut) cut_node "${2:-}" down ;;
    uncut) cut_node "${2:-}" up ;;
    start) start_node "${2:-}" ;;
    leader) leader ;;
    *) echo "usage: $0 up [--managers 1|3] | env | check | kill N | cut N | uncut N | start N | leader | down" \
           "  (CLUSTER_DIR=${CLUSTER_DIR})" >&2; exit 2 ;;
esac
