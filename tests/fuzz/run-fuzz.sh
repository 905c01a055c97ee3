#!/bin/sh
# Builds the fuzzers with clang and runs each for a bounded share of the time.
#   tests/fuzz/run-fuzz.sh [SECONDS] [TARGET...]   (default 60 in all, split over the targets;
#                                                  targets: console plan channel trace)
# Seeds: tests/data/console/*.log, configs/*.yaml + tests/data/bad-plans/*.yaml,
# tests/fuzz/seeds/channel/, tests/data/trace/*.txt. Findings land in <build>/artifacts/<target>/ and fail the run.
# Env: CXX (default clang++), FUZZ_BUILD_DIR (default <repo>/build-fuzz).
set -eu
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-console plan channel trace}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
cxx=${CXX:-clang++}

count=0
for t in $targets; do count=$((count + 1)); done
share=$((seconds / count))
[ "$share" -ge 1 ] || share=1

cmake -S "$here" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
for t in $targets; do
  cmake --build "$build" --target "${t}_fuzz"
done

status=0
for t in $targets; do
  corpus="$build/corpus/$t"
  mkdir -p "$corpus" "$build/artifacts/$t"
  case $t in
    console) cp "$root"/tests/data/console/*.log "$corpus"/ 2>/dev/null || true; max_len=65536 ;;
    plan) cp "$root"/configs/*.yaml "$root"/tests/data/bad-plans/*.yaml "$corpus"/ 2>/dev/null || true; max_len=16384 ;;
    channel) cp "$here"/seeds/channel/* "$corpus"/ 2>/dev/null || true; max_len=16384 ;;
    trace) cp "$root"/tests/data/trace/*.txt "$corpus"/ 2>/dev/null || true; max_len=65536 ;;
    *) echo "unknown fuzz target $t" >&2; exit 2 ;;
  esac
  echo "fuzz: $t for ${share}s"
  "$build/${t}_fuzz" "$corpus" \
    -dict="$here/$t.dict" \
    -max_total_time="$share" \
    -max_len="$max_len" \
    -timeout=10 \
    -rss_limit_mb=2048 \
    -artifact_prefix="$build/artifacts/$t/" \
    -print_final_stats=1 || status=1
done
exit $status
