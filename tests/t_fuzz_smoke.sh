#!/bin/bash
# Run every libFuzzer target briefly, seeded with the external dump corpus
# and fuzz/seeds/<target>/.  A crash, leak or timeout is a FAIL.
. "$(dirname "$0")/lib.sh"
secs=${FUZZ_SECONDS:-8}
found=0
for f in "$TOP"/build-fuzz/fuzz_*; do
    [ -x "$f" ] || continue
    found=1
    name=$(basename "$f"); short=${name#fuzz_}
    work="$TMP/$name"; mkdir -p "$work/corpus"
    seeds=("$work/corpus")
    [ -d "$TOP/fuzz/seeds/$short" ] && seeds+=("$TOP/fuzz/seeds/$short")
    [ -d "$EXT" ] && seeds+=($(find "$EXT" -mindepth 1 -maxdepth 1 -type d))
    if (cd "$work" && "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
            -max_len=1048576 -print_final_stats=0 "${seeds[@]}" >"$work/log" 2>&1); then
        pass "fuzz $name (${secs}s)"
    else
        fail "fuzz $name: $(grep -m1 -E 'ERROR|SUMMARY|crash|timeout' "$work/log")"
        ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null | head -3 | sed 's/^/    /'
        mkdir -p "$TOP/build-fuzz/artifacts" && cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$TOP/build-fuzz/artifacts/" 2>/dev/null
    fi
done
[ $found = 1 ] || fail "fuzz: no fuzz targets built (make fuzz)"
