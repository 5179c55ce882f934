#!/bin/bash
# The command line: help, usage errors, exit codes, every external dump read
# through `info` (plain, gzip, stdin), truncated copies never crash.
. "$(dirname "$0")/lib.sh"

check "--help exits 0" "$DS" --help
check "--version prints the version" bash -c "'$DS' --version | grep -q '^dumpscrub [0-9]'"
for c in info scan; do
    out=$("$DS" $c --help); rc=$?
    check_eq "$c --help exits 0" 0 "$rc"
    case "$out" in *"usage: dumpscrub $c"*exit\ codes*) pass "$c --help documents usage and exit codes" ;;
                   *) fail "$c --help text" ;; esac
done
check_rc "unknown command exits 2" 2 "$DS" frobnicate
check_rc "no arguments exits 2" 2 "$DS"
check_rc "scan without paths exits 2" 2 "$DS" scan
check_rc "bad --min-confidence exits 2" 2 "$DS" scan --min-confidence sure /dev/null
err=$("$DS" info /nonexistent/core 2>&1 >/dev/null); rc=$?
check_eq "missing file: exit 2" 2 "$rc"
check_eq "missing file: one-line error" 1 "$(printf '%s\n' "$err" | wc -l)"
check_rc "directory given to info exits 2" 2 "$DS" info "$TMP"

# Every external dump is read: exit 0 (complete) or 3 (structure problems),
# never a crash (ASan build) or an I/O error.
if [ -d "$EXT" ]; then
    bad=""
    while IFS= read -r f; do
        "$DS" info --json "$f" > "$TMP/info.json" 2> "$TMP/info.err"; rc=$?
        case $rc in 0|3) ;; *) bad="$bad $(basename "$f"):rc=$rc" ;; esac
        python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/info.json" 2>/dev/null ||
            bad="$bad $(basename "$f"):badjson"
    done < <(find "$EXT" -type f ! -name '*.md' ! -name '*.json')
    check_eq "info reads every external dump (exit 0/3, valid JSON)" "" "$bad"

    # Compressed and piped input give the same structure as the plain file.
    core=$EXT/golang-debug/hello-world-core
    strip() { python3 -c 'import json,sys; d=json.load(sys.stdin); [d.pop(k,None) for k in ("file","compression")]; print(json.dumps(d,sort_keys=True))'; }
    plain=$("$DS" info --json "$core" | strip)
    gz=$("$DS" info --json "$core.gz" | strip)
    piped=$(cat "$core" | "$DS" info --json - | strip)
    check "gzip-compressed core reads like the plain one" test -n "$plain" -a "$plain" = "$gz"
    check "core from stdin reads like the file" test "$plain" = "$piped"
    zstd -q -c "$core" > "$TMP/c.zst" && xz -c "$core" > "$TMP/c.xz"
    check "zstd core reads like the plain one" test "$plain" = "$("$DS" info --json "$TMP/c.zst" | strip)"
    check "xz core reads like the plain one" test "$plain" = "$(cat "$TMP/c.xz" | "$DS" info --json - | strip)"
    head -c 5000 "$core.gz" > "$TMP/trunc.gz"
    check_rc "truncated gzip: exit 2 (I/O error), no crash" 2 "$DS" info "$TMP/trunc.gz"

    # Truncated copies of every external dump: a result or a clean error.
    # (The readers' unit tests cut every file at thousands of points; this
    # checks the whole command path on a few.)
    bad=""
    while IFS= read -r f; do
        size=$(stat -c %s "$f")
        for cut in 33 $((size / 3)) $((size / 2)) $((size - 1)); do
            [ "$cut" -lt "$size" ] || continue
            head -c "$cut" "$f" > "$TMP/cut"
            "$DS" info "$TMP/cut" > /dev/null 2> "$TMP/cut.err"; rc=$?
            case $rc in 0|2|3) ;; *) bad="$bad $(basename "$f")@$cut:rc=$rc" ;; esac
        done
        "$DS" scan -q --no-default-rules "$TMP/cut" > /dev/null 2>&1; rc=$?
        case $rc in 0|3) ;; *) bad="$bad scan:$(basename "$f")@$cut:rc=$rc" ;; esac
    done < <(find "$EXT" -type f \( -name '*.dmp' -o -name '*core*' -o -name '*.elf' \) ! -name '*.gz')
    check_eq "truncated external dumps: info/scan never crash" "" "$bad"

    # The external corpus holds no private key, but the 2012 Go hello-world
    # core really does hold an AWS key pair and a MEETUP_API_KEY in its
    # environment (on the stack): exactly those three findings (the API key
    # by the generic secret-assignment heuristic), in the plain and the
    # gzip copy; nothing in any other dump.
    "$DS" scan -q --json "$EXT" > "$TMP/ext.json"; rc=$?
    check_eq "scan of the external corpus: exit 1 (the AWS keys)" 1 "$rc"
    got=$(python3 -c '
import json,sys,os
for l in open(sys.argv[1]):
    d=json.loads(l); print(os.path.basename(d["file"]), d["detector"], d.get("region"))' "$TMP/ext.json" | sort | tr '\n' ';')
    want="hello-world-core aws-access-key-id [stack:28232];hello-world-core aws-secret-access-key [stack:28232];hello-world-core secret-assignment [stack:28232];hello-world-core.gz aws-access-key-id [stack:28232];hello-world-core.gz aws-secret-access-key [stack:28232];hello-world-core.gz secret-assignment [stack:28232];"
    check_eq "external corpus: only the AWS key pair and API key of hello-world-core, labelled [stack]" "$want" "$got"
else
    skip "external corpus not found at $EXT"
fi

# Directory walking and stdin for scan.
mkdir -p "$TMP/tree/a/b"; head -c 100000 /dev/urandom > "$TMP/tree/a/b/r.bin"
check_rc "scan walks directories (random bytes: clean)" 0 "$DS" scan "$TMP/tree"
check_rc "scan of stdin" 0 bash -c "head -c 300000 /dev/urandom | '$DS' scan -"
: > "$TMP/empty"
check_rc "empty file scans clean" 0 "$DS" scan "$TMP/empty"
