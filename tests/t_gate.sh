#!/bin/bash
# t_gate.sh - `dumpscrub gate`: batch mode with each action, and --watch
# with 200 dumps dropped in (copied, written slowly, appended in pieces,
# moved in), each handled exactly once with the right outcome, plus a burst
# that overflows the inotify queue.  Every wait is bounded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scrub_lib.sh"

if [ ! -x "$DS" ]; then
    skip "gate: $DS not built (make asan)"
    exit 0
fi
K=$TMP/keys
sl_keys "$K" || { fail "gate: cannot generate keys"; exit 0; }
MOUNTS=()
GATE_PIDS=()
QUEUE=/proc/sys/fs/inotify/max_queued_events
old_queue=$(cat "$QUEUE" 2>/dev/null)
cleanup() {
    for p in "${GATE_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    [ -n "$old_queue" ] && echo "$old_queue" > "$QUEUE" 2>/dev/null
    for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT

S=$TMP/src
mkdir -p "$S"
# mk_dirty NAME SEED: 32 KiB of random bytes with a key; mk_clean NAME SEED.
mk_dirty() { sl_plant "$S/$1" 32768 "$2" "$K/rsa.pem"; rm -f "$S/$1.plan"; }
mk_clean() { head -c 32768 /dev/urandom > "$S/$1"; }
# A core whose segment runs past the end of the file: not fully readable.
mk_unproven() {
    "$PY" -c '
import struct, sys
eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8) + struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56, 1, 64, 0, 0)
ph = struct.pack("<IIQQQQQQ", 1, 6, 4096, 0x400000, 0, 1 << 20, 1 << 20, 4096)
d = eh + ph
open(sys.argv[1], "wb").write(d + bytes(8192 - len(d)))' "$S/$1"
}
mk_dirty d1 11; mk_dirty d2 12; mk_clean c1; mk_clean c2; mk_clean c3; mk_unproven u1
gzip -c "$S/d2" > "$S/d3.gz"
if ! "$DS" scan --json "$S/d1" 2>/dev/null | grep -q '"offset"'; then
    skip "gate: the scanner finds none of the planted keys (detectors missing?)"
    exit 0
fi
fill_dir() { rm -rf "$1"; mkdir -p "$1"; cp "$S"/d1 "$S"/d2 "$S"/d3.gz "$S"/c1 "$S"/c2 "$S"/c3 "$S"/u1 "$1/"; }
# outcomes FILE: "NAME:OUTCOME" per line of text output, sorted.
outcomes() { awk '$1 ~ /^(pass|scrubbed|quarantined|rejected|error)$/ { n = $2; sub(".*/", "", n); print n ":" $1 }' "$1" | sort | tr '\n' ' '; }

# ---- batch: --reject (the default) ----------------------------------------
G=$TMP/g
fill_dir "$G"
touch "$G/.c1.dumpscrub-AbC123"             # our temp: never gated
touch -d '2 hours ago' "$G/.old.dumpscrub-Old123"   # stale temp: removed
mkdir "$G/subdir" && cp "$S/d1" "$G/subdir/"   # not recursive
ln -s "$S/d1" "$G/link"                        # symlinks not followed
timeout 60 "$DS" gate "$G" > "$TMP/reject.out" 2>/dev/null
check_eq "gate --reject: exit 1" 1 "$?"
check_eq "gate --reject: outcomes" "c1:pass c2:pass c3:pass d1:rejected d2:rejected d3.gz:rejected u1:rejected " \
    "$(outcomes "$TMP/reject.out")"
check "gate --reject: unproven said so" grep -q "^rejected .*/u1 (0 findings, not proven clean)" "$TMP/reject.out"
check "gate --reject: summary line" grep -q "^summary: 7 files: 3 pass, 0 scrubbed, 0 quarantined, 4 rejected, 0 errors" "$TMP/reject.out"
check "gate: our own temp left alone" test -e "$G/.c1.dumpscrub-AbC123"
check "gate: stale temp (2 h old) removed" test ! -e "$G/.old.dumpscrub-Old123"
check_eq "gate --reject: files untouched" "$(cd "$S" && sha256sum d1 d2 c1 | cut -c1-64)" \
    "$(cd "$G" && sha256sum d1 d2 c1 | cut -c1-64)"
