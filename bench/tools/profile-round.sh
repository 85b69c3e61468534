#!/usr/bin/env bash
# Profiles Swarm Ingress with async-profiler during one measured round of one bench/compare.sh key,
# never during start, JIT warm-up or the other keys: "profile before you optimise".
#
#   bash bench/tools/profile-round.sh KEY OUT.collapsed [compare.sh options...]
#   e.g. bash bench/tools/profile-round.sh 3 /tmp/s3.collapsed --jar /tmp/main.jar
#        bash bench/tools/profile-round.sh 8c /tmp/s8c.collapsed
#
# KEY is a scenario key as compare.sh logs it (3, 8c, 10...). async-profiler comes from Maven Central
# (tools.profiler:async-profiler, linux-x64), fetched once with mvn into ~/.m2. It is attached 8 s
# into the round for 15 s (cpu event, 500 us, kernel frames included; needs root or
# perf_event_paranoid <= 1), and its collapsed stacks are summarised by profile_top.py. The run
# goes in a network namespace of its own, so that it never collides with ports other work uses.
set -Eeuo pipefail
[[ $# -ge 2 ]] || { sed -n '2,12p' "$0" >&2; exit 2; }
key=$1 out=$2; shift 2
scenario=${key%%[a-z]*}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
AP_VERSION=4.2
ap_jar="$HOME/.m2/repository/tools/profiler/async-profiler/$AP_VERSION/async-profiler-$AP_VERSION-linux-x64.jar"
[[ -f $ap_jar ]] || mvn -B -q dependency:get -Dartifact="tools.profiler:async-profiler:$AP_VERSION:jar:linux-x64" -Dtransitive=false
lib_dir="$(mktemp -d)"
log="$lib_dir/compare.log"
trap 'rm -rf "$lib_dir"' EXIT
unzip -q -o "$ap_jar" 'linux-x64/*' -d "$lib_dir"
lib="$lib_dir/linux-x64/libasyncProfiler.so"

unshare -n bash -c "ip link set lo up && exec bash '$repo/bench/compare.sh' --only ingress --scenarios $scenario --rounds 1 --duration 30 --warmup 15 $*" >"$log" 2>&1 &
cpid=$!
until grep -q "round 1/1, scenario $key\b" "$log" 2>/dev/null; do
  kill -0 "$cpid" 2>/dev/null || { cat "$log" >&2; echo "profile-round.sh: compare.sh ended before scenario $key" >&2; exit 1; }
  sleep 1
done
sleep 8
pid=""
for j in $(pgrep -f "swarm-ingress.jar --config"); do   # the proxy that compare.sh started, not another one
  q=$j
  while [[ $q -gt 1 ]]; do
    q=$(awk '{print $4}' "/proc/$q/stat" 2>/dev/null || echo 1)
    [[ $q == "$cpid" ]] && pid=$j
  done
done
[[ -n $pid ]] || { echo "profile-round.sh: no Swarm Ingress process under compare.sh" >&2; exit 1; }
java "$here/AttachAgent.java" "$pid" "$lib" "start,event=cpu,interval=500us"
sleep 15
java "$here/AttachAgent.java" "$pid" "$lib" "stop,collapsed,file=$out"
wait "$cpid" || true
grep -E "^\[.*\]   ingress:" "$log" | tail -1
python3 "$here/profile_top.py" "$out"
