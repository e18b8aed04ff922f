#!/usr/bin/env bash
# DynamoDB request units per successful task attempt (dev.sluice.infra.bench.DynamoDbCapacityBench): a 100-task DAG
# (10 chains of 10), then fan-out/fan-in DAGs (root -> N -> join) of the given widths, driven through Engine.decide
# and DynamoDbStateStore. Prints a table; figures go to docs/performance.md.
#
# Usage: bench/dynamodb.sh [width ...]          (default: 10 100 10000)
#   AWS_ENDPOINT_URL set: runs against it (LocalStack, DynamoDB Local; dummy credentials test/test).
#   Otherwise: starts moto from the project venv with bench/moto-bench-server.py's speed-ups (plain moto's cost per
#   request grows with the table, so a 10,000-task run would take many hours), and stops it at the end.
#   MVN_FLAGS: extra Maven flags, e.g. MVN_FLAGS=-o to build offline.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$#" -gt 0 ] || set -- 10 100 10000
# shellcheck disable=SC2086
mvn -q -B ${MVN_FLAGS:-} -pl infra -am test-compile -DskipTests
cpfile="$(mktemp)"; trap 'rm -f "$cpfile"' EXIT
# shellcheck disable=SC2086
mvn -q -B ${MVN_FLAGS:-} -pl infra dependency:build-classpath -Dmdep.outputFile="$cpfile" >/dev/null
# This checkout's classes first: the classpath above names the installed statemachine jars.
cp="infra/target/test-classes:infra/target/classes:statemachine/target/classes:statemachine/target/test-classes:api/target/classes"
cp="$cp:$(cat "$cpfile")"

if [ -z "${AWS_ENDPOINT_URL:-}" ]; then
  bin="$(bash scripts/venv.sh moto)"
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  log="infra/target/moto-bench-$port.log"
  "$bin/python" bench/moto-bench-server.py -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  moto=$!
  trap 'kill "$moto" 2>/dev/null || true; rm -f "$cpfile"' EXIT
  for _ in $(seq 1 300); do
    curl -s -o /dev/null "http://127.0.0.1:$port/moto-api/" && break
    kill -0 "$moto" 2>/dev/null || { echo "moto-bench-server exited; see $log" >&2; exit 1; }
    sleep 0.2
  done
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
  echo "moto (bench/moto-bench-server.py) at $AWS_ENDPOINT_URL, log $log"
fi
export AWS_REGION="${AWS_REGION:-us-east-1}"
java -Xmx1g -cp "$cp" dev.sluice.infra.bench.DynamoDbCapacityBench "$@"
