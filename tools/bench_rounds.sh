#!/bin/sh
# Gantry against the PyTorch reference, measured the way docs/performance.md asks: in alternating
# rounds on one machine, each round with the machine's peak measured in the same window. Per round
# R, into OUT/round-R/: peak.txt (`shared/perf/peak/run.sh --quick`: fp32/bf16 FMA and matmul
# peaks on 1 and 2 threads), then for 1 and 2 threads and each workload, `gantry bench` in fp32,
# in bf16, and `torch_gan_bench.py` one after the other (gantry-W-T-P.json, torch-W-T.json).
# tools/bench_table.py turns the folder into the table.
#
#   tools/bench_rounds.sh OUT ROUNDS [GANTRY] [PERF_DIR]
#
# GANTRY: the gantry binary (default: build/bin/gantry); PERF_DIR: the reference's folder (default:
# ../shared/perf). Needs python3-torch and the OpenBLAS that PERF_DIR/get_openblas.sh unpacks.
set -eu
out=$1
rounds=$2
gantry=${3:-build/bin/gantry}
perf=${4:-../shared/perf}
ob=$(sh "$perf/get_openblas.sh")
# Timed iterations per call: long enough windows (docs/performance.md), short enough for 3-5 rounds
# (about 4 minutes a round). BENCH_SMOKE=1: 2 iterations of each, to check the script itself.
iters() {
  [ "${BENCH_SMOKE:-0}" = 1 ] && { echo 2; return; }
  case $1 in mlp2d) echo 500 ;; dcgan28) echo 30 ;; dcgan64) echo 5 ;; esac
}
warmup() {
  [ "${BENCH_SMOKE:-0}" = 1 ] && { echo 1; return; }
  case $1 in mlp2d) echo 50 ;; dcgan28) echo 5 ;; dcgan64) echo 2 ;; esac
}
mkdir -p "$out"
r=1
while [ "$r" -le "$rounds" ]; do
  dir="$out/round-$r"
  mkdir -p "$dir"
  date -u +%FT%TZ > "$dir/start.txt"
  sh "$perf/peak/run.sh" --quick > "$dir/peak.txt" 2>&1
  for t in 1 2; do
    for w in mlp2d dcgan28 dcgan64; do
      n=$(iters $w); m=$(warmup $w)
      for p in fp32 bf16; do
        "$gantry" bench "$w" --threads "$t" --iters "$n" --warmup "$m" --precision "$p" > "$dir/gantry-$w-$t-$p.json"
      done
      LD_LIBRARY_PATH=$ob /usr/bin/python3 "$perf/torch_gan_bench.py" --workloads "$w" --threads "$t" --rounds 1 \
        --iters "$n" --warmup "$m" --iters-dcgan64 "$n" --warmup-dcgan64 "$m" --json "$dir/torch-$w-$t.json" \
        > "$dir/torch-$w-$t.log" 2>&1
    done
  done
  date -u +%FT%TZ > "$dir/end.txt"
  echo "round $r done: $dir"
  r=$((r + 1))
done
