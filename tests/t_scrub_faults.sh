#!/bin/bash
# t_scrub_faults.sh - a scrub that fails must leave the original intact and
# nothing half-written under the target name: disk full (small tmpfs),
# read-only directory, file size limit, SIGKILL and SIGTERM in the middle of
# a 300 MB scrub, stale temps of the named-temp fallback.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scrub_lib.sh"

if [ ! -x "$DS" ] || [ ! -x "$DS_FAST" ]; then
    skip "scrub faults: build/dumpscrub and build-asan/dumpscrub needed"
    exit 0
fi
K=$TMP/keys
sl_keys "$K" || { fail "scrub faults: cannot generate keys"; exit 0; }
MOUNTS=()
cleanup() {
    for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
# tmpfs DIR SIZE: mount a tmpfs, remembered for cleanup.
tmpfs() {
    mkdir -p "$1" && mount -t tmpfs -o "size=$2" tmpfs "$1" 2>/dev/null && MOUNTS+=("$1")
}
# only_names DIR: the names in DIR, hidden ones included, sorted, one line.
only_names() { ls -A "$1" | sort | tr '\n' ' ' | sed 's/ $//'; }

sl_plant "$TMP/dump4m" 4194304 3 "$K/rsa.pem" "$K/rsa1.der"
sl_plant "$TMP/dump600k" 614400 4 "$K/rsa.pem" "$K/ec1.pem"
sha600=$(sha256sum < "$TMP/dump600k")
if ! "$DS" scan --json "$TMP/dump4m" 2>/dev/null | grep -q '"offset"'; then
    skip "scrub faults: the scanner finds none of the planted keys (detectors missing?)"
    exit 0
fi

# ---- disk full ----------------------------------------------------------
if tmpfs "$TMP/full" 1m; then
    out=$("$DS" scrub "$TMP/dump4m" -o "$TMP/full/out" 2>&1)
    check_eq "disk full, -o: exit 2" 2 "$?"
    check "disk full, -o: says so" grep -q "No space left" <<< "$out"
    check_eq "disk full, -o: nothing left in the target dir" "" "$(only_names "$TMP/full")"
    cp "$TMP/dump600k" "$TMP/full/core"
    check_rc "disk full, --in-place: exit 2" 2 "$DS" scrub "$TMP/full/core" --in-place
    check_eq "disk full, --in-place: original intact" "$sha600" "$(sha256sum < "$TMP/full/core")"
    check_eq "disk full, --in-place: no temp left" "core" "$(only_names "$TMP/full")"
    DUMPSCRUB_NO_TMPFILE=1 "$DS" scrub "$TMP/full/core" --in-place >/dev/null 2>&1
    check_eq "disk full, named temp: exit 2" 2 "$?"
    check_eq "disk full, named temp: original intact" "$sha600" "$(sha256sum < "$TMP/full/core")"
    check_eq "disk full, named temp: temp removed" "core" "$(only_names "$TMP/full")"
    rm -f "$TMP/full/core"
    # Compressed output: the encoder's writes hit ENOSPC too.
    gzip -1 -c "$TMP/dump4m" > "$TMP/dump4m.gz"
    check_rc "disk full, gzip output: exit 2" 2 "$DS" scrub "$TMP/dump4m.gz" -o "$TMP/full/out.gz"
    check_eq "disk full, gzip output: nothing left" "" "$(only_names "$TMP/full")"
else
    skip "disk full: cannot mount a tmpfs"
fi

# ---- read-only target directory -----------------------------------------
if tmpfs "$TMP/ro" 4m; then
    cp "$TMP/dump600k" "$TMP/ro/core"
    mount -o remount,ro "$TMP/ro"
    out=$("$DS" scrub "$TMP/ro/core" --in-place 2>&1)
    check_eq "read-only fs, --in-place: exit 2" 2 "$?"
    check "read-only fs: says so" grep -q "Read-only file system" <<< "$out"
    check_eq "read-only fs, --in-place: original intact" "$sha600" "$(sha256sum < "$TMP/ro/core")"
    check_rc "read-only fs, -o into it: exit 2" 2 "$DS" scrub "$TMP/dump600k" -o "$TMP/ro/new"
    check_eq "read-only fs: nothing added" "core" "$(only_names "$TMP/ro")"
else
    skip "read-only fs: cannot mount a tmpfs"
fi
# An unwritable directory for an unprivileged user (root ignores modes).
if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
    U=$TMP/unpriv
    mkdir -p "$U/dir"
    cp "$TMP/dump600k" "$U/dir/core"
    chmod 755 "$TMP" "$U"
    chmod 555 "$U/dir"
    chmod 644 "$U/dir/core"
    setpriv --reuid=65534 --regid=65534 --clear-groups "$DS_FAST" scrub "$U/dir/core" --in-place >/dev/null 2>&1
    check_eq "unwritable dir (uid 65534), --in-place: exit 2" 2 "$?"
    check_eq "unwritable dir: original intact" "$sha600" "$(sha256sum < "$U/dir/core")"
    check_eq "unwritable dir: nothing added" "core" "$(only_names "$U/dir")"
    chmod 700 "$U/dir" "$TMP"
else
    skip "unwritable dir: setpriv cannot drop privileges here"
fi

# ---- file size limit (RLIMIT_FSIZE: SIGXFSZ must not kill us) ----------
mkdir -p "$TMP/fsz"
(ulimit -f 1000; exec "$DS_FAST" scrub "$TMP/dump4m" -o "$TMP/fsz/out" >/dev/null 2>&1)
check_eq "file size limit: exit 2 (EFBIG), not killed by SIGXFSZ" 2 "$?"
check_eq "file size limit: nothing left" "" "$(only_names "$TMP/fsz")"

# ---- killed in the middle of a large scrub --------------------------------
# 300 MB of random data with keys; the reference scrub tells how long a
# scrub takes; kills land at fractions of that.  Whatever the moment, the
# target holds the original or the complete scrubbed file, nothing else.
B=$TMP/big
mkdir -p "$B"
"$PY" - "$B/orig" "$K/rsa.pem" "$K/rsa1.der" "$K/ec1.pem" <<'EOF'
import os, sys
size = 300 * 1000 * 1000
keys = [open(k, 'rb').read() for k in sys.argv[2:]]
with open(sys.argv[1], 'wb') as f:
    chunk = bytearray(os.urandom(1 << 20))
    for i in range(size >> 20):
        chunk[0:16] = i.to_bytes(16, 'little')     # distinct chunks
        if i % 97 == 5:
            k = keys[i % len(keys)]
            chunk[4097:4097 + len(k)] = k
        f.write(chunk)
        if i % 97 == 5:
            chunk[4097:4097 + len(k)] = os.urandom(len(k))
EOF
t0=$(date +%s%N)
"$DS_FAST" scrub "$B/orig" -o "$B/ref" -q
check_eq "SIGKILL: reference scrub of 300 MB: exit 0" 0 "$?"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "    (reference scrub of 300 MB: ${ms} ms)"
origsum=$(sha256sum < "$B/orig")
refsum=$(sha256sum < "$B/ref")
check "SIGKILL: the reference differs from the original" test "$origsum" != "$refsum"

# kill_case SIGNAL WHEN ENV MODE: scrub in the background and signal it,
# WHEN = a number: after WHEN/10 of the reference time (during the scan);
# WHEN = write: as soon as its temp file exists (O_TMPFILE or named: seen
# through /proc/PID/fd), i.e. in the middle of writing.  Prints the exit
# status.
kill_case() {
    local sig=$1 when=$2 envv=$3 mode=$4 pid
    if [ "$mode" = inplace ]; then
        env $envv "$DS_FAST" scrub "$B/victim" --in-place -q >/dev/null 2>&1 &
    else
        env $envv "$DS_FAST" scrub "$B/victim" -o "$B/out" -q >/dev/null 2>&1 &
    fi
    pid=$!
    if [ "$when" = write ]; then
        for _ in $(seq 2000); do
            ls -l /proc/$pid/fd 2>/dev/null | grep -q -e "$B/#" -e "$B/\.victim\.dumpscrub-" -e "$B/\.out\.dumpscrub-" && break
            kill -0 $pid 2>/dev/null || break
            sleep 0.005
        done
        sleep 0.05
    else
        sleep "$(awk -v m="$ms" -v f="$when" 'BEGIN { printf "%.3f", m * f / 10000 }')"
    fi
    kill -"$sig" "$pid" 2>/dev/null
    timeout 60 tail --pid="$pid" -f /dev/null
    wait "$pid"
    echo $?
}
for spec in "KILL 2 - inplace" "KILL write - inplace" "KILL write - out" \
            "KILL write DUMPSCRUB_NO_TMPFILE=1 inplace" "TERM write DUMPSCRUB_NO_TMPFILE=1 inplace"; do
    set -- $spec
    sig=$1 when=$2 envv=$3 mode=$4
    [ "$envv" = - ] && envv=
    case $when in write) at="while writing";; *) at="at ${when}0% (scanning)";; esac
    name="SIG$sig $at (${mode}${envv:+, named temp})"
    cp "$B/orig" "$B/victim"
    rm -f "$B/out"
    rc=$(kill_case "$sig" "$when" "$envv" "$mode")
    if [ "$rc" = 0 ]; then
        skip "$name: the scrub finished before the signal"
    else
        check_eq "$name: killed by the signal" "$(( 128 + $(kill -l "$sig") ))" "$rc"
    fi
    vsum=$(sha256sum < "$B/victim")
    if [ "$mode" = inplace ]; then
        check "$name: target is the original or the complete scrub" test "$vsum" = "$origsum" -o "$vsum" = "$refsum"
    else
        check_eq "$name: input intact" "$origsum" "$vsum"
        if [ -e "$B/out" ]; then
            check_eq "$name: output complete if present" "$refsum" "$(sha256sum < "$B/out")"
        else
            pass "$name: no output visible"
        fi
    fi
    left=$(ls -A "$B" | grep -v -x -e orig -e ref -e victim -e out)
    if [ -n "$envv" ] && [ "$sig" = KILL ]; then
        # SIGKILL cannot be caught: the named temp stays, hidden, and is
        # removed by a later scrub of that directory once an hour old.
        if [ -n "$left" ]; then
            check "$name: only a hidden .victim.dumpscrub-XXXXXX is left" \
                grep -qx '\.victim\.dumpscrub-[A-Za-z0-9]\{6\}' <<< "$left"
            touch -d '2 hours ago' "$B/$left"
            touch "$B/.other.dumpscrub-Fresh1"
            "$DS" scrub "$B/ref" -o "$B/ref.again" -q >/dev/null 2>&1
            check_eq "$name: the next scrub removes the stale temp, keeps a fresh one" \
                ".other.dumpscrub-Fresh1" "$(ls -A "$B" | grep dumpscrub)"
            rm -f "$B/.other.dumpscrub-Fresh1" "$B/ref.again"
        else
            skip "$name: no temp left (killed before it was created)"
        fi
    else
        check_eq "$name: no temp file left" "" "$left"
    fi
done
rm -rf "$B"
exit 0
