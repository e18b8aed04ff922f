#!/usr/bin/env bash
# Benchmarks the local runtime end to end through the real CLI (JVM start included):
#  - a 1,000-task wide fan-out of `empty` tasks: wall time, orchestration per task, peak RSS
#  - a chain of 10 `command: "true"` tasks: wall time
# Usage: bench/local.sh [repeats]   (median of the repeats; figures go to docs/performance.md)
set -euo pipefail
cd "$(dirname "$0")/.."
repeats="${1:-5}"
./sluice --version >/dev/null            # build once if needed
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
{
  echo "dag_id: bench_fanout_1000"; echo "max_active_tasks: 1000"; echo "tasks:"
  echo "  - {task_id: root, empty: true}"
  for i in $(seq 1 998); do echo "  - {task_id: t$i, upstream: [root], empty: true}"; done
  printf "  - {task_id: join, empty: true, upstream: ["; for i in $(seq 1 997); do printf "t$i, "; done; echo "t998]}"
} > "$work/fanout.yaml"
{
  echo "dag_id: bench_chain_10"; echo "tasks:"
  echo "  - {task_id: c1, command: 'true'}"
  for i in $(seq 2 10); do echo "  - {task_id: c$i, upstream: [c$((i-1))], command: 'true'}"; done
} > "$work/chain.yaml"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now_ms() { date +%s%3N; }
measure() { # label file
  local times=() rss=()
  for i in $(seq 1 "$repeats"); do
    export SLUICE_HOME="$work/home-$1-$i"
    local t0 t1
    t0=$(now_ms)
    /usr/bin/time -f "%M" -o "$work/rss" ./sluice run "$2" --json >/dev/null 2>"$work/err" || { cat "$work/err"; exit 1; }
    t1=$(now_ms)
    times+=($((t1 - t0))); rss+=("$(tail -1 "$work/rss")")
  done
  printf '%s\n' "${times[@]}" | median > "$work/$1.ms"
  printf '%s\n' "${rss[@]}" | median > "$work/$1.rss"
}
startup=()
for i in $(seq 1 "$repeats"); do t0=$(now_ms); ./sluice --version >/dev/null; startup+=($(( $(now_ms) - t0 ))); done
start_ms=$(printf '%s\n' "${startup[@]}" | median)
measure fanout "$work/fanout.yaml"
measure chain "$work/chain.yaml"
fan_ms=$(cat "$work/fanout.ms"); chain_ms=$(cat "$work/chain.ms")
echo "| measurement | median |"
echo "|---|---:|"
echo "| JVM start + CLI (\`sluice --version\`) | ${start_ms} ms |"
echo "| 1,000-task fan-out of empty tasks, wall | ${fan_ms} ms |"
echo "| ... orchestration per task ((wall - start) / 1000) | $(awk "BEGIN {printf \"%.2f\", ($fan_ms - $start_ms) / 1000}") ms |"
echo "| ... peak RSS | $(( $(cat "$work/fanout.rss") / 1024 )) MiB |"
echo "| chain of 10 \`true\` commands, wall | ${chain_ms} ms |"
echo "| ... peak RSS | $(( $(cat "$work/chain.rss") / 1024 )) MiB |"
echo
echo "($repeats repeats, $(nproc) cores, $(java -version 2>&1 | head -1))"