timeout 60 "$DS" gate --json "$G" > "$TMP/reject.json" 2>/dev/null
check_eq "gate --json: exit 1" 1 "$?"
check_eq "gate --json: every line is JSON, 7 files + summary" "8 ok" "$("$PY" -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
ok = all("outcome" in l and "file" in l and "findings" in l for l in lines[:-1]) and lines[-1]["summary"]["rejected"] == 4
print(len(lines), "ok" if ok else "bad")' "$TMP/reject.json" 2>&1)"
check_rc "gate: two actions: usage error" 2 "$DS" gate --scrub --reject "$G"
check_rc "gate: not a directory: usage error" 2 "$DS" gate "$S/d1"
check_rc "gate: missing directory: usage error" 2 "$DS" gate "$TMP/nonexistent"
check_rc "gate: quarantine = gated dir: usage error" 2 "$DS" gate --quarantine "$G" "$G"

# ---- batch: --quarantine, same filesystem and across filesystems ------------
fill_dir "$G"
timeout 60 "$DS" gate --quarantine "$TMP/q" "$G" > "$TMP/q.out" 2>/dev/null
check_eq "gate --quarantine: exit 0" 0 "$?"
check_eq "gate --quarantine: outcomes" "c1:pass c2:pass c3:pass d1:quarantined d2:quarantined d3.gz:quarantined u1:quarantined " \
    "$(outcomes "$TMP/q.out")"
check_eq "gate --quarantine: quarantine dir created 0700" 700 "$(stat -c %a "$TMP/q")"
check_eq "gate --quarantine: dirty files moved, intact" "$(cd "$S" && sha256sum d1 d2 d3.gz u1)" \
    "$(cd "$TMP/q" && sha256sum d1 d2 d3.gz u1 2>&1)"
check_eq "gate --quarantine: clean files stay" "c1 c2 c3" "$(cd "$G" && ls | tr '\n' ' ' | sed 's/ $//')"
fill_dir "$G"
timeout 60 "$DS" gate --quarantine "$TMP/q" "$G" > /dev/null 2>&1
check "gate --quarantine: a second d1 becomes d1.1" cmp -s "$TMP/q/d1.1" "$S/d1"
mkdir -p "$TMP/qx"
if mount -t tmpfs -o size=16m tmpfs "$TMP/qx" 2>/dev/null; then
    MOUNTS+=("$TMP/qx")
    fill_dir "$G"
    timeout 60 "$DS" gate --quarantine "$TMP/qx/q" "$G" > "$TMP/qx.out" 2>/dev/null
    check_eq "gate --quarantine across filesystems: exit 0" 0 "$?"
    check_eq "gate --quarantine across filesystems: copied intact, originals gone" \
        "$(cd "$S" && sha256sum d1 d2 d3.gz u1) c1 c2 c3" \
        "$(cd "$TMP/qx/q" && sha256sum d1 d2 d3.gz u1 2>&1) $(cd "$G" && ls -p | grep -v / | tr '\n' ' ' | sed 's/ $//')"
    check_eq "gate --quarantine across filesystems: no temp left" "" "$(ls -A "$TMP/qx/q" | grep dumpscrub)"
else
    skip "gate --quarantine across filesystems: cannot mount a tmpfs"
fi

# ---- batch: --scrub ------------------------------------------------------------
fill_dir "$G"
ino_c1=$(stat -c %i "$G/c1")
timeout 60 "$DS" gate --scrub "$G" > "$TMP/s.out" 2>/dev/null
check_eq "gate --scrub: exit 1 (the unproven file)" 1 "$?"
check_eq "gate --scrub: outcomes" "c1:pass c2:pass c3:pass d1:scrubbed d2:scrubbed d3.gz:scrubbed u1:rejected " \
    "$(outcomes "$TMP/s.out")"
