#!/usr/bin/env bash
# Runs the JMH kernel benchmarks: benchmarks/run-jmh.sh [--report] [JMH options, e.g. KernelBenchmarks.conv1d -f 1 -wi 2 -i 3]
# With --report, a table follows JMH's own output: the rates, and GFLOP/s of the products next to the sgemm rate
# (KernelReport; without a benchmark named, all of KernelBenchmarks).
# Build first: mvn -B -ntp -q package -DskipTests
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar=$(ls "$here"/target/kiln-benchmarks-*.jar | grep -v -e sources -e tests | head -n 1)
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-20}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-${KILN_THREADS:-2}}"
# JMH's forks inherit this JVM's options, so the Vector API module reaches Kiln in them too (README "Vector API").
main=org.openjdk.jmh.Main
if [[ "${1:-}" == --report ]]; then main=dev.kiln.benchmarks.KernelReport; shift; fi
exec java --add-modules jdk.incubator.vector -cp "$jar:$(cat "$here/target/classpath.txt")" "$main" "$@"
