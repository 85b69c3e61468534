#!/usr/bin/env bash
# Round robin, least connections and p2c side by side: three real backends (one answering 50 ms
# late) behind the real proxy jar, closed-loop keep-alive clients, and a table of each backend's
# share of the requests and the latency percentiles the clients saw. It prints, it never asserts.
#
#   bash bench/lb-compare.sh [--duration 10] [--warmup 3] [--clients 1,16] [--delay 50]
#                            [--policies round_robin,least_conn,p2c] [--proxy-cpu 0]
#
# Builds the jars first when they are missing (mvn -B -q package -DskipTests).
set -Eeuo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
JAR=proxy-core/target/swarm-ingress.jar
BENCH=bench/target/benchmarks.jar
if [[ ! -f $JAR || ! -f $BENCH ]]; then
  echo "lb-compare.sh: building the jars" >&2
  mvn -B -q package -DskipTests >&2
fi
exec java -Xmx512m -cp "$BENCH" io.swarmingress.bench.lb.LbCompare --jar "$JAR" "$@"
