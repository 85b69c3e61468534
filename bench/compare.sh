#!/usr/bin/env bash
# Side-by-side benchmark: Swarm Ingress against HAProxy and nginx on the same machine, measured
# interleaved in rounds with wrk. See bench/BENCHMARKS.md for how to run it and how to read it.
# It never asserts a time: it prints a table and writes bench/results/<timestamp>.csv.
set -Eeuo pipefail

usage() {
  cat <<'EOF'
usage: bench/compare.sh [options]
  --smoke              a few seconds per scenario, one round (a quick check that the harness works)
  --duration SECONDS   length of one measurement (default 10)
  --rounds N           interleaved rounds; figures are medians over rounds (default 3)
  --warmup SECONDS     load on every proxy before the first round (default 25)
  --scenarios LIST     comma list out of 1,...,12 (default all; 8 is TLS termination, 9 TLS
                       passthrough, 10 HTTP/2 h2c and 11 HTTP/2 over TLS with h2load -c 10 -m 100,
                       12 WebSocket echo messages with a client on npm's ws)
  --only LIST          comma list out of haproxy,nginx,ingress (default all three)
  --jar PATH           the Swarm Ingress jar (default proxy-core/target/swarm-ingress.jar)
  --jar2 PATH          a second Swarm Ingress jar, measured as a fourth proxy "ingress2" in the same
                       interleaved rounds (e.g. the jar before a change); not in scenario 7
  --jvm-opts "FLAGS"   JVM flags for Swarm Ingress (default: the image's, JAVA_OPTS in the Dockerfile; its
                       class data archive, -XX:SharedArchiveFile, is made by a training run here as
                       the image build makes it; before 2026-11-30 the default was
                       "-Xms512m -Xmx512m -XX:+UseParallelGC")
  --jvm-opts2 "FLAGS"  JVM flags for --jar2 (default: those of --jvm-opts); with --jar2 the same jar,
                       an A/B of two sets of flags in the same interleaved rounds
  --idle-conns N       connections held open in scenario 6 (default 10000)
  --starts N           fresh starts of each proxy per round in scenario 6, timed to their first
                       answered request (default 5)
  --quiet-max SECONDS  how long to wait for a quiet second before each measurement (default 30)
  --noise-retries N    measurements repeated when other load took the proxy's core (default 2);
                       on a machine that is never quiet, 0 and a short --quiet-max keep a run short
  --proxy-cpu N        core the proxies run on (default 0)
  --load-cpu N         core wrk and the backend run on (default 1)
  --no-pin             pin nothing: the proxies, the load clients (wrk, h2load, node) and the backends
                       share every online core, as a proxy shares a node with its neighbours; each
                       proxy still runs one worker thread. The table's host% (whole machine) and
                       load cpu% replace core% and load%; the CSV's pinning column says "unpinned".
                       Not with --proxy-cpu or --load-cpu
  --jfr                after the table, profile Swarm Ingress under scenario 1 with JFR and
                       print the hottest methods (not part of the measured figures)
  --keep               keep the scratch directory
EOF
}

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$REPO/bench"
TOOLS="$BENCH/tools"

DURATION=10 ROUNDS=3 WARMUP=25 SCEN_WARMUP=5 SCENARIOS="1,2,3,4,5,6,7,8,9,10,11,12" ONLY="haproxy,nginx,ingress"
JAR="$REPO/proxy-core/target/swarm-ingress.jar"
JAR2=""
JVM_OPTS="" JVM_OPTS2=""
IDLE_CONNS=10000 STARTS=5 IDLE_HOLD=12 QUIET_MAX=30 NOISE_RETRIES=2 PROXY_CPU=0 LOAD_CPU=1 JFR=0 KEEP=0 SMOKE=0
PIN=1 PIN_OPTS=""   # PIN_OPTS: which of --proxy-cpu/--load-cpu were given (an error with --no-pin)
ROUTE_HOSTS=10000 ROUTE_PATHS=1000

# --smoke first sets short defaults; any explicit option still wins, wherever it stands.
for a in "$@"; do
  if [[ $a == --smoke ]]; then
    SMOKE=1 DURATION=3 ROUNDS=1 WARMUP=3 SCEN_WARMUP=1 IDLE_CONNS=1000 IDLE_HOLD=3 QUIET_MAX=3 NOISE_RETRIES=0 STARTS=1
  fi
done
while (($#)); do
  case "$1" in
    --smoke) ;;
    --duration) DURATION="$2"; shift ;;
    --rounds) ROUNDS="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --scenarios) SCENARIOS="$2"; shift ;;
    --only) ONLY="$2"; shift ;;
    --jar) JAR="$2"; shift ;;
    --jar2) JAR2="$2"; shift ;;
    --jvm-opts) JVM_OPTS="$2"; shift ;;
    --jvm-opts2) JVM_OPTS2="$2"; shift ;;
    --idle-conns) IDLE_CONNS="$2"; shift ;;
    --starts) STARTS="$2"; shift ;;
    --quiet-max) QUIET_MAX="$2"; shift ;;
    --noise-retries) NOISE_RETRIES="$2"; shift ;;
    --proxy-cpu) PROXY_CPU="$2"; PIN_OPTS+="${PIN_OPTS:+/}--proxy-cpu"; shift ;;
    --load-cpu) LOAD_CPU="$2"; PIN_OPTS+="${PIN_OPTS:+/}--load-cpu"; shift ;;
    --no-pin) PIN=0 ;;
    --jfr) JFR=1 ;;
    --keep) KEEP=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

die() { echo "compare.sh: $*" >&2; exit 1; }
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
has() { [[ ",$1," == *",$2,"* ]]; }

if [[ -n "$JAR2" ]]; then
  [[ -f "$JAR2" ]] || die "--jar2: no jar at $JAR2"
  has "$ONLY" ingress2 || ONLY="$ONLY,ingress2"
fi
for p in ${ONLY//,/ }; do
  case "$p" in haproxy|nginx|ingress|ingress2) ;; *) die "--only: unknown proxy '$p' (expected: haproxy, nginx, ingress)";; esac
done
for s in ${SCENARIOS//,/ }; do
  case "$s" in [1-9]|1[0-2]) ;; *) die "--scenarios: unknown scenario '$s' (expected: 1 to 12)";; esac
done
[[ "$DURATION" =~ ^[0-9]+$ && "$DURATION" -ge 1 ]] || die "--duration: '$DURATION' (expected: whole seconds >= 1)"
[[ "$ROUNDS" =~ ^[0-9]+$ && "$ROUNDS" -ge 1 ]] || die "--rounds: '$ROUNDS' (expected: >= 1)"
if ((PIN)); then
  [[ "$PROXY_CPU" != "$LOAD_CPU" ]] || die "--proxy-cpu and --load-cpu must differ"
  PROXY_WHERE="cpu $PROXY_CPU" LOAD_WHERE="cpu $LOAD_CPU"
