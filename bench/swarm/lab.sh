#!/usr/bin/env bash
# A private single-node Docker Swarm for the discovery tests and demos.
#
#   bash bench/swarm/lab.sh up     # fresh dockerd + swarm + demo/busybox:local image + overlay network appnet
#   bash bench/swarm/lab.sh env    # prints: export DOCKER_HOST=unix://$LAB_DIR/docker.sock
#   bash bench/swarm/lab.sh down   # stops it and removes every trace
#
# Everything lives under LAB_DIR (default /tmp/swarm-ingress-lab): its own data-root, exec-root,
# socket, pidfile, an empty daemon config (the host's daemon.json must not leak in) and a cgroup
# parent (/swarm-ingress-lab) that makes our containers findable after a killed run. `up` always
# starts from a fresh data-root and first cleans what a killed previous run may have left: the
# dockerd/containerd of this lab, container processes, mounts under the lab, docker0 and
# docker_gwbridge. Any failure exits non-zero with a message; it never half-succeeds quietly.
set -Eeuo pipefail

LAB_DIR="${LAB_DIR:-/tmp/swarm-ingress-lab}"
LAB_DIR="${LAB_DIR%/}"
DOCKER=/usr/bin/docker      # Debian's client; a newer one may sit earlier on PATH
DOCKERD=/usr/sbin/dockerd
SOCK="$LAB_DIR/docker.sock"
PIDFILE="$LAB_DIR/dockerd.pid"
CGROUP_PARENT=swarm-ingress-lab
IMAGE=demo/busybox:local
NETWORK=appnet

say() { echo "lab.sh: $*" >&2; }
die() { echo "lab.sh: ERROR: $*" >&2; exit 1; }
trap 'rc=$?; echo "lab.sh: ERROR: \"${BASH_COMMAND}\" failed (exit $rc) at line ${LINENO}" >&2; exit $rc' ERR

dk() { "$DOCKER" -H "unix://$SOCK" "$@"; }

require_root() {
    [ "$(id -u)" = 0 ] || die "must run as root (dockerd, mounts and network links need it)"
}

# Installs what the lab and the tests need, only when missing; one apt-get update at most.
ensure_packages() {
    local missing=()
    { [ -x "$DOCKERD" ] && [ -x "$DOCKER" ]; } || missing+=(docker.io)
    dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
    command -v socat >/dev/null 2>&1 || missing+=(socat)
    command -v nsenter >/dev/null 2>&1 || missing+=(util-linux)
    command -v openssl >/dev/null 2>&1 || missing+=(openssl)     # the discovery TLS test makes its certificates
    if [ "${#missing[@]}" -gt 0 ]; then
        say "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >&2 || die "apt-get update failed"
        apt-get install -y -q "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
    fi
    [ -x "$DOCKERD" ] || die "$DOCKERD is missing after installing docker.io"
    [ -x /bin/busybox ] || die "/bin/busybox is missing after installing busybox-static"
}

# A zombie (exited, not yet reaped by a parent that may never reap it) counts as gone.
pid_alive() {
    [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
    [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

cmdline_of() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }

# Processes whose command line names this lab (dockerd, its containerd, shims), by pid.
lab_pids() {
    local p
    for p in $(pgrep -f -- "$LAB_DIR/" || true); do
        [ "$p" = "$$" ] && continue
        pid_alive "$p" || continue
        case "$(cmdline_of "$p")" in
            *dockerd*|*containerd*) echo "$p" ;;
        esac
    done
}

stop_pid() {
    local pid=$1 what=$2 i
    pid_alive "$pid" || return 0
    say "stopping $what (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
        pid_alive "$pid" || return 0
        sleep 0.2
    done
    say "$what (pid $pid) ignored SIGTERM for 20 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
}

# The host network namespace can have only one dockerd (docker0, iptables, gwbridge). Daemons in
# other network namespaces (bench/swarm/cluster.sh's nodes) are no concern.
refuse_foreign_dockerd() {
    local p foreign=() ours
    ours=$(readlink /proc/self/ns/net)
    for p in $(pgrep -x dockerd || true); do
        pid_alive "$p" || continue
        # A dockerd in a network namespace of its own (a node of the multi-node lab) is no rival.
        [ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" = "$ours" ] || continue
        case "$(cmdline_of "$p")" in
            *"$LAB_DIR/"*) ;;
            *) foreign+=("$p") ;;
        esac
    done
    if [ "${#foreign[@]}" -gt 0 ]; then
        for p in "${foreign[@]}"; do say "another dockerd runs in the host network namespace: pid $p: $(cmdline_of "$p")"; done
        die "only one dockerd may own the host network namespace; stop it first (e.g. systemctl stop docker docker.socket)"
    fi
}