check_rc "gate --scrub: dirty files now scan clean" 0 "$DS" scan --min-confidence likely "$G/d1" "$G/d2" "$G/d3.gz"
check_eq "gate --scrub: clean file untouched (same inode)" "$ino_c1" "$(stat -c %i "$G/c1")"
rm -f "$G/u1"
timeout 60 "$DS" gate --scrub "$G" > "$TMP/s2.out" 2>/dev/null
check_eq "gate --scrub again: exit 0, all pass" "0 c1:pass c2:pass c3:pass d1:pass d2:pass d3.gz:pass " \
    "$? $(outcomes "$TMP/s2.out")"

# ---- --watch: 200 dumps ------------------------------------------------------------
# stop_gate PID: SIGTERM, then wait (bounded) for it to print its summary.
stop_gate() {
    kill -TERM "$1" 2>/dev/null
    timeout 20 tail --pid="$1" -f /dev/null
    wait "$1"
}
# wait_lines FILE N SECONDS: until FILE has N outcome lines.
wait_lines() {
    local i
    for i in $(seq $(( $3 * 10 ))); do
        [ "$(grep -c '"outcome"' "$1" 2>/dev/null)" -ge "$2" ] && return 0
        sleep 0.1
    done
    return 1
}
W=$TMP/w
STAGE=$TMP/stage           # same filesystem as W: mv is a rename
mkdir -p "$W" "$STAGE"
for i in $(seq 0 19); do mk_dirty "dirty$i" $((100 + i)); done
mk_clean clean0
# --settle is the quiet period after which a file is taken as complete: a
# writer that pauses longer is indistinguishable from one that finished.
# The appenders below pause 0.1 s between pieces, but on a loaded 2-core CI
# machine a fork + dd once took over 1.5 s (a file handled twice): 4 s
# keeps the test about the gate, not the scheduler.
timeout 150 "$DS" gate --watch --scrub --json --settle 4000 "$W" > "$TMP/watch.jsonl" 2> "$TMP/watch.err" &
GPID=$!
GATE_PIDS+=("$GPID")
sleep 0.3
# 120 copied in (close_write), half dirty.
for i in $(seq 0 119); do
    if [ $((i % 2)) = 0 ]; then cp "$S/dirty$((i % 20))" "$W/cp$i.dirty"; else cp "$S/clean0" "$W/cp$i.clean"; fi
done &
# 40 written slowly by one open file each, in 4 pieces with pauses (the key
# is split across pieces: handled early, a dirty one would pass).
"$PY" - "$W" "$S" <<'EOF' &
import os, sys, time
w, s = sys.argv[1], sys.argv[2]
files = []
for i in range(40):
    name = 'slow%d.%s' % (i, 'dirty' if i % 2 == 0 else 'clean')
    data = open(os.path.join(s, 'dirty%d' % (i % 20) if i % 2 == 0 else 'clean0'), 'rb').read()
    files.append((open(os.path.join(w, name), 'wb'), data))
for piece in range(4):
    for f, data in files:
        q = len(data) // 4
        f.write(data[piece * q:(piece + 1) * q if piece < 3 else len(data)])
        f.flush()
    time.sleep(0.3)
for f, _ in files:
    f.close()
EOF
# 20 appended in pieces, each piece a new open/close (a close_write each).
for i in $(seq 0 19); do
    kind=clean; src=$S/clean0
    [ $((i % 2)) = 0 ] && kind=dirty && src=$S/dirty$i
    ( for p in 0 1 2 3; do dd if="$src" bs=8192 skip=$p count=1 2>/dev/null >> "$W/app$i.$kind"; sleep 0.1; done ) &
