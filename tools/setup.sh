#!/usr/bin/env bash
# setup.sh — from a checkout to a working build of Gantry on Debian 12 (bookworm).
#
#   usage: tools/setup.sh [--test] [--asan] [--fuzz] [--slurm] [--no-build] [-- CMAKE_ARGS...]
#
#   (no flag)   install the missing Debian packages, then configure and build build/ (Release)
#   --test      also run the whole test suite in build/
#   --asan      also build build-asan/ with ASan + LeakSanitizer + UBSan and run the suite there
#   --fuzz      also build the libFuzzer targets in build-fuzz/ (clang, ASan + UBSan), replay their
#               committed corpora and fuzz each for GANTRY_FUZZ_SECONDS (default 30) (tools/fuzz.sh)
#   --slurm     also install Slurm and munge (Debian's slurm-wlm, munge) for the Slurm backend's
#               test, which then starts a private single-node Slurm on localhost when run as root
#               (tests/sweep/slurm_localhost.sh; .ci/run does this); not needed to use gantry
#   --no-build  only install the packages
#   -- ARGS     extra arguments for the configure step, e.g. -- -DGANTRY_WERROR=ON
#
# Safe to run again: packages already installed are not touched, builds are incremental.
# Environment: GANTRY_JOBS (parallel build jobs, default: all cores), GANTRY_FUZZ_SECONDS,
#              GANTRY_FUZZ_STRICT=1 (a new fuzz finding fails; a corpus regression always does).
# Exit status: 0 when everything asked for succeeded, 1 otherwise, 2 on a bad command line.
set -euo pipefail

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }

run_tests=0 asan=0 fuzz=0 slurm=0 build=1
cmake_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --test)     run_tests=1 ;;
    --asan)     asan=1 ;;
    --fuzz)     fuzz=1 ;;
    --slurm)    slurm=1 ;;
    --no-build) build=0 ;;
    -h|--help)  usage; exit 0 ;;
    --)         shift; cmake_args=("$@"); break ;;
    *)          echo "setup.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

cd "$(dirname "$0")/.."   # every path below is relative to the repository root
jobs=${GANTRY_JOBS:-$(nproc)}

say()  { echo "setup: $*"; }
fail() { echo "setup: error: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# 1. Debian packages. Each one is here for a reason that docs/building.md spells out.
packages=(
  build-essential g++ cmake make git pkg-config   # the tool chain
  libdnnl-dev                                      # oneDNN: the CPU kernels
  ocl-icd-opencl-dev                               # Debian's oneDNN CMake config requires OpenCL
  libyaml-cpp-dev                                  # experiment files
  libboost-dev libboost-filesystem-dev             # Boost.DLL (plugins) and its filesystem
  catch2                                           # the test framework (v2)
  libpng-dev zlib1g-dev                            # sample grids, .gz datasets
  libgif-dev                                       # animated roll-outs (gantry sample --rollout)
  libcli11-dev nlohmann-json3-dev                  # the CLI, JSON outputs
  dataset-fashion-mnist                            # the image dataset the examples train on
  libeigen3-dev                                    # symmetric eigensolver (Frechet distance)
  gnuplot-nox                                      # report plots (PNG and SVG)
  strace                                           # crash-consistency tests inject faults
  clang libclang-rt-14-dev                         # libFuzzer targets (CI replays the corpora)
  libcpp-httplib-dev                               # gantry studio's HTTP server (docs/studio.md)
  chromium                                         # the studio's real-browser test (tests/browser)
)

# Node.js and npm drive that browser test. Any node that comes with its npm will do: NodeSource's
# nodejs bundles npm and conflicts with Debian's npm package, so asking apt for npm there breaks
# the install. Debian's packages are added only when there is no npm on the PATH.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

# clang's OpenMP runtime: only the fuzz build compiles the core with clang.
[ $fuzz = 1 ] && packages+=(libomp-dev)

# Slurm for the Slurm backend's test (--slurm only): slurm-wlm pulls slurmctld, slurmd and
# slurm-client (about 35 packages); munge authenticates them. Not in the plain install: a user of
# `gantry sweep` on one machine never needs it, and on a Debian with systemd the packages start
# daemons that fail without a slurm.conf. The test writes its own slurm.conf and starts the
# daemons itself (tests/sweep/slurm_localhost.sh).
[ $slurm = 1 ] && packages+=(slurm-wlm munge)

command -v dpkg-query >/dev/null || fail "this script targets Debian 12; see docs/building.md for the packages"
missing=()
for p in "${packages[@]}"; do
  # db:Status-Status is "installed" only for a complete install (not "config-files" or half-done).
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] \
    || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: install them, then run this script again:" >&2
    echo "  sudo apt-get update && sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  install_cmd="apt-get install -y --no-install-recommends ${missing[*]}"
  say "installing ${#missing[@]} Debian packages: ${missing[*]}"
  apt_log=$(mktemp /tmp/gantry-setup-apt.XXXXXX.log)
  # No stdin in CI: noninteractive, and apt must never wait for a prompt.
  if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive $install_cmd; } \
       </dev/null >"$apt_log" 2>&1; then
    tail -n 25 "$apt_log" >&2
    fail "apt-get failed (full log: $apt_log)"
  fi
  rm -f "$apt_log"
