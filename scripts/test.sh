#!/usr/bin/env bash
# Runs every test of the project, the real-Swarm ones included.
#
#   bash scripts/test.sh
#
# Installs what the tests need when it is missing (Debian packages: docker.io, busybox-static,
# socat (also the backend of SilentPeerTest, with iproute2), prometheus for promtool and the Prometheus server StackDeployIT runs, slowhttptest for
# SlowClientIT, haproxy and curl for ClientAddressTest (curl also for the proxy-in-the-overlay ITs,
# SwarmProxyIT and StickySwarmIT), curl and openssl for the TLS tests, nghttp2-client and
# nodejs/npm for the HTTP/2 and WebSocket tests, chromium for DashboardBrowserIT, and the Debian JDK 17 whose jmods
# deploy/jre-image.sh links into the offline base image), starts a private single-node Docker Swarm
# (bench/swarm/lab.sh), runs `mvn -B verify` against it, and takes the lab down again whatever
# happened; then the three-node tests (`mvn -B verify -Pcluster`; CLUSTER_TESTS=0 skips them),
# each on a three-node swarm of its own (bench/swarm/cluster.sh, as root, which installs docker.io,
# busybox-static, iproute2 and util-linux itself when missing). A lab that cannot start is a
# failure, never a skip: the Swarm tests are part of the suite.
set -Eeuo pipefail
cd "$(dirname "$0")/.."

say() { echo "test.sh: $*" >&2; }

packages=()
command -v mvn >/dev/null 2>&1 || packages+=(maven)
command -v javac >/dev/null 2>&1 || packages+=(openjdk-17-jdk-headless)
# StackDeployIT builds the image's JRE offline with jlink from this JDK's jmods.
[ -d /usr/lib/jvm/java-17-openjdk-amd64/jmods ] || packages+=(openjdk-17-jdk-headless)
{ command -v promtool && command -v prometheus; } >/dev/null 2>&1 || packages+=(prometheus)
command -v socat >/dev/null 2>&1 || packages+=(socat)
# SilentPeerTest puts a backend in a network namespace of its own (ip netns, a veth pair) and cuts its link.
command -v ip >/dev/null 2>&1 || packages+=(iproute2)
command -v curl >/dev/null 2>&1 || packages+=(curl)
command -v openssl >/dev/null 2>&1 || packages+=(openssl)
command -v slowhttptest >/dev/null 2>&1 || packages+=(slowhttptest)
command -v haproxy >/dev/null 2>&1 || packages+=(haproxy)
# DashboardBrowserIT loads the admin dashboard in Debian's headless Chromium (driven over DevTools by the JDK).
[ -x /usr/bin/chromium ] || packages+=(chromium)
# The HTTP/2 tests drive h2load and nghttp; the WebSocket tests run the npm `ws` package on Node.js
# (installed by the tests themselves into proxy-core/target/npm, never committed), the gRPC tests
# @grpc/grpc-js and @grpc/proto-loader (likewise, into proxy-core/target/npm-grpc).
{ command -v h2load && command -v nghttp; } >/dev/null 2>&1 || packages+=(nghttp2-client)
{ command -v node && command -v npm; } >/dev/null 2>&1 || packages+=(nodejs npm)
if [ "${#packages[@]}" -gt 0 ]; then
    say "installing ${packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q "${packages[@]}" >&2
fi

# Which phases run: the single-node one, then the three-node one (about 6 min on 2 cores) unless
# CLUSTER_TESTS=0. A -Dit.test=... picks the phase of the tests it names (the three-node ones end in
# ClusterIT).
lab=1
cluster="${CLUSTER_TESTS:-1}"
for a in "$@"; do
    case "$a" in
        -Dit.test=*ClusterIT*) lab=0; cluster=1 ;;
        -Dit.test=*) cluster=0 ;;
    esac
done

# Everything the lab tests need is installed and the lab is up: a test that finds something missing
# fails instead of skipping (the tests read CI=true so), the browser test included.
export CI="${CI:-true}"

if [ "$lab" = 1 ]; then
    # The lab script installs docker.io and busybox-static itself and fails loudly if the swarm can't start.
    bash bench/swarm/lab.sh up
    trap 'bash bench/swarm/lab.sh down || true' EXIT
    eval "$(bash bench/swarm/lab.sh env)"
    export DOCKER_HOST

    say "running mvn -B verify (Netty leak detection: paranoid) against the lab at $DOCKER_HOST"
    mvn -B verify "$@"
    bash bench/swarm/lab.sh down
    trap - EXIT
    unset DOCKER_HOST
fi

if [ "$cluster" = 1 ]; then
    # The three-node tests (MeshClusterIT, LeaderLossClusterIT) each start their own three-node
    # swarm with bench/swarm/cluster.sh and take it down; never beside the single-node lab.
    trap 'bash bench/swarm/cluster.sh down || true' EXIT
    say "running the three-node tests (mvn -B verify -Pcluster)"
    mvn -B verify -Pcluster "$@"
fi
