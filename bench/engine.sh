#!/usr/bin/env bash
# Benchmarks the pure decision function (chain / fan-out / lattice x 10 / 1k / 10k tasks).
# Usage: bench/engine.sh [repeats]   Prints a Markdown table; figures go to docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -pl statemachine test-compile -DskipTests
cp="statemachine/target/test-classes:statemachine/target/classes:$(mvn -q -B -pl statemachine dependency:build-classpath -Dmdep.outputFile=/dev/stdout)"
exec java -Xms2g -Xmx2g -XX:+UseParallelGC -Xmn1500m -cp "$cp" dev.sluice.bench.EngineBench "${1:-7}"