fi

# munge's package creates its key at install time; make sure of it (the test's munged needs it).
if [ $slurm = 1 ] && [ ! -s /etc/munge/munge.key ]; then
  [ "$(id -u)" -eq 0 ] || fail "/etc/munge/munge.key is missing: run 'sudo mungekey --create' (as root)"
  mungekey --create --keyfile=/etc/munge/munge.key \
    && chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key \
    || fail "could not create /etc/munge/munge.key"
  say "created /etc/munge/munge.key"
fi

[ $build = 1 ] || { say "packages ready (--no-build: stopping here)"; exit 0; }

# ---------------------------------------------------------------------------------------------
# 2. Build and test. Tool output goes to a log in the build directory so that a good run stays
#    a few lines long; a failure shows the errors (in CI, where nobody can open the log
#    afterwards, the whole log).
show_failure() {   # show_failure LOG WHAT
  if [ -n "${CI:-}" ]; then
    cat "$1" >&2
  else
    grep -E -m 30 'error|Error|FAILED|Failed|\*\*\*' "$1" >&2 || true
    echo "..." >&2; tail -n 20 "$1" >&2
  fi
  fail "$2 failed (full log: $1)"
}

build_tree() {   # build_tree DIR CMAKE_ARGS...
  local dir=$1; shift
  mkdir -p "$dir"
  local log=$dir/setup-build.log
  say "building $dir/ ($jobs jobs, log: $log)"
  local start=$SECONDS
  { cmake -S . -B "$dir" "$@" "${cmake_args[@]}" && cmake --build "$dir" -j"$jobs"; } \
    </dev/null >"$log" 2>&1 || show_failure "$log" "the build of $dir/"
  say "built $dir/ in $((SECONDS - start)) s"
}

test_tree() {   # test_tree DIR
  local dir=$1 log=$1/setup-test.log
  local count
  count=$(ctest --test-dir "$dir" -N 2>/dev/null | sed -n 's/^Total Tests: *//p')
  if [ "${count:-0}" = 0 ]; then
    say "warning: $dir/ has no tests registered (is GANTRY_BUILD_TESTS off?)"
    return 0
  fi
  say "running $count tests in $dir/ (log: $log)"
  local start=$SECONDS
  ctest --test-dir "$dir" --output-on-failure --no-tests=error -j2 </dev/null >"$log" 2>&1 \
    || show_failure "$log" "the test suite in $dir/"
  say "$(grep -E 'tests passed' "$log") in $((SECONDS - start)) s"
}

build_tree build
if [ $run_tests = 1 ]; then test_tree build; fi

if [ $asan = 1 ]; then
  # RelWithDebInfo: sanitizer reports need line numbers; -O2 keeps the suite fast enough.
  build_tree build-asan -DGANTRY_SANITIZE=address -DCMAKE_BUILD_TYPE=RelWithDebInfo
  # A leak fails the test that leaked; UBSan reports come with the stack that led there.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    test_tree build-asan
fi

if [ $fuzz = 1 ]; then
  # Only the core and the fuzzers: the CLI, plugins and tests are not needed here. The tree is
  # instrumented as a whole (coverage + ASan + UBSan), so the fuzzers see the core's code.
  log=build-fuzz/setup-build.log
  mkdir -p build-fuzz
  say "building build-fuzz/ (clang, libFuzzer + ASan + UBSan; log: $log)"
  start=$SECONDS
  { CC=clang CXX=clang++ cmake -S . -B build-fuzz -DGANTRY_FUZZ=ON -DGANTRY_BUILD_TESTS=OFF \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo "${cmake_args[@]}" \
      && cmake --build build-fuzz --target gantry_fuzzers -j"$jobs"; } </dev/null >"$log" 2>&1 \
    || show_failure "$log" "the build of build-fuzz/"
  say "built build-fuzz/ in $((SECONDS - start)) s"
  start=$SECONDS
  tools/fuzz.sh replay || fail "a committed fuzz input fails again (see above)"
  # A committed input failing again is a regression and fails. A *new* input found in these few
  # seconds is a bug to file, not a verdict on this change (OSS-Fuzz's policy): it is reported
  # loudly with its file, and fails only with GANTRY_FUZZ_STRICT=1.
  if ! tools/fuzz.sh run "${GANTRY_FUZZ_SECONDS:-30}"; then
    if [ "${GANTRY_FUZZ_STRICT:-0}" = 1 ]; then
      fail "the fuzzers found a new failing input (see above; inputs in build-fuzz/fuzz-artifacts/)"
    fi
    say "WARNING: the fuzzers found a new failing input (see above; inputs in build-fuzz/fuzz-artifacts/):" \
        "add it to fuzz/corpus/ with the fix"
  fi
  say "fuzzing done in $((SECONDS - start)) s"
fi

say "done: build/bin/gantry is ready"
