#!/usr/bin/env bash
# Keeps the benchmark harness from rotting: a few seconds of scenario 1, then the CSV must have a
# row for every proxy that ran. Pass-through options go to compare.sh (e.g. --only haproxy,nginx).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
"$here/compare.sh" --smoke --scenarios 1 "$@" | tee "$out"
csv="$(sed -n 's/^csv: \([^ ]*\).*/\1/p' "$out")"
[[ -n "$csv" && -f "$csv" ]] || { echo "smoke: compare.sh wrote no CSV" >&2; exit 1; }
rows="$(awk -F, 'NR > 1 && $3 != "" && $3 + 0 > 0' "$csv" | wc -l)"
(( rows >= 1 )) || { echo "smoke: $csv has no measured rows" >&2; exit 1; }
echo "smoke: ok, $rows measured row(s) in $csv"