done
# 20 moved in from the same filesystem.
for i in $(seq 0 19); do
    if [ $((i % 2)) = 0 ]; then cp "$S/dirty$i" "$STAGE/mv$i.dirty"; else cp "$S/clean0" "$STAGE/mv$i.clean"; fi
done
for i in $(seq 0 19); do mv "$STAGE"/mv$i.* "$W/"; done
wait_lines "$TMP/watch.jsonl" 200 90
got=$?
sleep 1   # nothing more may come
stop_gate "$GPID"
rc=$?
check_eq "gate --watch: 200 files handled within 90 s" 0 "$got"
check_eq "gate --watch: stops on SIGTERM with exit 0" 0 "$rc"
verdict=$("$PY" - "$TMP/watch.jsonl" <<'EOF'
import collections, json, os, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
files = [l for l in lines if 'outcome' in l]
summary = [l['summary'] for l in lines if 'summary' in l]
count = collections.Counter(os.path.basename(l['file']) for l in files)
twice = [n for n, c in count.items() if c > 1]
wrong = [(os.path.basename(l['file']), l['outcome']) for l in files
         if l['outcome'] != ('scrubbed' if l['file'].endswith('.dirty') else 'pass')]
probs = []
if len(count) != 200: probs.append('%d distinct files' % len(count))
if twice: probs.append('twice: %s' % twice[:5])
if wrong: probs.append('wrong: %s' % wrong[:5])
if not summary or summary[-1]['files'] != 200 or summary[-1]['scrubbed'] != 100 or summary[-1]['pass'] != 100:
    probs.append('summary %s' % summary)
print('; '.join(probs) or 'ok')
EOF
)
check_eq "gate --watch: each of the 200 handled exactly once, right outcome, summary" ok "$verdict"
check_rc "gate --watch: every dirty dump now scans clean" 0 "$DS" scan --min-confidence likely "$W"
check_eq "gate --watch: no temp left" "" "$(ls -A "$W" | grep dumpscrub)"
[ -s "$TMP/watch.err" ] && sed 's/^/    stderr: /' "$TMP/watch.err" | head -5

# ---- --watch: inotify queue overflow -> rescan ----------------------------------
if [ -n "$old_queue" ] && echo 8 > "$QUEUE" 2>/dev/null; then
    O=$TMP/o
    mkdir -p "$O"
    timeout 120 "$DS" gate --watch --reject --json --settle 300 "$O" > "$TMP/ov.jsonl" 2>/dev/null &
    GPID=$!
    GATE_PIDS+=("$GPID")
    sleep 1                        # the queue size is fixed at inotify_init
    echo "$old_queue" > "$QUEUE"
    for i in $(seq 0 79); do
        if [ $((i % 4)) = 0 ]; then cp "$S/dirty$((i % 20))" "$O/f$i.dirty"; else cp "$S/clean0" "$O/f$i.clean"; fi
    done
    wait_lines "$TMP/ov.jsonl" 80 60
    got=$?
    sleep 1
    stop_gate "$GPID"
    rc=$?
    check_eq "gate --watch overflow: 80 files handled (queue of 8 events)" 0 "$got"
    check_eq "gate --watch overflow: exit 1 (rejected files)" 1 "$rc"
    check_eq "gate --watch overflow: each once, right outcome" ok "$("$PY" - "$TMP/ov.jsonl" <<'EOF'
import collections, json, os, sys
files = [json.loads(l) for l in open(sys.argv[1]) if '"outcome"' in l]
c = collections.Counter(os.path.basename(l['file']) for l in files)
bad = [l['file'] for l in files if l['outcome'] != ('rejected' if l['file'].endswith('.dirty') else 'pass')]
print('ok' if len(c) == 80 and max(c.values()) == 1 and not bad else '%d files, max %d, bad %s' % (len(c), max(c.values() or [0]), bad[:3]))
EOF
)"
else
    skip "gate --watch overflow: cannot lower $QUEUE"
fi
exit 0
