#!/usr/bin/env bash
# Keeps the benchmark harness from rotting: a few seconds of each scenario asked for (scenario 1
# unless --scenarios says otherwise), then the CSV must have a measured row for each of them.
# Pass-through options go to compare.sh (e.g. --only haproxy,nginx, --scenarios 1,8,9).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
scenarios=1
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  [[ ${args[$i]} == --scenarios ]] && scenarios="${args[$((i + 1))]}"
done
"$here/compare.sh" --smoke --scenarios 1 "$@" | tee "$out"
csv="$(sed -n 's/^csv: \([^ ]*\).*/\1/p' "$out")"
[[ -n "$csv" && -f "$csv" ]] || { echo "smoke: compare.sh wrote no CSV" >&2; exit 1; }
rows="$(awk -F, 'NR > 1 && $3 != "" && $3 + 0 > 0' "$csv" | wc -l)"
(( rows >= 1 )) || { echo "smoke: $csv has no measured rows" >&2; exit 1; }
for s in ${scenarios//,/ }; do
  n="$(awk -F, -v s="$s" 'NR > 1 && index($1, s " ") == 1 && $3 != "" && $3 + 0 > 0' "$csv" | wc -l)"
  (( n >= 1 )) || { echo "smoke: $csv has no measured row for scenario $s" >&2; exit 1; }
done
echo "smoke: ok, $rows measured row(s) in $csv (scenarios $scenarios)"
