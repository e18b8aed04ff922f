#!/usr/bin/env bash
# Benchmarks the pure decision function (chain / fan-out / lattice x 10 / 1k / 10k tasks).
# Usage: bench/engine.sh [repeats]   Prints a Markdown table; figures go to docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -pl statemachine -am test-compile -DskipTests
# sluice-api (a module of this build, not installed) comes from api/target/classes; the rest from Maven.
cpfile="$(mktemp)"; trap 'rm -f "$cpfile"' EXIT
mvn -q -B -pl api,statemachine dependency:build-classpath -Dmdep.excludeArtifactIds=sluice-api -Dmdep.outputFile="$cpfile" >/dev/null
cp="statemachine/target/test-classes:statemachine/target/classes:api/target/classes:$(cat "$cpfile")"
exec java -Xms2g -Xmx2g -XX:+UseParallelGC -Xmn1500m -cp "$cp" dev.sluice.bench.EngineBench "${1:-7}"
