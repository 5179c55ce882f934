#!/bin/bash
# Run the whole suite: C unit tests (ASan build) and tests/t_*.sh scripts.
# Prints every PASS/FAIL/SKIP line and ends with "N passed, N failed, N skipped".
cd "$(dirname "$0")/.." || exit 2
out=$(mktemp)
# One victim corpus per run: t_scan_corpus.sh generates it, t_scrub.sh
# scrubs it.  (Set SCAN_CORPUS=DIR to reuse one across runs.)
if [ -z "${SCAN_CORPUS:-}" ]; then
    SCAN_CORPUS=$(mktemp -d "${TMPDIR:-/tmp}/dscorpus.XXXXXX")
    export SCAN_CORPUS
    own_corpus=$SCAN_CORPUS
fi
trap 'rm -f "$out"; [ -n "${own_corpus:-}" ] && rm -rf "$own_corpus"' EXIT
start=$(date +%s)
only=${1:-}
for t in build-asan/tests/test_* tests/t_*.sh; do
    [ -e "$t" ] || continue
    case "$t" in *"$only"*) ;; *) continue ;; esac
    t0=$(date +%s)
    echo "== $t"
    if [ "${t%.sh}" != "$t" ]; then bash "$t"; else "$t"; fi > "$out.1" 2>&1
    rc=$?
    grep -E '^(PASS|FAIL|SKIP) ' "$out.1"
    if [ $rc -ne 0 ]; then
        echo "FAIL $t: exited $rc"; echo "FAIL $t: exited $rc" >> "$out"
        tail -20 "$out.1" | sed 's/^/    | /'
    fi
    grep -E '^(PASS|FAIL|SKIP) ' "$out.1" >> "$out"
    echo "   ($(( $(date +%s) - t0 ))s)"
done
rm -f "$out.1"
p=$(grep -c '^PASS ' "$out"); f=$(grep -c '^FAIL ' "$out"); s=$(grep -c '^SKIP ' "$out")
echo "test time: $(( $(date +%s) - start ))s"
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