else
  [[ -z "$PIN_OPTS" ]] || die "--no-pin (every process on every core) cannot be combined with $PIN_OPTS (a core for each side); leave out one or the other"
  # Every online core for every process (taskset over all of them, so that an affinity the shell
  # inherited is widened too): the proxy competes with its load and the backends as on a node.
  ALL_CPUS="$(cat /sys/devices/system/cpu/online)"
  PROXY_CPU="$ALL_CPUS" LOAD_CPU="$ALL_CPUS" PROXY_WHERE="cpus $ALL_CPUS" LOAD_WHERE="cpus $ALL_CPUS"
fi
[[ "$STARTS" =~ ^[0-9]+$ ]] || die "--starts: '$STARTS' (expected: a whole number >= 0)"

# The JVM flags users get: the image's JAVA_OPTS (README documents the same line). The throughput
# scenarios and scenario 6 measure the proxy with them unless --jvm-opts says otherwise.
IMAGE_JVM_OPTS="$(sed -n 's/^ *JAVA_OPTS="\([^"]*\)".*/\1/p' "$REPO/Dockerfile" | head -1)"
if [[ -z "$JVM_OPTS" ]]; then
  [[ -n "$IMAGE_JVM_OPTS" ]] || die "no JAVA_OPTS=\"...\" line in $REPO/Dockerfile; give --jvm-opts"
  JVM_OPTS="$IMAGE_JVM_OPTS"
fi
JVM_OPTS2="${JVM_OPTS2:-$JVM_OPTS}"

# ---------------------------------------------------------------- tools
install_missing() {
  local missing=()
  command -v haproxy >/dev/null || missing+=(haproxy)
  command -v nginx >/dev/null || missing+=(nginx)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v python3 >/dev/null || missing+=(python3)
  command -v taskset >/dev/null || missing+=(util-linux)
  command -v curl >/dev/null || missing+=(curl)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v h2load >/dev/null || missing+=(nghttp2-client)   # resumed TLS handshakes (8b), HTTP/2 (10, 11)
  if has "$SCENARIOS" 12; then   # the WebSocket echo server and load client run on Node.js with npm's ws
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
  fi
  ((${#missing[@]})) || return 0
  local sudo=""
  if ((EUID != 0)); then command -v sudo >/dev/null || die "missing ${missing[*]} and not root"; sudo=sudo; fi
  log "installing ${missing[*]}"
  $sudo apt-get update -qq
  APT_UPDATED=1
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}
APT_UPDATED=0
install_missing

# npm's ws (pinned, as the tests pin it) for scenario 12, installed once into bench/target/npm (git ignores it).
WS_VERSION=8.23.0
NODE_MODULES="$BENCH/target/npm/node_modules"
if has "$SCENARIOS" 12 && [[ "$(node -p "require('$NODE_MODULES/ws/package.json').version" 2>/dev/null)" != "$WS_VERSION" ]]; then
  log "installing ws@$WS_VERSION from npm into bench/target/npm"
  npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$BENCH/target/npm" "ws@$WS_VERSION" >/dev/null \
    || die "npm install ws@$WS_VERSION failed"
fi

# nginx's stream module (scenario 5): built in, a dynamic module on disk, or Debian's
# libnginx-mod-stream, which we try to install; without it nginx sits out scenario 5.
NGINX_STREAM=no NGINX_STREAM_SO="" NGINX_STREAM_WHY=""
detect_stream() {
  local v; v="$(nginx -V 2>&1)"
  if [[ "$v" == *"--with-stream "* || "$v" == *"--with-stream" ]]; then NGINX_STREAM=yes; return; fi
  if [[ "$v" == *"--with-stream=dynamic"* ]]; then
    local so
    for so in /usr/lib/nginx/modules/ngx_stream_module.so /usr/share/nginx/modules/ngx_stream_module.so; do
      [[ -f "$so" ]] && { NGINX_STREAM=yes NGINX_STREAM_SO="$so"; return; }
    done
    return 1
  fi
  NGINX_STREAM_WHY="nginx is built without the stream module (nginx -V)"
  return 0
}
if has "$ONLY" nginx && { has "$SCENARIOS" 5 || has "$SCENARIOS" 9; }; then
  if ! detect_stream; then
    sudo=""; ((EUID == 0)) || sudo=sudo
    log "nginx's stream module is dynamic and not installed: trying apt-get install libnginx-mod-stream"
    { ((APT_UPDATED)) || $sudo apt-get update -qq; } && \
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libnginx-mod-stream >/dev/null 2>&1 || true
    detect_stream || NGINX_STREAM_WHY="nginx's stream module is dynamic and libnginx-mod-stream could not be installed"
  fi
fi

if has "$ONLY" ingress; then
  command -v java >/dev/null || die "java is not installed (Swarm Ingress needs Java 17+); or run with --only haproxy,nginx"
  [[ -f "$JAR" ]] || die "Swarm Ingress jar not found at $JAR.
  Build it from the repository root with:   mvn -B -q package -DskipTests
  or point at a built jar with --jar PATH, or leave it out with --only haproxy,nginx"
fi

# ---------------------------------------------------------------- scratch dir and cleanup
WORK="$(mktemp -d /tmp/swarm-bench.XXXXXX)"
chmod 755 "$WORK"   # nginx workers run as an unprivileged user when started as root
PIDS=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do kill -CONT "$pid" $(pgrep -P "$pid" 2>/dev/null) 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if ((KEEP)); then echo "scratch kept: $WORK"; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'echo "compare.sh: interrupted (SIGINT)" >&2; exit 130' INT
trap 'echo "compare.sh: terminated (SIGTERM)" >&2; exit 143' TERM
trap 'echo "compare.sh: line $LINENO: \"$BASH_COMMAND\" failed" >&2' ERR

# Enough descriptors for 1,000 wrk connections and 10,000 idle ones (plus their upstream side).
HARD_NOFILE="$(ulimit -Hn)"
if [[ "$HARD_NOFILE" == unlimited || "$HARD_NOFILE" -ge 65536 ]]; then ulimit -n 65536; else ulimit -n "$HARD_NOFILE"; fi
if has "$SCENARIOS" 6 && (($(ulimit -n) < IDLE_CONNS + 2000)); then
  die "ulimit -n is $(ulimit -n): scenario 6 needs at least $((IDLE_CONNS + 2000)); raise the hard limit or use --idle-conns"
fi

# ---------------------------------------------------------------- ports
PORTS=(18081 18082 18083)
has "$ONLY" haproxy && PORTS+=(19100 19110)
has "$ONLY" nginx && PORTS+=(19200) && [[ $NGINX_STREAM == yes ]] && PORTS+=(19210)
has "$ONLY" ingress && PORTS+=(19000 19010 19090)
TLS=0
if has "$SCENARIOS" 8 || has "$SCENARIOS" 9 || has "$SCENARIOS" 11; then
  TLS=1
  PORTS+=(18443)
  has "$ONLY" haproxy && PORTS+=(19130 19120)
  has "$ONLY" nginx && PORTS+=(19230) && [[ $NGINX_STREAM == yes ]] && PORTS+=(19220)
  has "$ONLY" ingress && PORTS+=(19040 19050)
  has "$ONLY" ingress2 && PORTS+=(19060 19070)
fi
has "$ONLY" ingress2 && PORTS+=(19020 19030 19093)
# the training run of the class data archive and scenario 6's fresh starts (19xxx moved to 29xxx)
{ has "$ONLY" ingress || has "$ONLY" ingress2; } && PORTS+=(29000 29010 29090)
if has "$SCENARIOS" 6; then
  has "$ONLY" haproxy && PORTS+=(29100 29110)
  has "$ONLY" nginx && PORTS+=(29200)
fi
if has "$SCENARIOS" 10; then
  has "$ONLY" haproxy && PORTS+=(19140)
  has "$ONLY" nginx && PORTS+=(19240)
fi
if has "$SCENARIOS" 11; then
  has "$ONLY" haproxy && PORTS+=(19150)
  has "$ONLY" nginx && PORTS+=(19250)
fi
if has "$SCENARIOS" 12; then
  PORTS+=(18090)
  has "$ONLY" haproxy && PORTS+=(19160)
  has "$ONLY" nginx && PORTS+=(19260)
  has "$ONLY" ingress && PORTS+=(19080)
  has "$ONLY" ingress2 && PORTS+=(19083)
fi
if has "$SCENARIOS" 7; then
  has "$ONLY" haproxy && PORTS+=(19101)
  has "$ONLY" nginx && PORTS+=(19201)
  has "$ONLY" ingress && PORTS+=(19001 19091)
fi
busy=()
for p in "${PORTS[@]}"; do
  [[ -z "$(ss -Htln "sport = :$p" 2>/dev/null)" ]] || busy+=("$p")
done
((${#busy[@]} == 0)) || die "ports already in use on this machine: ${busy[*]} (see: ss -tlnp)"

# ---------------------------------------------------------------- header
TS="$(date -u +%Y%m%dT%H%M%SZ)"
RESULTS="$BENCH/results"
mkdir -p "$RESULTS"
RAW="$WORK/raw.tsv"; : >"$RAW"
{
  echo "== Swarm Ingress side-by-side benchmark  $TS"
  echo "host:     $(uname -sr), $(nproc) cpus ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load avg $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "haproxy:  $(haproxy -v 2>&1 | head -1)"
  echo "nginx:    $(nginx -v 2>&1 | head -1); stream module: $NGINX_STREAM${NGINX_STREAM_WHY:+ ($NGINX_STREAM_WHY)}"
  echo "wrk:      $(wrk -v 2>&1 | head -1 || true)"
  ((TLS)) && echo "tls:      $(openssl version), h2load $(h2load --version 2>&1 | head -1 | awk '{print $2}'); one ECDSA P-256 certificate, TLS 1.3 only, on every proxy"
  has "$SCENARIOS" 12 && echo "ws:       node $(node -v), ws $WS_VERSION: echo server and load client on $LOAD_WHERE"
  if has "$ONLY" ingress; then
    echo "java:     $(java -version 2>&1 | head -1) / $(java -version 2>&1 | sed -n 3p)"
    echo "ingress:  $JAR (built $(stat -c '%y' "$JAR" | cut -d. -f1), sha256 $(sha256sum "$JAR" | cut -c1-12)), JVM flags: $JVM_OPTS"
  fi
  if has "$ONLY" ingress2; then
    echo "ingress2: $JAR2 (built $(stat -c '%y' "$JAR2" | cut -d. -f1), sha256 $(sha256sum "$JAR2" | cut -c1-12)), JVM flags: $JVM_OPTS2"
  fi
  if ((PIN)); then
    echo "pinning:  proxies on cpu $PROXY_CPU; wrk (1 thread) and the backend nginx (1 worker) on cpu $LOAD_CPU"
  else
    echo "pinning:  NONE (--no-pin): the proxies, wrk (1 thread), h2load, node and the backends all share cpus $ALL_CPUS (every online core), as on a node"
    echo "threads:  still one worker per proxy: HAProxy nbthread 1, nginx worker_processes 1, Swarm Ingress io_threads 1 (the JVM's JIT and GC threads may use every core)"
  fi
  echo "run:      scenarios $SCENARIOS, proxies $ONLY, $ROUNDS round(s) x ${DURATION}s, warm-up ${WARMUP}s each + ${SCEN_WARMUP}s per scenario, idle conns $IDLE_CONNS"
} | tee "$RESULTS/$TS.txt"

# ---------------------------------------------------------------- configs and processes
TLS_DIR=""
if ((TLS)); then
  # One ECDSA P-256 certificate for every proxy and the backend's TLS listener; TLS 1.3 everywhere.
  TLS_DIR="$WORK/tls"; mkdir -p "$TLS_DIR"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,DNS:bench.local" -keyout "$TLS_DIR/key.pem" -out "$TLS_DIR/cert.pem" 2>/dev/null
  cat "$TLS_DIR/cert.pem" "$TLS_DIR/key.pem" >"$TLS_DIR/combined.pem"
  chmod 644 "$TLS_DIR"/*.pem   # nginx workers read them as an unprivileged user
fi
python3 "$TOOLS/gen_configs.py" --work "$WORK" --stream "$NGINX_STREAM" --stream-module "$NGINX_STREAM_SO" \
  --hosts "$ROUTE_HOSTS" --paths "$ROUTE_PATHS" --nofile "$(ulimit -n)" --routes "$(has "$SCENARIOS" 7 && echo yes || echo no)" \
  --tls "$TLS_DIR" --ingress-yaml "$BENCH/proxy-bench.yaml" \
  --h2 "$(for s in 10 11 12; do has "$SCENARIOS" $s && printf '%s,' $s; done)" >/dev/null
# One worker thread per proxy, pinned or not: the comparison is one event loop against one.
one_worker() {   # one_worker FILE REGEX
  grep -Eq "$2" "$1" || die "$(basename "$1") lacks '$2': every proxy must run one worker thread (see gen_configs.py)"
}
for f in "$WORK/haproxy.cfg" $(has "$SCENARIOS" 7 && echo "$WORK/routes-haproxy.cfg"); do one_worker "$f" '^ *nbthread 1$'; done
for f in "$WORK/nginx.conf" $(has "$SCENARIOS" 7 && echo "$WORK/routes-nginx.conf"); do one_worker "$f" '^worker_processes 1;$'; done
for f in "$WORK/ingress.yaml" $(has "$SCENARIOS" 7 && echo "$WORK/routes-ingress.yaml"); do one_worker "$f" '^io_threads: 1$'; done
if has "$ONLY" ingress; then
  cp "$JAR" "$WORK/swarm-ingress.jar"   # the lead may rebuild the jar while we run
fi
if has "$ONLY" ingress2; then
  cp "$JAR2" "$WORK/swarm-ingress2.jar"
  sed -e 's/19000/19020/; s/19010/19030/; s/19090/19093/; s/19040/19060/; s/19041/19061/; s/19050/19070/; s/19080/19083/' "$WORK/ingress.yaml" >"$WORK/ingress2.yaml"
fi

declare -A PID_OF
start() {   # start NAME CPUS CMD...: run on CPUS (one core, or every core with --no-pin), in the background, logging to WORK/NAME.log
  local name="$1" cpu="$2"; shift 2
  taskset -c "$cpu" "$@" >"$WORK/$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid"); PID_OF[$name]=$pid
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {   # wait_port NAME PORT SECONDS
  local name="$1" port="$2" t="$3" i
  for ((i = 0; i < t * 10; i++)); do
    port_open "$port" && return 0
    kill -0 "${PID_OF[$name]}" 2>/dev/null || { echo "--- $name exited; its log:"; tail -30 "$WORK/$name.log"; return 1; }
    sleep 0.1
  done
  echo "--- $name does not listen on $port after ${t}s; its log:"; tail -30 "$WORK/$name.log"; return 1
}

# All pids of a proxy: nginx is a master and its worker.
pids_of() { local p="${PID_OF[$1]}"; echo "$p" $(pgrep -P "$p" 2>/dev/null || true); }
threads_of() { local s=0 p v; for p in $(pids_of "$1"); do v=$(awk '/^Threads:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0); s=$((s + ${v:-0})); done; echo "$s"; }
rss_kib() { local s=0 p v; for p in $(pids_of "$1"); do v=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0); s=$((s + ${v:-0})); done; echo "$s"; }
ticks_of() { local s=0 p v; for p in $(pids_of "$1"); do v=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0); s=$((s + ${v:-0})); done; echo "$s"; }
core_ticks() { awk -v c="cpu$1" '$1 == c {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
# Busy and total ticks of every online core, on one line: "busy0 total0 busy1 total1 ...".
all_core_ticks() { awk '$1 ~ /^cpu[0-9]+$/ {printf "%d %d ", $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
# The whole machine (the "cpu" line, all cores summed): busy and total, counted as core_ticks counts
# one core. Busy includes irq and softirq time: without CONFIG_IRQ_TIME_ACCOUNTING the kernel also
# charges it to the process it interrupted (the loopback traffic of a sender), as ticks_of sees it.
machine_ticks() { awk '$1 == "cpu" {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
NCPUS="$(grep -c '^cpu[0-9]' /proc/stat)"
# CPU of the load side: this script's waited-for children (wrk, h2load or node run in the foreground,
# so their ticks land in its cutime and cstime when they exit) plus the backends' own ticks.
load_side_ticks() {
  local s o
  s=$(awk '{sub(/^.*\) /, ""); print $14 + $15}' "/proc/$$/stat")
  for o in backend backend-ws; do
    if [[ -n "${PID_OF[$o]:-}" ]]; then s=$((s + $(ticks_of "$o"))); fi
  done
  echo "$s"
}
HZ="$(getconf CLK_TCK)"

# This machine may be shared (a build, a test run): before each measurement wait, up to QUIET_MAX
# seconds, for a second in which the cores in use are almost idle (each under 15%): the proxy's and
# the load's core, or with --no-pin every core. The table flags what remains as NOISE.
wait_quiet() {
  local i a b
  for ((i = 0; i < QUIET_MAX; i++)); do
    if ((PIN)); then
      a="$(core_ticks "$PROXY_CPU") $(core_ticks "$LOAD_CPU")"; sleep 1; b="$(core_ticks "$PROXY_CPU") $(core_ticks "$LOAD_CPU")"
    else
      a="$(all_core_ticks)"; sleep 1; b="$(all_core_ticks)"
    fi
    if awk -v a="$a" -v b="$b" 'BEGIN {
        n = split(a, x, " "); split(b, y, " ")
        for (i = 1; i < n; i += 2) if ((y[i + 1] > x[i + 1] ? (y[i] - x[i]) / (y[i + 1] - x[i + 1]) : 0) >= 0.15) exit 1
        exit 0}'; then
      ((i == 0)) || log "  (waited ${i}s for other load on this machine to pass)"
      return 0
    fi
  done
  log "  (other load on this machine did not pass within ${QUIET_MAX}s; measuring anyway)"
}

# Only the proxy under measurement may run: the others share its core and are frozen with SIGSTOP
# (an idle JVM still compiles and collects in the background, which would tax HAProxy and nginx).
focus() {
  local name pid
  for name in "${!PID_OF[@]}"; do
    [[ $name == backend* ]] && continue
    for pid in $(pids_of "$name"); do
      if [[ $name == "$1" ]]; then kill -CONT "$pid" 2>/dev/null || true; else kill -STOP "$pid" 2>/dev/null || true; fi
    done
  done
  sleep 0.2
}

log "starting the backend (nginx, 1 worker, $LOAD_WHERE)"
start backend "$LOAD_CPU" nginx -c "$WORK/backend.conf"
for p in 18081 18082 18083 $( ((TLS)) && echo 18443); do wait_port backend $p 10 || die "the backend did not start"; done
code="$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:18081/1m)"; [[ $code == 200 ]] || die "backend /1m answered $code"
if has "$SCENARIOS" 12; then
  log "starting the WebSocket echo backend (node, ws $WS_VERSION, $LOAD_WHERE)"
  NODE_PATH="$NODE_MODULES" start backend-ws "$LOAD_CPU" node "$TOOLS/ws-echo.js" 127.0.0.1:18090
  wait_port backend-ws 18090 10 || die "the WebSocket echo backend did not start"
fi

declare -A HTTP_PORT=([haproxy]=19100 [nginx]=19200 [ingress]=19000 [ingress2]=19020)
declare -A TCP_PORT=([haproxy]=19110 [nginx]=19210 [ingress]=19010 [ingress2]=19030)
declare -A ROUTE_PORT=([haproxy]=19101 [nginx]=19201 [ingress]=19001)
declare -A HTTPS_PORT=([haproxy]=19130 [nginx]=19230 [ingress]=19040 [ingress2]=19060)
declare -A FULL_PORT=([haproxy]=19131 [nginx]=19231 [ingress]=19041 [ingress2]=19061)
declare -A PASS_PORT=([haproxy]=19120 [nginx]=19220 [ingress]=19050 [ingress2]=19070)
# Swarm Ingress serves h2c on its http entrypoint and h2 on its TLS one; the peers need listeners of their own.
declare -A H2C_PORT=([haproxy]=19140 [nginx]=19240 [ingress]=19000 [ingress2]=19020)
declare -A H2TLS_PORT=([haproxy]=19150 [nginx]=19250 [ingress]=19040 [ingress2]=19060)
declare -A WS_PORT=([haproxy]=19160 [nginx]=19260 [ingress]=19080 [ingress2]=19083)
LIVE=()

# Scenario 6's fresh starts and the class data training run use copies of the configs on ports
# 29xxx instead of 19xxx (and nginx its own pid file and temp paths), beside the running proxies.
declare -A START_PORT=([haproxy]=29100 [nginx]=29200 [ingress]=29000 [ingress2]=29000)
shift_ports() { sed -e 's/127\.0\.0\.1:19\([0-9][0-9][0-9]\)\b/127.0.0.1:29\1/g' "$@"; }
shift_ports "$WORK/haproxy.cfg" >"$WORK/start-haproxy.cfg"
shift_ports -e "s#$WORK/nginx\([-.]\)#$WORK/start-nginx\1#g" "$WORK/nginx.conf" >"$WORK/start-nginx.conf"
mkdir -p "$WORK/start-nginx-tmp"
shift_ports "$WORK/ingress.yaml" >"$WORK/start-ingress.yaml"

# jvm_opts NAME: JVM_OPTS for $WORK/NAME.jar, its class data archive (-XX:SharedArchiveFile) in
# $WORK/NAME.jsa. The archive belongs to one jar and one JVM; it is made as the image build
# (Dockerfile) makes it: a training run of the proxy answers one request and lists at exit the
# classes it loaded (-XX:DumpLoadedClassList), then -Xshare:dump writes them into one static archive.
jvm_opts() {
  local flags="$JVM_OPTS"
  [[ $1 == swarm-ingress2 ]] && flags="$JVM_OPTS2"
  if [[ "$flags" == *-XX:SharedArchiveFile=* ]]; then
    sed -e "s#-XX:SharedArchiveFile=[^ ]*#-XX:SharedArchiveFile=$WORK/$1.jsa#" <<<"$flags"
  else
    echo "$flags"
  fi
}
train_cds() {   # train_cds NAME
  local flags="$JVM_OPTS"
  [[ $1 == swarm-ingress2 ]] && flags="$JVM_OPTS2"
  [[ "$flags" == *-XX:SharedArchiveFile=* ]] || return 0
  local opts; opts="$(sed -e 's#-XX:SharedArchiveFile=[^ ]*##' <<<"$flags")"
  log "class data archive for $1.jar: a training run, then java -Xshare:dump"
  # shellcheck disable=SC2086
  taskset -c "$LOAD_CPU" python3 "$TOOLS/first_answer.py" --port "${START_PORT[ingress]}" --settle 1 --stop \
    --log "$WORK/$1-cds.log" -- java $opts -XX:DumpLoadedClassList="$WORK/$1.classlist" -jar "$WORK/$1.jar" \
    --config "$WORK/start-ingress.yaml" >/dev/null || { tail -20 "$WORK/$1-cds.log"; die "the class data training run of $1.jar failed"; }
  java -Xshare:dump -XX:+UseG1GC -XX:SharedClassListFile="$WORK/$1.classlist" -XX:SharedArchiveFile="$WORK/$1.jsa" \
    -cp "$WORK/$1.jar" >>"$WORK/$1-cds.log" 2>&1 || { tail -20 "$WORK/$1-cds.log"; die "java -Xshare:dump for $1.jar failed"; }
}
has "$ONLY" ingress && train_cds swarm-ingress
has "$ONLY" ingress2 && train_cds swarm-ingress2

start_proxy() {   # start_proxy NAME KIND CONFIG PORT...
  local name="$1" kind="$2" cfg="$3"; shift 3
  case "$kind" in
    haproxy) start "$name" "$PROXY_CPU" haproxy -db -f "$cfg" ;;
    nginx) start "$name" "$PROXY_CPU" nginx -c "$cfg" ;;
    ingress) # shellcheck disable=SC2086
      start "$name" "$PROXY_CPU" java $(jvm_opts swarm-ingress) -jar "$WORK/swarm-ingress.jar" --config "$cfg" ;;
    ingress2) # shellcheck disable=SC2086
      start "$name" "$PROXY_CPU" java $(jvm_opts swarm-ingress2) -jar "$WORK/swarm-ingress2.jar" --config "$cfg" ;;
  esac
  local p
  for p in "$@"; do wait_port "$name" "$p" 60 || return 1; done
}

for p in ${ONLY//,/ }; do
  case "$p" in
    haproxy) cfg="$WORK/haproxy.cfg"; ports=(19100 19110) ;;
    nginx) cfg="$WORK/nginx.conf"; ports=(19200); [[ $NGINX_STREAM == yes ]] && ports+=(19210) ;;
    ingress) cfg="$WORK/ingress.yaml"; ports=(19000) ;;
    ingress2) cfg="$WORK/ingress2.yaml"; ports=(19020) ;;
  esac
  if ((TLS)); then
    ports+=("${HTTPS_PORT[$p]}" "${FULL_PORT[$p]}")
    [[ $p != nginx || $NGINX_STREAM == yes ]] && ports+=("${PASS_PORT[$p]}")
  fi
  has "$SCENARIOS" 10 && ports+=("${H2C_PORT[$p]}")
  has "$SCENARIOS" 11 && ports+=("${H2TLS_PORT[$p]}")
  has "$SCENARIOS" 12 && ports+=("${WS_PORT[$p]}")
  log "starting $p ($PROXY_WHERE)"
  if start_proxy "$p" "$p" "$cfg" "${ports[@]}"; then LIVE+=("$p"); else
    [[ $p == ingress ]] && die "Swarm Ingress did not start (log above)"; die "$p did not start (log above)"
  fi
  if has "$SCENARIOS" 7 && [[ $p != ingress2 ]]; then
    case "$p" in
      haproxy) rcfg="$WORK/routes-haproxy.cfg" ;; nginx) rcfg="$WORK/routes-nginx.conf" ;; ingress) rcfg="$WORK/routes-ingress.yaml" ;;
    esac
    log "starting $p with $ROUTE_HOSTS host + $ROUTE_PATHS path rules ($PROXY_WHERE)"
    start_proxy "$p-routes" "$p" "$rcfg" "${ROUTE_PORT[$p]}" || die "$p with the large routing table did not start (log above)"
  fi
done

# ---------------------------------------------------------------- measuring
LAST_HOST="h$(printf %05d $((ROUTE_HOSTS - 1))).routes.bench"
LAST_PATH="/p$(printf %04d $((ROUTE_PATHS - 1)))/x"

# scenario_args KEY PROXY -> sets: TARGET_NAME (process measured), CONNS, URL, HDRS (array), TOOL (wrk or h2load)
scenario_args() {
  local key="$1" p="$2"
  TARGET_NAME="$p" CONNS=50 HDRS=(-H "Host: bench.local") TOOL=wrk
  case "$key" in
    1) URL="http://127.0.0.1:${HTTP_PORT[$p]}/" ;;
    2) URL="http://127.0.0.1:${HTTP_PORT[$p]}/"; CONNS=1000 ;;
    3) URL="http://127.0.0.1:${HTTP_PORT[$p]}/"; HDRS+=(-H "Connection: close") ;;
    4) URL="http://127.0.0.1:${HTTP_PORT[$p]}/1m"; CONNS=10 ;;
    5) URL="http://127.0.0.1:${TCP_PORT[$p]}/" ;;
    7a) URL="http://127.0.0.1:${HTTP_PORT[$p]}/" ;;
    7b) URL="http://127.0.0.1:${ROUTE_PORT[$p]}/"; TARGET_NAME="$p-routes"; HDRS=(-H "Host: $LAST_HOST") ;;
    7c) URL="http://127.0.0.1:${ROUTE_PORT[$p]}$LAST_PATH"; TARGET_NAME="$p-routes"; HDRS=(-H "Host: no-host-rule.bench") ;;
    # TLS: https://localhost so that every client sends the SNI a real one would (localhost is 127.0.0.1 here).
    # wrk resumes whenever the server lets it: 8a goes to a listener of each proxy without tickets or session cache.
    8a) URL="https://localhost:${FULL_PORT[$p]}/"; HDRS+=(-H "Connection: close") ;;             # wrk: a full handshake per request
    # h2load resumes its session; it sends its own Host (from the URL), so none is added (two would be a 400).
    8b) URL="https://localhost:${HTTPS_PORT[$p]}/"; HDRS=(-H "Connection: close"); TOOL=h2load ;;
    8c) URL="https://localhost:${HTTPS_PORT[$p]}/" ;;
    8d) URL="https://localhost:${HTTPS_PORT[$p]}/1m"; CONNS=10 ;;
    9a) URL="https://localhost:${PASS_PORT[$p]}/" ;;
    9b) URL="https://localhost:${PASS_PORT[$p]}/"; HDRS+=(-H "Connection: close") ;;
    # HTTP/2: h2load's clients each keep one connection with 100 streams in flight; h2load sends its own :authority.
    10) URL="http://127.0.0.1:${H2C_PORT[$p]}/"; HDRS=(); CONNS=10; TOOL=h2mux ;;
    11) URL="https://localhost:${H2TLS_PORT[$p]}/"; HDRS=(); CONNS=10; TOOL=h2mux ;;
    12) URL="ws://127.0.0.1:${WS_PORT[$p]}/"; HDRS=(); TOOL=ws ;;
  esac
}

declare -A H2RATE
run_wrk() {   # run_wrk SECONDS OUTFILE: wrk (or h2load, or ws-load.js) on the load core(s) with the current scenario_args
  local d="$1" out="$2"
  if [[ $TOOL == h2mux ]]; then
    # HTTP/2 multiplexed: h2c for http://, h2 by ALPN for https://. Every request's time goes to a log
    # (report.py reads p50 and p99 from it: h2load's summary has none).
    timeout $((d * 3 + 30)) taskset -c "$LOAD_CPU" h2load -t1 -c"$CONNS" -m100 -D"$d" --log-file="$out.log" "${HDRS[@]}" "$URL" \
      >"$out" 2>&1 || true
    return
  fi
  if [[ $TOOL == ws ]]; then
    NODE_PATH="$NODE_MODULES" timeout $((d * 3 + 30)) taskset -c "$LOAD_CPU" node "$TOOLS/ws-load.js" "$URL" "$CONNS" "$d" \
      >"$out" 2>&1 || true
    return
  fi
  if [[ $TOOL == h2load ]]; then
    # --h1: HTTP/1.1; with Connection: close each client reconnects after every response and resumes its TLS
    # session. h2load's timed mode (-D) hangs at its end when clients reconnect, so it gets a request count:
    # the duration at the rate a first short run of 300 requests found (its req/s is over the time it took).
    local rate="${H2RATE[$URL]:-}"
    if [[ -z $rate ]]; then
      timeout 60 taskset -c "$LOAD_CPU" h2load --h1 -t1 -c"$CONNS" -n300 "${HDRS[@]}" "$URL" >"$out.rate" 2>&1 || true
      rate="$(awk '/^finished in/ {print int($4)}' "$out.rate")"; rate="${rate:-100}"
      H2RATE[$URL]=$rate
    fi
    local n=$((rate * d)); ((n >= 300)) || n=300
    timeout $((d * 4 + 30)) taskset -c "$LOAD_CPU" h2load --h1 -t1 -c"$CONNS" -n"$n" "${HDRS[@]}" "$URL" >"$out" 2>&1 || true
    return
  fi
  taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"${d}s" --timeout 2s --latency "${HDRS[@]}" "$URL" >"$out" 2>&1 || true
}

declare -A CHECKED
check_once() {   # a request through the proxy must answer 200 before it is measured
  local key="$1" p="$2" code
  [[ -n "${CHECKED[$key/$p]:-}" ]] && return "${CHECKED[$key/$p]}"
  local curl_h=(); local h
  for ((h = 1; h < ${#HDRS[@]}; h += 2)); do curl_h+=(-H "${HDRS[$h]}"); done
  if [[ $TOOL == ws ]]; then
    # One connection for a second: the echo must come back through the proxy.
    if NODE_PATH="$NODE_MODULES" timeout 30 node "$TOOLS/ws-load.js" "$URL" 1 1 >"$WORK/check-$key-$p.txt" 2>&1; then
      CHECKED[$key/$p]=0
    else
      CHECKED[$key/$p]=1; SKIP_REASON="no WebSocket echo through $URL: $(tail -1 "$WORK/check-$key-$p.txt")"
    fi
    return "${CHECKED[$key/$p]}"
  fi
  # The HTTP/2 scenarios must answer over HTTP/2: HTTP/1.1 on them would measure something else.
  [[ $TOOL == h2mux && $URL == http:* ]] && curl_h+=(--http2-prior-knowledge)
  [[ $TOOL == h2mux && $URL == https:* ]] && curl_h+=(--http2)
  code="$(curl -sk -o /dev/null -m 5 -w '%{http_code}' "${curl_h[@]}" "$URL" || true)"
  if [[ $TOOL == h2mux && $code == 200 ]]; then
    code="$(curl -sk -o /dev/null -m 5 -w '%{http_code} HTTP/%{http_version}' "${curl_h[@]}" "$URL" || true)"
    [[ $code == "200 HTTP/2" ]] && code=200
  fi
  if [[ $code == 200 ]]; then CHECKED[$key/$p]=0; else CHECKED[$key/$p]=1; SKIP_REASON="$URL answered '$code' instead of 200"; fi
  return "${CHECKED[$key/$p]}"
}

measure_wrk() {   # measure_wrk ROUND KEY PROXY
  local r="$1" key="$2" p="$3"
  scenario_args "$key" "$p"
  if ! kill -0 "${PID_OF[$TARGET_NAME]}" 2>/dev/null; then
    printf 'skip\t%s\t%s\t%s\t%s\n' "$r" "$key" "$p" "process has exited" >>"$RAW"; log "  $p: exited, skipped"; return
  fi
  if [[ ($key == 7b || $key == 7c) && $p == ingress2 ]]; then
    printf 'skip\t%s\t%s\t%s\t%s\n' "$r" "$key" "$p" "no routing-table instance for --jar2" >>"$RAW"; return
  fi
  if [[ ($key == 5 || $key == 9?) && $p == nginx && $NGINX_STREAM != yes ]]; then
    printf 'skip\t%s\t%s\t%s\t%s\n' "$r" "$key" "$p" "${NGINX_STREAM_WHY}" >>"$RAW"; return
  fi
  focus "$TARGET_NAME"
  SKIP_REASON=""
  if ! check_once "$key" "$p"; then
    printf 'skip\t%s\t%s\t%s\t%s\n' "$r" "$key" "$p" "$SKIP_REASON" >>"$RAW"; log "  $p: $SKIP_REASON, skipped"; return
  fi
  # The warm-up before round 1 runs scenario 1, which leaves Swarm Ingress's HTTP/2 and WebSocket paths cold:
  # scenarios 10 to 12 get the whole --warmup of their own (every proxy alike), the others SCEN_WARMUP.
  # The warm-up comes in runs of about 2 s, not one long one: each run opens its clients' connections
  # and cuts them at its end with requests in flight, as every measured round does. One long run
  # leaves those paths cold, and a JIT compiler then compiles (or deoptimises the hottest code for)
  # them inside the measured rounds: after a single 25 s h2load warm-up, 1,000 streams on fresh
  # connections took Swarm Ingress 170-310 ms against HAProxy's 40-50, and its compiler threads
  # were half of the proxy's CPU. HAProxy and nginx get the same runs and have nothing to compile.
  local warm=$SCEN_WARMUP piece
  [[ $key == 1[0-2] ]] && warm=$WARMUP
  if ((r == 1 && warm > 0)); then
    wait_quiet
    if [[ $TOOL == h2load ]]; then
      run_wrk "$warm" "$WORK/warm-$key-$p.txt"
    else
      for ((piece = 0; piece < (warm + 1) / 2; piece++)); do run_wrk 2 "$WORK/warm-$key-$p.txt"; done
    fi
  fi
  # A measurement during which something else took more than 10 points of the proxy's core (with
  # --no-pin: of one core, anywhere on the machine) is repeated (up to NOISE_RETRIES times); the
  # least disturbed attempt is kept.
  # cpu: the proxy's own ticks (all its threads and processes), in % of one core, pinned or not.
  # Pinned, core and load are how busy the proxy's core and the load core were, and foreign is what
  # the proxy's core did besides the proxy. Unpinned there are no such cores: host is how busy the
  # whole machine was (% of all cores), loadside the CPU of wrk/h2load/node and the backends (% of
  # one core), and foreign the machine's busy time left when the proxy and the load side are taken
  # out (% of one core).
  local attempt best="" best_foreign=1000 out t0 t1 c0 c1 l0 l1 m0 m1 o0 o1 s0 s1 cpu core load host loadside foreign
  for ((attempt = 0; attempt <= NOISE_RETRIES; attempt++)); do
    wait_quiet
    out="$WORK/wrk-r$r-$key-$p-a$attempt.txt"
    c0=(0 0) c1=(0 0) l0=(0 0) l1=(0 0)
    ((PIN)) && { c0=($(core_ticks "$PROXY_CPU")); l0=($(core_ticks "$LOAD_CPU")); }
    m0=($(machine_ticks)); o0=$(load_side_ticks); t0=$(ticks_of "$TARGET_NAME"); s0=$(date +%s%N)
    run_wrk "$DURATION" "$out"
    s1=$(date +%s%N); t1=$(ticks_of "$TARGET_NAME"); o1=$(load_side_ticks); m1=($(machine_ticks))
    ((PIN)) && { c1=($(core_ticks "$PROXY_CPU")); l1=($(core_ticks "$LOAD_CPU")); }
    cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" -v ns=$((s1 - s0)) 'BEGIN {printf "%.1f", (b - a) / hz / (ns / 1e9) * 100}')
    loadside=$(awk -v a="$o0" -v b="$o1" -v hz="$HZ" -v ns=$((s1 - s0)) 'BEGIN {printf "%.1f", (b - a) / hz / (ns / 1e9) * 100}')
    host=$(awk -v a="${m0[0]}" -v b="${m1[0]}" -v ta="${m0[1]}" -v tb="${m1[1]}" 'BEGIN {printf "%.1f", (tb > ta ? (b - a) / (tb - ta) * 100 : 0)}')
    if ((PIN)); then
      core=$(awk -v a="${c0[0]}" -v b="${c1[0]}" -v ta="${c0[1]}" -v tb="${c1[1]}" 'BEGIN {printf "%.1f", (tb > ta ? (b - a) / (tb - ta) * 100 : 0)}')
      load=$(awk -v a="${l0[0]}" -v b="${l1[0]}" -v ta="${l0[1]}" -v tb="${l1[1]}" 'BEGIN {printf "%.1f", (tb > ta ? (b - a) / (tb - ta) * 100 : 0)}')
      foreign=$(awk -v a="$cpu" -v b="$core" 'BEGIN {printf "%d", b - a}')
    else
      core="" load=""
      foreign=$(awk -v a="${m0[0]}" -v b="${m1[0]}" -v ta="${m0[1]}" -v tb="${m1[1]}" -v n="$NCPUS" -v cpu="$cpu" -v ls="$loadside" \
        'BEGIN {printf "%d", (tb > ta ? (b - a) / (tb - ta) * n * 100 : 0) - cpu - ls}')
    fi
    log "  $p: $(awk '/Requests\/sec/ {print $2 " req/s"} /^finished in/ {print $4 " req/s"} /^ws-load:/ {sub(/^ws-load: /, ""); print}' "$out") $(awk '$1 == "99%" {print "p99 " $2}' "$out") cpu ${cpu}% $(
      if ((PIN)); then echo "(core $PROXY_CPU ${core}%, core $LOAD_CPU ${load}%)"; else echo "(host ${host}% of $NCPUS cpus, load side ${loadside}%, other ${foreign}%)"; fi
      )$(awk '/Socket errors|Non-2xx/ {$1 = $1; printf " | %s", $0} /^requests: / && !/ 0 failed/ {printf " | %s", $0}' "$out")"
    if ((foreign < best_foreign)); then best_foreign=$foreign best="$out	$cpu	$load	$core	$host	$loadside	$foreign"; fi
    ((foreign > 10)) || break
    if ((attempt < NOISE_RETRIES)); then
      if ((PIN)); then log "  (other load took ${foreign}% of the proxy core: measuring again)"
      else log "  (other load took ${foreign}% of a core on this machine: measuring again)"; fi
    fi
  done
  printf 'wrk\t%s\t%s\t%s\t%s\n' "$r" "$key" "$p" "$best" >>"$RAW"
}

# The JVM's RSS hardly moves when objects land in heap pages it touched long ago, so for Swarm
# Ingress scenario 6 also reports the live heap after a full GC (jcmd GC.run, then GC.heap_info).
live_heap_kib() {
  local pid="${PID_OF[$1]}"
  jcmd "$pid" GC.run >/dev/null 2>&1 || return 0
  jcmd "$pid" GC.heap_info 2>/dev/null | awk '/ total [0-9]+K, used [0-9]+K/ {sub(/.* used /, ""); sub(/K.*/, ""); s += $0} END {if (s) print s}'
}

measure_mem() {   # measure_mem ROUND PROXY
  local r="$1" p="$2"
  if ! kill -0 "${PID_OF[$p]}" 2>/dev/null; then
    printf 'skip\t%s\t6\t%s\t%s\n' "$r" "$p" "process has exited" >>"$RAW"; return
  fi
  local out="$WORK/mem-r$r-$p.txt" idle loaded ready done_line i threads
  focus "$p"
  wait_quiet
  sleep 1
  local heap_idle="" heap_loaded=""
  [[ $p == ingress* ]] && heap_idle=$(live_heap_kib "$p")
  idle=$(rss_kib "$p")
  threads=$(threads_of "$p")
  taskset -c "$LOAD_CPU" python3 "$TOOLS/hold_conns.py" --port "${HTTP_PORT[$p]}" -n "$IDLE_CONNS" --hold "$IDLE_HOLD" >"$out" 2>&1 &
  local hp=$!; PIDS+=("$hp")
  for ((i = 0; i < 1200; i++)); do grep -q '^READY' "$out" && break; kill -0 $hp 2>/dev/null || break; sleep 0.1; done
  ready="$(grep '^READY' "$out" || true)"
  if [[ -z "$ready" ]]; then
    wait $hp 2>/dev/null || true
    printf 'skip\t%s\t6\t%s\t%s\n' "$r" "$p" "the connection holder failed: $(tail -1 "$out")" >>"$RAW"; return
  fi
  sleep 3
  loaded=$(rss_kib "$p")
  [[ $p == ingress* ]] && heap_loaded=$(live_heap_kib "$p")
  wait $hp 2>/dev/null || true
  done_line="$(grep '^DONE' "$out" || echo 'DONE still_open=0')"
  local opened failed still
  opened=$(sed -E 's/.*open=([0-9]+).*/\1/' <<<"$ready"); failed=$(sed -E 's/.*failed=([0-9]+).*/\1/' <<<"$ready")
  still=$(sed -E 's/.*still_open=([0-9]+).*/\1/' <<<"$done_line")
  printf 'mem\t%s\t6\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$p" "$idle" "$loaded" "$opened" "$failed" "$still" "$threads" >>"$RAW"
  if [[ -n "$heap_idle" && -n "$heap_loaded" ]]; then
    printf 'mem\t%s\t6h\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$p" "$heap_idle" "$heap_loaded" "$opened" "$failed" "$still" "$threads" >>"$RAW"
    log "  $p: live heap after a full GC ${heap_idle} KiB idle, ${heap_loaded} KiB with $opened conns"
  fi
  log "  $p: $threads threads, rss idle ${idle} KiB, with $opened conns ${loaded} KiB ($(awk -v a="$idle" -v b="$loaded" -v n="$opened" 'BEGIN {printf "%.2f", n ? (b - a) / n : 0}') KiB/conn), failed $failed, still open $still"
  sleep 2
}

# Scenario 6, the start: a fresh process of the proxy (on ports 29xxx, every running proxy frozen),
# timed from its creation to its first answered request; then its RSS and threads after 2 s idle.
measure_start() {   # measure_start ROUND PROXY RUN
  local r="$1" p="$2" i="$3" out="$WORK/start-r$1-$2-$3.txt" cmd
  case "$p" in
    haproxy) cmd=(haproxy -db -f "$WORK/start-haproxy.cfg") ;;
    nginx) cmd=(nginx -c "$WORK/start-nginx.conf") ;;
    # shellcheck disable=SC2207
    ingress|ingress2) cmd=(java $(jvm_opts "swarm-$p") -jar "$WORK/swarm-$p.jar" --config "$WORK/start-ingress.yaml") ;;
  esac
  wait_quiet
  if taskset -c "$LOAD_CPU" python3 "$TOOLS/first_answer.py" --port "${START_PORT[$p]}" --settle 2 --stop \
      --log "$WORK/start-$p.log" -- taskset -c "$PROXY_CPU" "${cmd[@]}" >"$out" 2>&1; then
    local line; line="$(grep '^START' "$out")"
    printf 'start\t%s\t6s\t%s\t%s\n' "$r" "$p" "$(sed -E 's/^START ms=([0-9]+) cpu_ms=([0-9]+) rss_kib=([0-9]+) threads=([0-9]+).*/\1\t\2\t\3\t\4/' <<<"$line")" >>"$RAW"
    log "  $p: start $i: $line"
  else
    printf 'skip\t%s\t6s\t%s\t%s\n' "$r" "$p" "start $i: $(tail -1 "$out")" >>"$RAW"; log "  $p: start $i failed: $(tail -1 "$out")"
  fi
}

log "warm-up: ${WARMUP}s of scenario 1 on each proxy"
for p in "${LIVE[@]}"; do
  focus "$p"; scenario_args 1 "$p"; run_wrk "$WARMUP" "$WORK/warmup-$p.txt"
  log "  $p: $(awk '/Requests\/sec/ {print $2 " req/s"}' "$WORK/warmup-$p.txt")"
  if has "$SCENARIOS" 7 && [[ $p != ingress2 ]]; then
    focus "$p-routes"; scenario_args 7b "$p"; run_wrk "$WARMUP" "$WORK/warmup-$p-routes.txt"
    log "  $p-routes: $(awk '/Requests\/sec/ {print $2 " req/s"}' "$WORK/warmup-$p-routes.txt")"
  fi
done

KEYS=()
for s in 1 2 3 4 5 6 7 8 9 10 11 12; do
  has "$SCENARIOS" $s || continue
  case $s in
    7) KEYS+=(7a 7b 7c) ;;
    8) KEYS+=(8a 8b 8c 8d) ;;
    9) KEYS+=(9a 9b) ;;
    *) KEYS+=($s) ;;
  esac
