#!/usr/bin/env bash
# Builds a small Java 17 runtime image offline and loads it into a Docker daemon:
#
#   bash deploy/jre-image.sh [TAG]        # default TAG: local/jre:17; the daemon is DOCKER_HOST's
#   DOCKER_HOSTS="unix:///a.sock tcp://node2:2376" bash deploy/jre-image.sh   # several daemons, one jlink
#
# For machines without a registry (CI, air-gapped hosts): the Dockerfile's default base,
# eclipse-temurin:21-jre, must be pulled, this one is made from the local Debian JDK instead:
#   DOCKER_BUILDKIT=0 docker build --build-arg JRE_IMAGE=local/jre:17 -t swarm-ingress:latest .
#
# What goes in: a jlink of JDK (default /usr/lib/jvm/java-17-openjdk-amd64, which ships jmods) with
# the modules the shaded jar uses (JRE_MODULES overrides them), a class-data-sharing archive (faster
# start, which the HEALTHCHECK's JVM pays every few seconds), every shared library ldd lists for the
# runtime plus those glibc loads on demand (libgcc_s for thread exit, NSS for names, librt and libdl
# for Netty's epoll library), busybox as /bin/sh, /tmp (Netty unpacks its native library there) and
# minimal /etc files. About 65 MB. Needs root only for the daemon's socket.
set -Eeuo pipefail

TAG="${1:-local/jre:17}"
JDK="${JDK:-/usr/lib/jvm/java-17-openjdk-amd64}"
# jdeps --print-module-deps on the shaded jar, minus what only optional code paths need
# (java.desktop, java.compiler, java.security.jgss, jdk.jfr), plus what runs without a static
# reference: jdk.crypto.ec (TLS to a Docker API with EC keys), jdk.management (process metrics),
# java.net.http and java.xml (logback, libraries' optional paths).
MODULES="${JRE_MODULES:-java.base,java.logging,java.management,java.naming,jdk.unsupported,java.net.http,jdk.crypto.ec,java.xml,java.sql,jdk.management}"
DOCKER="${DOCKER:-/usr/bin/docker}"   # Debian's client; a newer one earlier on PATH may not speak to dockerd 20.10
BUSYBOX="${BUSYBOX:-/bin/busybox}"

say() { echo "jre-image.sh: $*" >&2; }
die() { echo "jre-image.sh: ERROR: $*" >&2; exit 1; }

[ -d "$JDK/jmods" ] || die "$JDK/jmods is missing (Debian: apt-get install openjdk-17-jdk-headless; set JDK=...)"
[ -x "$BUSYBOX" ] || die "$BUSYBOX is missing (Debian: apt-get install busybox-static)"
case "$(ldd "$BUSYBOX" 2>&1 || true)" in
    *"not a dynamic"*) ;;
    *) die "$BUSYBOX is not statically linked (Debian: apt-get install busybox-static)" ;;
esac
[ -x "$DOCKER" ] || die "$DOCKER is missing (Debian: apt-get install docker.io)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/root"
started=$(date +%s.%N)

say "jlink $MODULES"
mkdir -p "$root"
"$JDK/bin/jlink" --module-path "$JDK/jmods" --add-modules "$MODULES" \
    --strip-debug --no-header-files --no-man-pages --generate-cds-archive \
    --output "$root/opt/jre" >/dev/null
# Only used with heaps over 32 GB (no compressed oops); 10 MB for nothing in a container.
rm -f "$root/opt/jre/lib/server/classes_nocoops.jsa"

# Shared libraries, at the paths the dynamic loader looks for them.
copy_lib() {
    local lib=$1
    [ -e "$lib" ] || return 0
    mkdir -p "$root$(dirname "$lib")"
    [ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
}
libs="$(
    { ldd "$root/opt/jre/bin/java"; find "$root/opt/jre" -name '*.so' -exec ldd {} \; ; } 2>/dev/null \
        | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | grep -v "^$root/" | sort -u
)"
multiarch=/lib/x86_64-linux-gnu
for lib in $libs /lib64/ld-linux-x86-64.so.2 \
        "$multiarch/libgcc_s.so.1" "$multiarch/libdl.so.2" "$multiarch/librt.so.1" "$multiarch/libpthread.so.0" \
        "$multiarch/libm.so.6" "$multiarch/libresolv.so.2" "$multiarch/libnss_files.so.2" "$multiarch/libnss_dns.so.2"; do
    copy_lib "$lib"
done
[ -e "$root/lib64/ld-linux-x86-64.so.2" ] || die "the dynamic loader /lib64/ld-linux-x86-64.so.2 was not found"
[ -e "$root$multiarch/libgcc_s.so.1" ] || die "$multiarch/libgcc_s.so.1 was not found (glibc needs it when threads exit)"

mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/app"
chmod 1777 "$root/tmp"
cp "$BUSYBOX" "$root/bin/busybox"
for applet in sh cat ls id env ps kill sleep nc; do ln -s busybox "$root/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
mkdir -p "$root/root"

# The image must start Java, not merely contain it. The loader finds libjli through $ORIGIN,
# which needs /proc: the check runs in a private pid and mount namespace with its own /proc.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v chroot >/dev/null; then
    mkdir -p "$root/proc"
    unshare --pid --fork --mount-proc="$root/proc" chroot "$root" /opt/jre/bin/java -Xshare:on -version \
        >"$work/java-version.txt" 2>&1 \
        || { cat "$work/java-version.txt" >&2; die "java does not start inside the image root"; }
    rm -rf "${root:?}/tmp/"*
fi

# Into DOCKER_HOST's daemon, or into each daemon of DOCKER_HOSTS (space-separated, e.g. the nodes of
# a swarm without a registry): one jlink, one import per daemon.
tar -C "$root" --numeric-owner -cf "$work/jre.tar" .
for host in ${DOCKER_HOSTS:-${DOCKER_HOST:-unix:///var/run/docker.sock}}; do
    say "docker import $TAG ($(du -sm "$root" | cut -f1) MB) into $host"
    DOCKER_HOST="$host" "$DOCKER" import \
        -c 'ENV PATH=/opt/jre/bin:/bin' -c 'ENV JAVA_HOME=/opt/jre' -c 'ENV LANG=C.UTF-8' \
        -c 'CMD ["/opt/jre/bin/java", "-version"]' - "$TAG" <"$work/jre.tar" >/dev/null
done
say "built $TAG in $(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s"
