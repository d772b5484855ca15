#!/usr/bin/env bash
# The CUDA backend check (issue 8), for a machine with an NVIDIA GPU and driver (CUDA 11.6 runtime libraries come
# from Maven with the cuda profile). Builds with -Pcuda, runs the core gradient checks and the layer tests on the
# GPU, trains imdb-cnn, imdb-lstm and imdb-transformer for one epoch each, and prints samples/s next to the CPU
# figure from the same script. Budget: under 8 minutes. Usage: benchmarks/gpu-check.sh [--skip-cpu]
set -uo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY=PASSIVE
log_dir=${LOG_DIR:-target/gpu-check}
mkdir -p "$log_dir"
section() { printf '\n== %s ==\n' "$*"; }

section "GPU"
nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv 2>&1 | tee "$log_dir/nvidia-smi.txt"

section "build with -Pcuda"
if ! mvn -B -ntp -q -Pcuda install -DskipTests > "$log_dir/build.txt" 2>&1; then
  tail -40 "$log_dir/build.txt"; echo "BUILD FAILED"; exit 1
fi
./kiln-examples env 2>&1 | tee "$log_dir/env.txt"

section "core gradient checks and layer tests on the GPU"
mvn -B -ntp -Pcuda -o surefire:test -pl core,layers -Dtest='*GradientTest,*LayerTest,*Test' -Dsurefire.failIfNoSpecifiedTests=false \
  > "$log_dir/tests.txt" 2>&1
grep -E "Tests run:|FAIL|ERROR\]" "$log_dir/tests.txt" | tail -15

run_epoch() {  # program label
  local program=$1 label=$2
  timeout 150 ./kiln-examples "$program" --epochs 1 --metrics-out "$log_dir/$program-$label.json" > "$log_dir/$program-$label.txt" 2>&1
  local rc=$?
  if [[ -f "$log_dir/$program-$label.json" ]]; then
    printf '%-18s %-4s %s\n' "$program" "$label" "$(cat "$log_dir/$program-$label.json")"
  else
    printf '%-18s %-4s failed (exit %s): %s\n' "$program" "$label" "$rc" "$(tail -3 "$log_dir/$program-$label.txt" | tr '\n' ' ')"
  fi
}

section "one epoch each on the GPU"
for program in imdb-cnn imdb-lstm imdb-transformer; do run_epoch "$program" gpu; done

if [[ "${1:-}" != "--skip-cpu" ]]; then
  section "the same on the CPU"
  mvn -B -ntp -q install -DskipTests > "$log_dir/build-cpu.txt" 2>&1
  for program in imdb-cnn imdb-lstm imdb-transformer; do run_epoch "$program" cpu; done
fi