done

for ((r = 1; r <= ROUNDS; r++)); do
  # Rotate who goes first each round, so no proxy always follows the same neighbour.
  n=${#LIVE[@]}; order=()
  for ((i = 0; i < n; i++)); do order+=("${LIVE[$(((i + r - 1) % n))]}"); done
  for key in "${KEYS[@]}"; do
    log "round $r/$ROUNDS, scenario $key"
    for p in "${order[@]}"; do
      if [[ $key == 6 ]]; then measure_mem "$r" "$p"; else measure_wrk "$r" "$key" "$p"; fi
    done
    if [[ $key == 6 ]] && ((STARTS > 0)); then
      log "round $r/$ROUNDS, scenario 6: $STARTS fresh start(s) of each proxy, interleaved"
      focus none
      for ((i = 1; i <= STARTS; i++)); do
        for p in "${order[@]}"; do measure_start "$r" "$p" "$i"; done
      done
    fi
  done
done

focus none   # freeze every proxy: nothing else is measured from here on
echo
if ((!PIN)); then
  echo "unpinned (--no-pin): cpu% = the proxy's own CPU (100 = one core); host% = the whole machine busy (100 = all $NCPUS cores);
load cpu% = wrk/h2load/node and the backends' own CPU (100 = one core); NOISE = other processes' CPU" | tee -a "$RESULTS/$TS.txt"
fi
python3 "$TOOLS/report.py" "$RAW" "$RESULTS/$TS.csv" "$WORK/table.txt" "$( ((PIN)) && echo pinned || echo unpinned)" | tee -a "$RESULTS/$TS.txt"
[[ $NGINX_STREAM == yes ]] || ! { has "$SCENARIOS" 5 || has "$SCENARIOS" 9; } || ! has "$ONLY" nginx || echo "note: nginx sits out scenarios 5 and 9: $NGINX_STREAM_WHY" | tee -a "$RESULTS/$TS.txt"
echo "csv: $RESULTS/$TS.csv   text: $RESULTS/$TS.txt"

if ((JFR)) && has "$ONLY" ingress; then
  log "JFR: profiling Swarm Ingress under scenario 1 for $((DURATION > 30 ? DURATION : 30))s"
  jpid="${PID_OF[ingress]}"; focus ingress
  jcmd "$jpid" JFR.start name=bench settings=profile filename="$WORK/ingress.jfr" >/dev/null
  scenario_args 1 ingress; run_wrk $((DURATION > 30 ? DURATION : 30)) "$WORK/jfr-wrk.txt"
  jcmd "$jpid" JFR.stop name=bench >/dev/null
  cp "$WORK/ingress.jfr" "$RESULTS/$TS-ingress.jfr"
  python3 "$TOOLS/jfr_top.py" "$RESULTS/$TS-ingress.jfr" | tee "$RESULTS/$TS-jfr.txt"
fi
