#!/bin/bash
# demo.sh - `make demo`: a process holding an RSA signing key is dumped
# (gcore, like a crash dump), dumpscrub finds the key in the dump, names it
# by the SHA-256 of its public key, and (when `scrub` is built) scrubs it.
# Leaves build/demo/demo.core (and demo.scrubbed.core) to look at; the key
# file itself lives in a temporary directory removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
DS=build/dumpscrub
VICTIM=build/corpus/victim_keys
OUT=build/demo
for f in "$DS" "$VICTIM"; do
    [ -x "$f" ] || { echo "demo: $f is not built (make)" >&2; exit 2; }
done
for t in openssl gcore python3; do
    command -v "$t" >/dev/null || { echo "demo: $t not found (make bootstrap)" >&2; exit 2; }
done
mkdir -p "$OUT"
chmod 700 "$OUT"
rm -f "$OUT/demo.core" "$OUT/demo.scrubbed.core"
KEYDIR=$(mktemp -d "${TMPDIR:-/tmp}/dsdemo.XXXXXX")
VPID=''
HOLD=''
cleanup() {
    if [ -n "$VPID" ]; then kill "$VPID" 2>/dev/null || true; fi
    if [ -n "$HOLD" ]; then kill "$HOLD" 2>/dev/null || true; fi
    rm -rf "$KEYDIR"
}
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "1. A fresh RSA-2048 signing key (generated now, never stored in the repo)"
run openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$KEYDIR/signing-key.pem" 2>/dev/null
echo "   -> $KEYDIR/signing-key.pem (deleted when the demo ends)"

step "2. A 'signing service' loads it and keeps it in memory as DER (PKCS#8), as real services do"
exec 7< <(exec sleep 300 2>/dev/null)   # the victim waits until this pipe closes
HOLD=$!
env -i PATH=/usr/bin:/bin "$VICTIM" der-pkcs8 "$KEYDIR/signing-key.pem" wait <&7 >"$KEYDIR/ready" &
VPID=$!
for _ in $(seq 1 100); do grep -q '^ready' "$KEYDIR/ready" && break; sleep 0.05; done
READY=$(cat "$KEYDIR/ready")
echo "$ $VICTIM der-pkcs8 signing-key.pem wait &"
echo "   $READY"
ADDR=$(echo "$READY" | sed -n 's/.*addr=\(0x[0-9a-f]*\).*/\1/p')

step "3. The process is dumped, as a crash handler would (gdb's gcore)"
run gcore -o "$OUT/demo.tmp" "$VPID" >/dev/null 2>&1
mv "$OUT/demo.tmp.$VPID" "$OUT/demo.core"
kill "$VPID" 2>/dev/null || true; wait "$VPID" 2>/dev/null || true; VPID=
exec 7<&-
kill "$HOLD" 2>/dev/null || true; HOLD=
echo "   -> $OUT/demo.core, $(stat -c %s "$OUT/demo.core") bytes: the key is in there, in the heap at $ADDR"

step "4. What is in the dump"
echo "\$ $DS info $OUT/demo.core | head -30"
"$DS" info "$OUT/demo.core" | head -30 || true

step "5. Scan it"
rc=0
run "$DS" scan "$OUT/demo.core" || rc=$?
echo "   exit code $rc (0 clean, 1 secrets found, 2 error, 3 not fully read)"

step "6. The fingerprint names the key: SHA-256 of its DER SubjectPublicKeyInfo"
echo "\$ openssl pkey -in signing-key.pem -pubout -outform DER | sha256sum"
WANT=sha256:$(openssl pkey -in "$KEYDIR/signing-key.pem" -pubout -outform DER | sha256sum | cut -d' ' -f1)
echo "   $WANT"
GOT=$("$DS" scan --json "$OUT/demo.core" | python3 -c '
import json, sys
addr = int(sys.argv[1], 16)
fs = [json.loads(l) for l in sys.stdin if l.strip()]
heap = [f for f in fs if "vaddr" in f and int(f["vaddr"], 16) <= addr < int(f["vaddr"], 16) + f["length"]]
print(" ".join(sorted({f.get("fingerprint", "-") for f in (heap or fs)})))' "$ADDR" || true)
echo "   dumpscrub reported (the finding at $ADDR): ${GOT:-nothing}"
if [ "$GOT" = "$WANT" ]; then
    echo "   MATCH: the dump leaks exactly this signing key"
else
    echo "   MISMATCH: expected $WANT" >&2
    exit 1
fi

if "$DS" scrub --help >/dev/null 2>&1; then
    step "7. Scrub it: overwrite the key, verify, write a new file"
    run "$DS" scrub "$OUT/demo.core" -o "$OUT/demo.scrubbed.core" || { echo "demo: scrub failed" >&2; exit 1; }
    step "8. Scan the scrubbed dump"
    rc=0
    run "$DS" scan "$OUT/demo.scrubbed.core" || rc=$?
    if [ $rc -eq 0 ]; then
        echo "   exit code 0: $OUT/demo.scrubbed.core is clean"
    else
        echo "   exit code $rc: the scrubbed dump is NOT clean" >&2
        exit 1
    fi
fi
echo
echo "demo: done; look at $OUT/demo.core${GOT:+ and try: $DS scan --json $OUT/demo.core}"
