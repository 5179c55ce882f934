#!/bin/bash
# bench/run.sh - `make bench`: what a scan costs, side by side in one run.
#
# The whole default scan of a >= 1 GiB real core (the AES bench's dump: a
# gcore of an ordinary ~1 GiB process plus a victim with live keys) from
# page cache, against `cat FILE >/dev/null` (the I/O limit), with --jobs 1
# and 2; then the detector benches (AES vs aeskeyfind, rules 0/30/300) and the
# archive sweep against aeskeyfind, rsakeyfind and yara (bench/sweep_bench.sh).
# Results: bench/RESULTS.md (this part) and bench/RESULTS-aes.md,
# bench/RESULTS-rules.md.  Times are medians of 3; CPU time is reported
# beside wall time because shared machines make wall time noisy.
set -u
cd "$(dirname "$0")/.." || exit 2
OUT=bench/RESULTS.md
DUMP=build/tmp/aes-bench/bench.core
make -s build/dumpscrub || exit 2
[ -s "$DUMP" ] || bash bench/aes_bench.sh > /dev/null || exit 2
size=$(stat -c %s "$DUMP")
cat "$DUMP" > /dev/null; cat "$DUMP" > /dev/null    # into page cache

# median3 CMD...: "wall cpu" medians of three runs (seconds; cpu = user+sys).
median3() {
    local i runs=""
    for i in 1 2 3; do
        /usr/bin/time -f "%e %U %S" "$@" > /dev/null 2> /tmp/dsbench.$$ || true
        runs="$runs$(tail -1 /tmp/dsbench.$$)
"
    done
    rm -f /tmp/dsbench.$$
    local w c
    w=$(printf '%s' "$runs" | awk 'NF {print $1}' | sort -n | sed -n 2p)
    c=$(printf '%s' "$runs" | awk 'NF {printf "%.2f\n", $2 + $3}' | sort -n | sed -n 2p)
    echo "$w $c"
}
gbs() { awk -v s="$size" -v t="$1" 'BEGIN { printf "%.2f", (t > 0 ? s / t / 1e9 : 0) }'; }

read -r cat_w cat_c < <(median3 cat "$DUMP")
read -r s1_w s1_c < <(median3 build/dumpscrub scan -q --jobs 1 "$DUMP")
read -r s2_w s2_c < <(median3 build/dumpscrub scan -q --jobs 2 "$DUMP")
read -r sn_w sn_c < <(median3 build/dumpscrub scan -q --jobs 1 --no-default-rules "$DUMP")
rss=$( { /usr/bin/time -f "%M" build/dumpscrub scan -q "$DUMP" > /dev/null; } 2>&1 | tail -1)

{
    echo "Made by \`make bench\` (bench/run.sh) on $(date -u +%Y-%m-%d)."
    echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores,"
    echo "$(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -sr); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "## Whole default scan of a real core, from page cache"
    echo
    echo "Dump: \`$DUMP\`, $size bytes (gcore of a ~1 GiB Python process + victim_aes)."
    echo "GB = 1e9 bytes; medians of 3 runs; CPU = user + sys."
    echo
    echo "| command | wall s | GB/s (wall) | CPU s | GB/s (CPU) |"
    echo "|---|---|---|---|---|"
    echo "| \`cat FILE >/dev/null\` | $cat_w | $(gbs "$cat_w") | $cat_c | $(gbs "$cat_c") |"
    echo "| \`dumpscrub scan --jobs 1\` (all detectors + default rules) | $s1_w | $(gbs "$s1_w") | $s1_c | $(gbs "$s1_c") |"
    echo "| \`dumpscrub scan --jobs 2\` | $s2_w | $(gbs "$s2_w") | $s2_c | $(gbs "$s2_c") |"
    echo "| \`dumpscrub scan --jobs 1 --no-default-rules\` | $sn_w | $(gbs "$sn_w") | $sn_c | $(gbs "$sn_c") |"
    echo
    echo "Peak RSS of the default scan: ${rss} KiB (chunks are read into one buffer per thread;"
    echo "the mapping only serves pointers followed and rule windows: no whole-file reads)."
    echo
    echo "Per-detector figures: [RESULTS-aes.md](RESULTS-aes.md) (AES schedules vs aeskeyfind),"
    echo "[RESULTS-rules.md](RESULTS-rules.md) (0, 30 and 300 rules)."
} | python3 bench/put_section.py "$OUT" bench/run.sh
cat "$OUT"
[ "${BENCH_ALL:-1}" = 1 ] && { bash bench/aes_bench.sh > /dev/null; bash bench/rules_bench.sh > /dev/null; }
# The archive sweep (bench/sweep_bench.sh) replaces its section of RESULTS.md.
[ "${BENCH_ALL:-1}" = 1 ] && bash bench/sweep_bench.sh > /dev/null
exit 0