kill_lab_cgroups() {
    local base d p
    for base in /sys/fs/cgroup/pids /sys/fs/cgroup/memory /sys/fs/cgroup/cpu,cpuacct /sys/fs/cgroup/unified /sys/fs/cgroup; do
        d="$base/$CGROUP_PARENT"
        [ -d "$d" ] || continue
        for p in $(cat $(find "$d" -name cgroup.procs 2>/dev/null) 2>/dev/null || true); do
            say "killing leftover container process $p"
            kill -KILL "$p" 2>/dev/null || true
        done
    done
    sleep 0.2
    for base in /sys/fs/cgroup/*; do
        d="$base/$CGROUP_PARENT"
        [ -d "$d" ] || continue
        find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
}

unmount_lab() {
    local m
    # deepest first; lazy because a killed run can leave busy mounts (netns files, shm)
    for m in $(awk -v lab="$LAB_DIR" '$5 == lab || index($5, lab "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
        umount -l "$m" 2>/dev/null || say "could not unmount $m"
    done
}

delete_links() {
    local l
    for l in docker_gwbridge docker0; do
        if ip link show "$l" >/dev/null 2>&1; then
            say "deleting leftover link $l"
            ip link delete "$l" || die "cannot delete link $l"
        fi
    done
}

# Stops this lab's daemon (from the pidfile, else by its command line) and removes what it left.
teardown() {
    local p
    if [ -f "$PIDFILE" ]; then
        p=$(cat "$PIDFILE" 2>/dev/null || true)
        if pid_alive "$p" && [[ "$(cmdline_of "$p")" == *"$LAB_DIR/"* ]]; then
            stop_pid "$p" "lab dockerd"
        fi
    fi
    for p in $(lab_pids); do
        case "$(cmdline_of "$p")" in *dockerd*) stop_pid "$p" "stale lab dockerd" ;; esac
    done
    for p in $(lab_pids); do stop_pid "$p" "stale lab containerd/shim"; done
    kill_lab_cgroups
    unmount_lab
    delete_links
    if [ -d "$LAB_DIR" ]; then
        rm -rf "$LAB_DIR" || { unmount_lab; rm -rf "$LAB_DIR"; } || die "cannot remove $LAB_DIR"
    fi
}

build_image() {
    local root="$LAB_DIR/image" t
    rm -rf "$root"
    mkdir -p "$root/bin" "$root/www/cgi-bin" "$root/tmp" "$root/etc"
    cp /bin/busybox "$root/bin/busybox"
    for t in sh httpd sleep nc hostname echo cat env ls ps; do ln -s busybox "$root/bin/$t"; done
    echo '<html><body>swarm-ingress demo backend</body></html>' >"$root/www/index.html"
    # GET /cgi-bin/host answers the task's hostname (its container id): spreads become countable.
    printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\nhostname\n' >"$root/www/cgi-bin/host"
    chmod 755 "$root/www/cgi-bin/host"
    echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
    tar -C "$root" -c . | dk import -c 'CMD ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"]' - "$IMAGE" >/dev/null
}

up() {
    require_root
    ensure_packages
    refuse_foreign_dockerd
    teardown
    mkdir -p "$LAB_DIR/data" "$LAB_DIR/exec"
    echo '{}' >"$LAB_DIR/daemon.json"
    say "starting dockerd in $LAB_DIR"
    DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 setsid "$DOCKERD" \
        --config-file "$LAB_DIR/daemon.json" \
        --data-root "$LAB_DIR/data" --exec-root "$LAB_DIR/exec" \
        -H "unix://$SOCK" --pidfile "$PIDFILE" \
        --storage-driver vfs --cgroup-parent "/$CGROUP_PARENT" \
        </dev/null >"$LAB_DIR/dockerd.log" 2>&1 &
    local pid=$! i
    for i in $(seq 1 120); do
        if dk info >/dev/null 2>&1; then break; fi
        if ! pid_alive "$pid"; then
            tail -n 30 "$LAB_DIR/dockerd.log" >&2 || true
            die "dockerd exited during startup (log: $LAB_DIR/dockerd.log)"
        fi
        sleep 0.5
    done
    dk info >/dev/null 2>&1 || { tail -n 30 "$LAB_DIR/dockerd.log" >&2; die "dockerd did not answer within 60 s"; }
    say "dockerd ready (pid $pid, $($DOCKER -H "unix://$SOCK" version -f '{{.Server.Version}} API {{.Server.APIVersion}}'))"
    dk swarm init --advertise-addr 127.0.0.1 >/dev/null
    build_image
    dk network create -d overlay --attachable "$NETWORK" >/dev/null
    [ "$(dk info -f '{{.Swarm.LocalNodeState}}')" = active ] || die "swarm is not active"
    dk image inspect "$IMAGE" >/dev/null || die "image $IMAGE is missing"
    dk network inspect "$NETWORK" >/dev/null || die "network $NETWORK is missing"
    say "up: swarm manager on unix://$SOCK, image $IMAGE, overlay network $NETWORK"
    say "use: eval \"\$(bash $0 env)\""
}

down() {
    require_root
    teardown
    say "down: $LAB_DIR removed"
}

env_lines() {
    [ -S "$SOCK" ] && dk info >/dev/null 2>&1 || die "no lab answers on $SOCK (run: bash $0 up)"
    echo "export DOCKER_HOST=unix://$SOCK"
    echo "export SWARM_LAB_SOCKET=$SOCK"
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    env) env_lines ;;
    *) echo "usage: $0 up|down|env   (LAB_DIR=${LAB_DIR})" >&2; exit 2 ;;
esac
