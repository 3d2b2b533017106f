#!/usr/bin/env bash
# The GPU figures docs/benchmarks.md still lacks, on one H100/H200: the gpu-marked tests, then
# bench_train (plain and compiled), bench_pack (1 and 4 at once) and bench_darts_epoch (first
# order, eager and compiled), each step limited to 110 s (all five under 10 minutes). Each
# step's output goes to $OUT/<step>.txt (default outputs/gpu_check); a step that fails or runs
# past its limit is reported and the next one still runs; the exit status is the number of
# failed steps. Name steps to run only those.
#
#   bash scripts/gpu_check.sh                          # every step, on the GPU machine
#   bash scripts/gpu_check.sh bench_train bench_pack   # only these
#   bash scripts/gpu_check.sh --small                  # toy sizes on the CPU, to try the script
set -u
out=${OUT:-outputs/gpu_check}
mkdir -p "$out"
python=${PYTHON:-python}
if [[ ${1:-} == --small ]]; then
    shift
    train=(--small) pack=(--small --counts 1,2 --images 256) darts=(--small --device cpu)
    darts+=(--epochs 2 --backend aot_eager) limit=600
else
    train=(--images 5000 --epochs 2) pack=(--counts 1,4 --images 5000) darts=(--epochs 2)
    darts+=(--train 10000) limit=110
fi
only=" $* "  # the steps named, or none: all
failed=0

step() {  # step NAME COMMAND...: runs it under the time limit, keeps its output
    local name=$1
    shift
    [[ $only == "  " || $only == *" $name "* ]] || return 0
    echo "== $name: $*"
    timeout "$limit" "$@" >"$out/$name.txt" 2>&1
    local status=$?
    tail -n 3 "$out/$name.txt"
    if ((status != 0)); then
        echo "!! $name failed (exit $status; 124: past ${limit} s)"
        failed=$((failed + 1))
    fi
}

nvidia-smi >"$out/nvidia-smi.txt" 2>&1 || echo "no nvidia-smi: a CPU run"
step tests "$python" -m pytest -q -p no:xdist -p no:cacheprovider -m gpu tests/training \
    tests/cli/test_failures.py
step bench_train "$python" scripts/bench_train.py "${train[@]}"
step bench_train_compiled "$python" scripts/bench_train.py "${train[@]}" --compile
step bench_pack "$python" scripts/bench_pack.py "${pack[@]}"
step bench_darts_epoch "$python" scripts/bench_darts_epoch.py "${darts[@]}" --orders 1 --compile
exit "$failed"
