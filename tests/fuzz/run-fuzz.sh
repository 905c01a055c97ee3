#!/bin/sh
# Builds the console parser fuzzer with clang and runs it for a bounded time.
#   tests/fuzz/run-fuzz.sh [SECONDS]   (default 60)
# Seeds: tests/data/console/*.log. Findings land in build-fuzz/artifacts/ and fail the run.
# Env: CXX (default clang++), FUZZ_BUILD_DIR (default <repo>/build-fuzz), FUZZ_JOBS (default 1).
set -eu
seconds=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
cxx=${CXX:-clang++}

cmake -S "$here" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target console_fuzz

corpus="$build/corpus"
mkdir -p "$corpus" "$build/artifacts"
cp "$root"/tests/data/console/*.log "$corpus"/ 2>/dev/null || true

exec "$build/console_fuzz" "$corpus" \
  -dict="$here/console.dict" \
  -max_total_time="$seconds" \
  -max_len=65536 \
  -timeout=10 \
  -rss_limit_mb=2048 \
  -artifact_prefix="$build/artifacts/" \
  -print_final_stats=1
