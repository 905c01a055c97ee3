# shellcheck shell=bash
# Shared by the ci/bench-* scripts (sourced, not run): the statistics of a list of numbers and
# the small formatting helpers their reports use. Medians and min-max, never a mean, because a
# 2-core TCG host has long-tailed outliers.

now() { date +%s.%N; }
# The median of the arguments (numbers); nothing for no arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR) print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
minimum() { printf '%s\n' "$@" | sort -g | head -1; }
maximum() { printf '%s\n' "$@" | sort -g | tail -1; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f\n", a / b }'; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f\n", a - b }'; }
json_array() { if [ $# -gt 0 ]; then printf '%s\n' "$@" | jq -s .; else echo '[]'; fi; }
r1() { printf '%.1f' "$1"; }
r2() { printf '%.2f' "$1"; }
# "min–max" of the arguments, to 2 decimals.
range2() { printf '%.2f–%.2f' "$(minimum "$@")" "$(maximum "$@")"; }
range1() { printf '%.1f–%.1f' "$(minimum "$@")" "$(maximum "$@")"; }
load_average() { cut -d' ' -f1-3 /proc/loadavg; }
