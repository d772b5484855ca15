#!/usr/bin/env bash
# Trains W1-W3 with each framework (DL4J, PyTorch where python3-torch is installed, Kiln once registered) and
# prints one table: benchmarks/run-e2e.sh [--threads 2] [--workloads W1,W3] [--accuracy] ... (--help lists them)
# Build first: mvn -B -ntp -q package -DskipTests
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar=$(ls "$here"/target/kiln-benchmarks-*.jar 2>/dev/null | grep -v -e sources -e tests | head -n 1 || true)
if [[ -z "$jar" || ! -f "$here/target/classpath.txt" ]]; then
  echo "kiln-benchmarks is not built yet. Run: mvn -B -ntp -q package -DskipTests" >&2
  exit 1
fi
# The runner gives every child process the same OMP_NUM_THREADS (--threads, default 2) and OMP_WAIT_POLICY=PASSIVE;
# PASSIVE here too keeps the runner's own JVM from spinning.
export OMP_WAIT_POLICY=PASSIVE
exec java -Xmx1g -Dkiln.shared.data="$here/../../shared/data" -cp "$jar:$(cat "$here/target/classpath.txt")" \
  dev.kiln.benchmarks.e2e.EndToEnd --pytorch-script "$here/pytorch/e2e.py" \
  --markdown "$here/target/e2e-results.md" --command "benchmarks/run-e2e.sh $*" "$@"
