#!/bin/bash
# bench/hook_bench.sh - the crash hook on a 1 GiB core against `cat > file`
# of the same core, side by side in one run (issue 5: target <= 1.5x).
#
# The core: the kernel's core of corpus/victim_bigheap (1 GiB of touched
# heap, an RSA key at its end, one of its primes near its start), written
# to a file once (core_pattern under tests/core_pattern.sh's lock; gcore
# of the waiting victim where core_pattern is not writable).  Then, from
# page cache, medians of 3:
#   cat CORE > FILE                                  (the I/O a plain handler does)
#   dumpscrub scan --jobs 1 CORE                     (the scan alone: the floor)
#   dumpscrub hook --compress none -- PID < CORE     (scan + spool, redact + verify)
#   dumpscrub hook --compress zstd -- PID < CORE     (the default)
# and the hook's own phase times from its report (pass 1 = stream -> scan +
# encrypted spool; pass 2 = spool -> echo search, redaction, verification
# scan, output).  Replaces its section of bench/RESULTS.md (bench/put_section.py).
set -u
cd "$(dirname "$0")/.." || exit 2
. tests/core_pattern.sh
make -s build/dumpscrub corpus || exit 2
W=$(mktemp -d "${TMPDIR:-/tmp}/dshookbench.XXXXXX")
trap 'core_pattern_restore; rm -rf "$W"' EXIT
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/k.pem" 2>/dev/null || exit 2
V=build/corpus/victim_bigheap
if core_pattern_set "$W/core.%p"; then
    bash -c 'ulimit -c unlimited; exec "$@"' _ "$V" 1024 "$W/k.pem" crash > "$W/v.out" 2>/dev/null
    core_pattern_restore
    how="the kernel's core of the crashing victim"
else
    mkfifo "$W/fifo"
    "$V" 1024 "$W/k.pem" wait < "$W/fifo" > "$W/v.out" & vp=$!
    exec 7> "$W/fifo"
    for _ in $(seq 200); do grep -q ready "$W/v.out" && break; sleep 0.1; done
    pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' "$W/v.out")
    gcore -o "$W/core" "$pid" > /dev/null 2>&1
    exec 7>&-; wait "$vp"
    how="gcore of the waiting victim"
fi
CORE=$(ls "$W"/core.* 2>/dev/null | head -1)
[ -s "$CORE" ] || { echo "hook_bench: no core made" >&2; exit 2; }
size=$(stat -c %s "$CORE")
cat "$CORE" > /dev/null; cat "$CORE" > /dev/null

# median3 CMD: "wall cpu rss_kib" medians of three runs; outputs removed between runs.
median3() {
    local i runs=""
    for i in 1 2 3; do
        rm -rf "$W/out" "$W/cat.out"; mkdir -p "$W/out"; sync
        /usr/bin/time -f "%e %U %S %M" bash -c "$1" > /dev/null 2> "$W/time" || true
        runs="$runs$(tail -1 "$W/time")
"
    done
    local w c m
    w=$(printf '%s' "$runs" | awk 'NF {print $1}' | sort -n | sed -n 2p)
    c=$(printf '%s' "$runs" | awk 'NF {printf "%.2f\n", $2 + $3}' | sort -n | sed -n 2p)
    m=$(printf '%s' "$runs" | awk 'NF {print $4}' | sort -n | sed -n 2p)
    echo "$w $c $m"
}
DS=$PWD/build/dumpscrub
read -r cat_w cat_c _ < <(median3 "cat '$CORE' > '$W/cat.out'")
read -r hn_w hn_c hn_m < <(median3 "'$DS' hook -o '$W/out' -r '$W/out' --compress none -- 1 < '$CORE'")
p1=$(python3 -c 'import json,glob,sys; d=json.load(open(glob.glob(sys.argv[1])[0])); print("%.2f %.2f %s %d" % (d["pass1_seconds"], d["pass2_seconds"], d["outcome"], len(d["echoes"])))' "$W/out/*.json")
read -r sc_w sc_c sc_m < <(median3 "'$DS' scan -q --jobs 1 '$CORE'")
read -r hz_w hz_c hz_m < <(median3 "'$DS' hook -o '$W/out' -r '$W/out' --compress zstd -- 1 < '$CORE'")
zsize=$(stat -c %s "$W"/out/core.*.zst 2>/dev/null || echo 0)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
gbs() { awk -v s="$size" -v t="$1" 'BEGIN { printf "%.2f", (t > 0 ? s / t / 1e9 : 0) }'; }
read -r p1s p2s outcome echoes <<< "$p1"

{
    echo "## Crash hook: a 1 GiB core, \`dumpscrub hook\` vs \`cat > file\` (bench/hook_bench.sh)"
    echo
    echo "Run on $(date -u +%F), $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "Core: $how (corpus/victim_bigheap 1024: 1 GiB of touched heap, an RSA key"
    echo "at its end, one of its primes near its start), $size bytes, read from page cache;"
    echo "outputs on the same filesystem.  Medians of 3; CPU = user + sys."
    echo
    echo "| command | wall s | GB/s | CPU s | x cat (wall) | peak RSS KiB |"
    echo "|---|---|---|---|---|---|"
    echo "| \`cat CORE > FILE\` | $cat_w | $(gbs "$cat_w") | $cat_c | 1.0 | - |"
    echo "| \`dumpscrub scan --jobs 1 CORE\` (the scan alone, for reference) | $sc_w | $(gbs "$sc_w") | $sc_c | $(ratio "$sc_w" "$cat_w") | $sc_m |"
    echo "| \`dumpscrub hook --compress none\` | $hn_w | $(gbs "$hn_w") | $hn_c | $(ratio "$hn_w" "$cat_w") | $hn_m |"
    echo "| \`dumpscrub hook --compress zstd\` (default) | $hz_w | $(gbs "$hz_w") | $hz_c | $(ratio "$hz_w" "$cat_w") | $hz_m |"
    echo
    echo "Hook phases (its report, last --compress none run): pass 1 (stream -> scan +"
    echo "AES-256-GCM spool) ${p1s} s, pass 2 (spool -> echo search, redaction, verification"
    echo "scan, output) ${p2s} s; outcome $outcome, $echoes echo span(s) of the key found."
    echo "zstd output: $zsize bytes."
} | tee /dev/stderr | python3 bench/put_section.py bench/RESULTS.md bench/hook_bench.sh
