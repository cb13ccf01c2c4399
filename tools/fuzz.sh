#!/usr/bin/env bash
# fuzz.sh — replay and run Gantry's libFuzzer targets (fuzz/, docs/reliability.md).
#
#   usage: tools/fuzz.sh [--build DIR] replay [TARGET...]
#          tools/fuzz.sh [--build DIR] run SECONDS [TARGET...]
#          tools/fuzz.sh [--build DIR] merge [TARGET...]
#
#   replay       run every committed input of fuzz/corpus/<target>/ once (a regression check)
#   run SECONDS  fuzz each target for SECONDS, starting from its committed corpus; new inputs go
#                to DIR/fuzz-corpus/<target>/, crashes to DIR/fuzz-artifacts/<target>/; prints
#                one line of figures per target (executions, exec/s, coverage, features, corpus)
#   merge        add the inputs of DIR/fuzz-corpus/<target>/ that grow coverage to the committed
#                corpus (libFuzzer -merge=1)
#
# DIR defaults to build-fuzz (tools/setup.sh --fuzz builds it). Targets default to all six.
# Exit status: 0 when no target crashed, leaked, timed out or ran out of memory; 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build-fuzz
if [ "${1:-}" = --build ]; then build=$2; shift 2; fi
mode=${1:-}; shift || true
seconds=0
if [ "$mode" = run ]; then seconds=${1:?run needs SECONDS}; shift; fi
case "$mode" in replay|run|merge) ;; *) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;; esac

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(experiment_loader sweep_loader idx_reader png_reader tensor_file_reader plugin_descriptor)

# -malloc_limit_mb turns an allocation bomb into a reported failure instead of a slow OOM.
# GANTRY_FUZZ_TIMEOUT (seconds per input, default 10): raise it on a loaded machine, where a
# starved process can pass 10 s of wall time on an input that takes 0.4 s alone.
common=(-timeout="${GANTRY_FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 -malloc_limit_mb=512)
max_len() { case "$1" in experiment_loader|sweep_loader|plugin_descriptor) echo 65536 ;; *) echo 1048576 ;; esac; }

status=0
for t in "${targets[@]}"; do
  bin=$build/bin/fuzz_$t
  corpus=fuzz/corpus/$t
  [ -x "$bin" ] || { echo "fuzz.sh: $bin is not built (tools/setup.sh --fuzz)" >&2; exit 1; }
  log=$build/fuzz-$t.log
  case "$mode" in
    replay)
      n=$(find "$corpus" -type f | wc -l)
      if "$bin" "${common[@]}" -runs=0 "$corpus" >"$log" 2>&1; then
        echo "fuzz: $t: replayed $n inputs, no finding"
      else
        echo "fuzz: $t: FAILED replaying $corpus (log: $log)"; tail -n 40 "$log"; status=1
      fi ;;
    run)
      mkdir -p "$build/fuzz-corpus/$t" "$build/fuzz-artifacts/$t"
      if "$bin" "${common[@]}" -max_len="$(max_len "$t")" -use_value_profile=1 -print_final_stats=1 \
           -max_total_time="$seconds" -artifact_prefix="$build/fuzz-artifacts/$t/" \
           "$build/fuzz-corpus/$t" "$corpus" >"$log" 2>&1; then
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
        last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
        cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
        ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
        corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
        echo "fuzz: $t: ${seconds} s, ${execs:-?} executions (${rate:-?}/s), cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, no finding"
      else
        echo "fuzz: $t: FINDING after fuzzing (log: $log, inputs: $build/fuzz-artifacts/$t/)"
        grep -E -A 30 'ERROR|SUMMARY|deadly signal|Test unit written' "$log" | head -n 60; status=1
      fi ;;
    merge)
      "$bin" "${common[@]}" -merge=1 "$corpus" "$build/fuzz-corpus/$t" >"$log" 2>&1 \
        || { echo "fuzz: $t: merge failed (log: $log)"; status=1; continue; }
      echo "fuzz: $t: corpus now $(find "$corpus" -type f | wc -l) inputs" ;;
  esac
done
exit $status
