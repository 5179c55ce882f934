#!/bin/bash
# t_scrub.sh - `dumpscrub scrub` end to end: planted keys in raw files, in
# gcore and kernel-crash cores, in a minidump and in gzip/zstd/xz dumps.
# After the scrub: no private component survives in any encoding, only
# bytes inside reported spans changed, gdb prints the same backtrace and
# `info` the same structure, the report's spans and SHA-256 are right, and
# a compressed dump is never written out in plain.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scrub_lib.sh"

if [ ! -x "$DS" ]; then
    skip "scrub: $DS not built (make asan)"
    exit 0
fi
K=$TMP/keys
if ! sl_keys "$K"; then
    fail "scrub: cannot generate keys with openssl"
    exit 0
fi
KEYS="$K/rsa.pem $K/ec.pem $K/ed.pem"

# ---- raw file with planted PEM and DER keys --------------------------------
R=$TMP/raw
mkdir -p "$R"
sl_plant "$R/plant.bin" 2097152 1 "$K/rsa.pem" "$K/rsa1.der" "$K/ec1.pem" "$K/rsa8.der" "$K/ed.pem"
if ! "$DS" scan --min-confidence likely "$R/plant.bin" >/dev/null 2>&1; then
    nfound=$("$DS" scan --json --min-confidence likely "$R/plant.bin" 2>/dev/null | grep -c '"offset"')
else
    nfound=0
fi
if [ "$nfound" -eq 0 ]; then
    # No detector yet: nothing below would mean anything.
    skip "scrub: the scanner finds none of the planted keys (detectors missing?)"
    exit 0
fi
check "scrub raw: the scanner finds all 5 planted keys ($nfound findings)" test "$nfound" -ge 5
check_rc "scrub raw: exit 0" 0 "$DS" scrub "$R/plant.bin" -o "$R/out.bin" --report "$R/rep.json"
check "scrub raw: output has the input's size" test "$(stat -c %s "$R/plant.bin")" = "$(stat -c %s "$R/out.bin" 2>/dev/null)"
check_rc "scrub raw: output scans clean" 0 "$DS" scan --min-confidence likely "$R/out.bin"
check "scrub raw: no private component survives (raw, LE, hex, base64, UTF-16)" sl_leaks "$R/out.bin" $KEYS
if sl_leaks "$R/plant.bin" $KEYS >/dev/null; then
    fail "scrub raw: the leak check finds nothing in the input itself"
else
    pass "scrub raw: the leak check finds the keys in the input"
fi
check "scrub raw: only bytes inside reported spans changed" sl_changed_within "$R/plant.bin" "$R/out.bin" "$R/rep.json"
check_eq "scrub raw: report input_sha256" "$(sha256sum < "$R/plant.bin" | cut -d' ' -f1)" \
    "$(sl_json_get "$R/rep.json" 'd["input_sha256"]' 2>/dev/null)"
check_eq "scrub raw: report output_sha256" "$(sha256sum < "$R/out.bin" | cut -d' ' -f1)" \
    "$(sl_json_get "$R/rep.json" 'd["output_sha256"]' 2>/dev/null)"
# Every planted key is covered by a reported span, and every span lies in a plant.
cover=$("$PY" - "$R/plant.bin.plan" "$R/rep.json" <<'EOF'
import json, sys
plan = [tuple(map(int, l.split()[:2])) for l in open(sys.argv[1])]
spans = [(s['offset'], s['length']) for s in json.load(open(sys.argv[2]))['spans']]
bad = [p for p in plan if not any(o < p[0] + p[1] and p[0] < o + n for o, n in spans)]
stray = [s for s in spans if not any(p[0] <= s[0] and s[0] + s[1] <= p[0] + p[1] for p in plan)]
need = ('offset', 'length', 'kind', 'confidence', 'detector')
fields = all(all(k in s for k in need) for s in json.load(open(sys.argv[2]))['spans'])
print('ok' if not bad and not stray and fields else 'uncovered=%s stray=%s fields=%s' % (bad, stray, fields))
EOF
)
check_eq "scrub raw: report spans cover every plant, and only plants" ok "$cover"
check "scrub raw: report never holds a secret byte" sl_leaks "$R/rep.json" $KEYS
check_eq "scrub raw: a span's bytes are zeros" 0 "$("$PY" -c '
import json,sys
o=open(sys.argv[1],"rb").read(); print(sum(1 for s in json.load(open(sys.argv[2]))["spans"] if o[s["offset"]:s["offset"]+s["length"]].strip(b"\0")))' "$R/out.bin" "$R/rep.json")"

# --fill: the pattern, restarting at each (merged) span.
check_rc "scrub --fill deadbeef: exit 0" 0 "$DS" scrub "$R/plant.bin" -o "$R/fill.bin" --fill deadbeef --report "$R/fill.json"
check_eq "scrub --fill: span bytes are the pattern" ok "$("$PY" -c '
import json,sys
o=open(sys.argv[1],"rb").read(); sp=sorted((s["offset"],s["offset"]+s["length"]) for s in json.load(open(sys.argv[2]))["spans"])
m=[]
for a,b in sp:
    if m and a<=m[-1][1]: m[-1][1]=max(m[-1][1],b)
    else: m.append([a,b])
pat=bytes.fromhex("deadbeef")
print("ok" if all(o[a:b]==(pat*((b-a)//4+1))[:b-a] for a,b in m) else "bad")' "$R/fill.bin" "$R/fill.json")"
check "scrub --fill: only span bytes changed" sl_changed_within "$R/plant.bin" "$R/fill.bin" "$R/fill.json"
check_rc "scrub --fill zz: usage error" 2 "$DS" scrub "$R/plant.bin" -o "$R/x" --fill zz
check_rc "scrub: -o and --in-place together: usage error" 2 "$DS" scrub "$R/plant.bin" -o "$R/x" --in-place
check_rc "scrub: neither -o nor --in-place: usage error" 2 "$DS" scrub "$R/plant.bin"
check_rc "scrub: stdin refused (cannot be read twice)" 2 "$DS" scrub - -o "$R/x"
check_rc "scrub: missing input" 2 "$DS" scrub "$R/nonexistent" -o "$R/x"

# Verification: a fill pattern that is itself a high-entropy token makes the
# bearer-token rule fire on the output: nothing may be published.
"$PY" -c 'import base64, os, sys
b = bytearray(os.urandom(100000)); t = b"Authorization: Bearer " + base64.b64encode(os.urandom(30)) + b"\n"
b[5000:5000 + len(t)] = t; open(sys.argv[1], "wb").write(b)' "$R/token.bin"
if "$DS" scan --json --min-confidence likely "$R/token.bin" 2>/dev/null | grep -q '"token"'; then
    tokfill=$(printf 'q7Zp3LmX9tR2wK8vB1nY6cH4dF0sJ5gA' | od -An -tx1 | tr -d ' \n')
    check_rc "scrub verification: a token left in the output: exit 2" 2 \
        "$DS" scrub "$R/token.bin" -o "$R/token.out" --fill "$tokfill" --report "$R/token.json"
    check "scrub verification: nothing published" test ! -e "$R/token.out"
    check_eq "scrub verification: the report says so" "False 1 verify" \
        "$(sl_json_get "$R/token.json" 'd["published"], d["remaining_findings"], d["stage"]' 2>/dev/null | tr -d "(),'")"
    cp "$R/token.bin" "$R/token.ip"
    check_rc "scrub verification, --in-place: exit 2" 2 "$DS" scrub "$R/token.ip" --in-place --fill "$tokfill"
    check "scrub verification, --in-place: original intact" cmp -s "$R/token.bin" "$R/token.ip"
    check_rc "scrub of the token with zeros: exit 0" 0 "$DS" scrub "$R/token.bin" -o "$R/token.out"
else
    skip "scrub verification: no bearer-token rule (default rule pack missing?)"
fi

# In place: owner and mode kept, a new inode; a second run leaves it alone.
cp "$R/plant.bin" "$R/ip.bin"
chmod 640 "$R/ip.bin"
chown 1234:2345 "$R/ip.bin" 2>/dev/null
before=$(stat -c '%a %u %g' "$R/ip.bin")
ino=$(stat -c %i "$R/ip.bin")
check_rc "scrub --in-place: exit 0" 0 "$DS" scrub "$R/ip.bin" --in-place
check_eq "scrub --in-place: mode and owner kept" "$before" "$(stat -c '%a %u %g' "$R/ip.bin")"
check "scrub --in-place: same bytes as -o" cmp -s "$R/ip.bin" "$R/out.bin"
ino2=$(stat -c %i "$R/ip.bin")
check "scrub --in-place: replaced by rename (new inode)" test "$ino" != "$ino2"
check_rc "scrub --in-place again: exit 0" 0 "$DS" scrub "$R/ip.bin" --in-place
check_eq "scrub --in-place on a clean file: untouched (same inode)" "$ino2" "$(stat -c %i "$R/ip.bin")"
ln -f "$R/ip.bin" "$R/hardlink.bin"
check_rc "scrub --in-place: refuses a file with other hard links" 2 "$DS" scrub "$R/ip.bin" --in-place
rm -f "$R/hardlink.bin"
ln -sf "$R/plant.bin" "$R/symlink.bin"
check_rc "scrub --in-place: refuses a symlink" 2 "$DS" scrub "$R/symlink.bin" --in-place
head -c 300000 /dev/urandom > "$R/clean.bin"
check_rc "scrub clean -o: exit 0" 0 "$DS" scrub "$R/clean.bin" -o "$R/clean.out"
check "scrub clean -o: output identical" cmp -s "$R/clean.bin" "$R/clean.out"
check "scrub: no temporary files left" test -z "$(ls -A "$R" | grep dumpscrub)"

# A damaged copy: a stack buffer that held the X25519 PKCS#8 key with its
# last 16 bytes since zeroed still parses as a (different) X25519 key.  Its
# zero windows must not become echo needles, or every zero run of the dump,
# the scrubbed bytes included, "holds" it and verification never passes
# (seen in CI on a real gcore).  Every copy must go.
openssl genpkey -algorithm X25519 -outform DER -out "$R/x25519.der" 2>/dev/null
"$PY" - "$R/x25519.der" "$R/damaged.bin" <<'PYEOF'
import os, sys
der = open(sys.argv[1], 'rb').read()
dmg = der[:32] + bytes(16)
out = bytearray(os.urandom(8192)) + bytes(65536)
out[1000:1000 + len(der)] = der
out[5000:5000 + len(dmg)] = dmg
# The damaged key's last nonzero byte, then 7 zeros, then half the secret:
# scrubbed with zeros this becomes that byte and 23 zeros, the damaged
# key's own bytes 15..31.
sec = der[16:]
out[16384:16408] = bytes([sec[15]]) + bytes(7) + sec[:16]
open(sys.argv[2], 'wb').write(out)
PYEOF
check_rc "scrub a real and a half-zeroed X25519 key: exit 0" 0 "$DS" scrub "$R/damaged.bin" -o "$R/damaged.out"
x25519_secret=$(tail -c 32 "$R/x25519.der" | od -An -tx1 | tr -d ' \n')
check "scrub half-zeroed X25519: no 12 bytes of the secret left" "$PY" -c '
import sys
d, k = open(sys.argv[1], "rb").read(), bytes.fromhex(sys.argv[2])
sys.exit(any(k[i:i + 12] in d for i in range(0, 21)))' "$R/damaged.out" "$x25519_secret"

# ---- real cores ---------------------------------------------------------
# gdb_view BIN CORE: the crashing thread's backtrace and registers.  Frame
# arguments are left out: gdb prints a char* argument's string, which for
# the victim is the secret itself.
gdb_view() {
    timeout 60 gdb -batch -nx -iex 'set print frame-arguments none' -iex 'set debuginfod enabled off' \
        -ex bt -ex 'info registers' \
        "$1" "$2" 2>/dev/null | grep -E '^#|^[re]?[a-z0-9]{2,3} +0x|^eflags'
}
# info_view FILE: `dumpscrub info` as seen from FILE's directory, name fixed.
info_view() {
    local d
    d=$(mktemp -d "$TMP/info.XXXXXX")
    ln "$1" "$d/dump" 2>/dev/null || cp "$1" "$d/dump"
    (cd "$d" && "$DS" info dump 2>&1)
    rm -rf "$d"
}
# core_case NAME CORE BIN KEY...: scrub CORE and check everything.
core_case() {
    local name=$1 core=$2 bin=$3
    shift 3
    local out=$core.scrubbed rep=$core.json
    check_rc "scrub $name: exit 0" 0 "$DS" scrub "$core" -o "$out" --report "$rep"
    local n
    n=$(sl_json_get "$rep" 'd["findings"]' 2>/dev/null)
    check "scrub $name: the key was found (${n:-0} findings)" test "${n:-0}" -ge 1
    check "scrub $name: no private component survives" sl_leaks "$out" "$@"
    check "scrub $name: only bytes inside reported spans changed" sl_changed_within "$core" "$out" "$rep"
    check_eq "scrub $name: dumpscrub info unchanged" "$(info_view "$core")" "$(info_view "$out")"
    if [ -n "$bin" ]; then
        local a b
        a=$(gdb_view "$bin" "$core")
        b=$(gdb_view "$bin" "$out")
        if [ -z "$a" ]; then
            skip "scrub $name: gdb prints no backtrace for the original"
        else
            check_eq "scrub $name: gdb backtrace and registers unchanged" "$a" "$b"
        fi
    fi
}

C=$TMP/cores
mkdir -p "$C"
VBIN=$VICTIM
[ -x "$VBIN" ] || VBIN=$PY
if sl_gcore der-pkcs1 "$K/rsa.pem" "$C/g1.core"; then
    core_case "gcore der-pkcs1" "$C/g1.core" "$VBIN" "$K/rsa.pem"
else
    skip "scrub gcore: cannot make a gcore core"
fi
if [ -x "$VICTIM" ] && sl_gcore pem "$K/ec.pem" "$C/g2.core"; then
    core_case "gcore pem (EC)" "$C/g2.core" "$VBIN" "$K/ec.pem"
fi

# A real kernel core: core_pattern to our directory for a moment (the
# shared helper holds a lock against concurrent scripts and restores it).
. "$(dirname "$0")/core_pattern.sh"
trap 'core_pattern_restore; rm -rf "$TMP"' EXIT
kcore=
if core_pattern_set "$C/kernel.%p"; then
    # (In braces with stderr closed: bash reports the crash.)
    {
        if [ -x "$VICTIM" ]; then
            (ulimit -c unlimited; exec "$VICTIM" der-pkcs8 "$K/rsa.pem" crash </dev/null >/dev/null 2>&1)
        else
            (ulimit -c unlimited; exec "$PY" -c 'import os,subprocess,sys
der = subprocess.run(["openssl","pkey","-in",sys.argv[1],"-outform","DER"],capture_output=True).stdout
os.abort()' "$K/rsa.pem" </dev/null >/dev/null 2>&1)
        fi
    } 2>/dev/null
    core_pattern_restore
    kcore=$(ls "$C"/kernel.* 2>/dev/null | head -1)
fi
if [ -n "$kcore" ] && [ -s "$kcore" ]; then
    core_case "kernel core" "$kcore" "$VBIN" "$K/rsa.pem"
    # Minidump made of the same memory.
    if [ -x "$CORPUS_BIN/core2mdmp" ]; then
        if "$CORPUS_BIN/core2mdmp" "$kcore" "$C/k.dmp" >/dev/null 2>&1; then
            core_case "minidump" "$C/k.dmp" "" "$K/rsa.pem"
        else
            fail "scrub minidump: core2mdmp failed on the kernel core"
        fi
    else
        skip "scrub minidump: build/corpus/core2mdmp not built"
    fi
    # Truncated core: the structure cannot be fully read -> exit 3, but
    # what was found is scrubbed and published.
    head -c $(( $(stat -c %s "$kcore") * 9 / 10 )) "$kcore" > "$C/trunc.core"
    if "$DS" scan --json --min-confidence likely "$C/trunc.core" 2>/dev/null | grep -q '"offset"'; then
        check_rc "scrub truncated core: exit 3 (not proven clean)" 3 "$DS" scrub "$C/trunc.core" -o "$C/trunc.out"
        check_eq "scrub truncated core: output published and scrubbed" 0 \
            "$("$DS" scan --json --min-confidence likely "$C/trunc.out" 2>/dev/null | grep -c '"offset"')"
    else
        skip "scrub truncated core: the key is past the cut"
    fi
else
    skip "scrub kernel core: core_pattern not writable or no core produced"
fi

# The victim corpus (corpus/make_corpus.sh DIR), when one is given:
# SCRUB_CORPUS=DIR, or SCAN_CORPUS=DIR as for t_scan_corpus.sh.
CORPUS=${SCRUB_CORPUS:-${SCAN_CORPUS:-}}
if [ -n "$CORPUS" ] && [ -f "$CORPUS/manifest.json" ]; then
    "$PY" - "$CORPUS" "$DS_FAST" "$TMP/corpus" <<'EOF' | grep -E '^(PASS|FAIL|SKIP) '
import json, os, subprocess, sys
root, ds, work = sys.argv[1:]
os.makedirs(work, exist_ok=True)
m = json.load(open(os.path.join(root, 'manifest.json')))
bad_neg = []
for d in m['dumps']:
    path = d['path'] if os.path.isabs(d['path']) else os.path.join(root, d['path'])
    out = os.path.join(work, 'out')
    rc = subprocess.run([ds, 'scrub', path, '-o', out, '-q'], capture_output=True).returncode
    data = open(out, 'rb').read() if rc == 0 else b''
    if d.get('negative'):
        # Certificates, public keys, random data: nothing may change.
        if rc != 0 or data != open(path, 'rb').read():
            bad_neg.append('%s %s' % (d.get('case'), d.get('source')))
        continue
    # Every component of at least 16 bytes, in every encoding a process
    # holds it in: raw big- and little-endian, hex either case, base64 and
    # base64url at each of the 3 alignments it can have inside a longer
    # base64 text (PEM, OpenSSH and PuTTY bodies, JWK members).
    import base64
    left = []
    for n, h in (d.get('components') or {}).items():
        if len(h) < 32:
            continue
        raw = bytes.fromhex(h)
        forms = [raw, raw[::-1], h.lower().encode(), h.upper().encode()]
        for a in range(3):
            b = base64.b64encode(bytes(a) + raw)[(a + 1) if a else 0:][:32]
            forms += [b, b.replace(b'+', b'-').replace(b'/', b'_')]
        if any(f in data for f in forms):
            left.append(n)
    name = 'scrub corpus %s %s' % (d.get('case'), d.get('source'))
    if rc != 0 or left:
        print('FAIL %s: exit %d, left %s' % (name, rc, left))
    else:
        print('PASS %s' % name)
print(('PASS scrub corpus: negative controls unchanged') if not bad_neg else
      ('FAIL scrub corpus: negative controls changed: %s' % bad_neg[:5]))
EOF
else
    skip "scrub corpus: set SCRUB_CORPUS (or SCAN_CORPUS) to a corpus/make_corpus.sh directory"
fi

# ---- compressed dumps: never written in plain -----------------------------
# Correctness with the ASan build on a 4 MiB dump; then the release build
# on a 16 MiB mostly-zero dump (compressed: well under a MiB) written to a
# 2 MiB tmpfs, where a plain copy could not even fit, under strace, which
# shows every file opened for writing and the first bytes of every write:
# only compressed data may reach a file, and only in the target directory.
Z=$TMP/z
mkdir -p "$Z"
sl_plant_sparse "$Z/small" 4194304 "$K/rsa.pem" "$K/rsa1.der" "$K/ec1.pem"
sl_plant_sparse "$Z/dump" 16777216 "$K/rsa.pem" "$K/rsa1.der" "$K/ec1.pem"
check_rc "scrub compressed: plain reference scrubs" 0 "$DS_FAST" scrub "$Z/small" -o "$Z/small.ref" --report "$Z/ref.json"
"$DS_FAST" scrub "$Z/dump" -o "$Z/dump.ref" -q >/dev/null 2>&1
check "scrub compressed: reference holds no private component" sl_leaks "$Z/small.ref" $KEYS
MNT=$TMP/mnt
mkdir -p "$MNT"
mounted=
if mount -t tmpfs -o size=2m tmpfs "$MNT" 2>/dev/null; then
    mounted=1
    trap 'core_pattern_restore; umount "$MNT" 2>/dev/null; rm -rf "$TMP"' EXIT
fi
# trace_verdict TRACE MAGIC: "ok" if only MAGIC-led writes reached files, in $MNT.
trace_verdict() {
    "$PY" - "$1" "$MNT" "$2" <<'EOF'
import re, sys
trace, mnt, magic = sys.argv[1], sys.argv[2], sys.argv[3]
unx = lambda s: re.sub(r'\\x([0-9a-f]{2})', lambda m: chr(int(m.group(1), 16)), s)
inside = lambda p: p.startswith(mnt + '/') or p == mnt
bad, first = [], {}
for line in open(trace):
    m = re.search(r'\b(openat|open|creat)\((.*)\) = (\d+)<([^>]*)>', line)
    if m:
        if m.group(1) == 'creat' or re.search(r'O_WRONLY|O_RDWR|O_CREAT|O_TMPFILE', m.group(2)):
            p = unx(m.group(4))
            if not (inside(p) or p.startswith('/dev/')):
                bad.append('opened for writing: ' + p)
        continue
    m = re.search(r"\b(write|pwrite64|writev|copy_file_range|sendfile|splice)\((\d+)<([^>]*)>(?:\(deleted\))?, (.*)", line)
    if not m:
        continue
    call, path, rest = m.group(1), unx(m.group(3)), m.group(4)
    if call in ('copy_file_range', 'sendfile', 'splice'):
        if any(inside(unx(p)) for p in re.findall(r'\d+<([^>]*)>', line)):
            bad.append('%s into %s (bytes not seen)' % (call, mnt))
        continue
    if path.startswith(('pipe:', 'socket:', '/dev/', 'anon_inode:')):
        continue
    if not inside(path):
        bad.append('%s to %s' % (call, path)); continue
    hx = re.match(r'"((?:\\x[0-9a-f]{2})*)', rest)
    key = path.replace(' (deleted)', '')
    if key not in first and hx:
        first[key] = hx.group(1).replace('\\x', '')
for p, h in first.items():
    if not (h.startswith(magic) or magic.startswith(h)):
        bad.append('first bytes written to %s: %s, not %s' % (p, h, magic))
print('ok' if not bad and first else '; '.join(bad[:3]) or 'no write seen')
EOF
}
for c in gzip zstd xz; do
    case $c in gzip) e=gz; magic=1f8b;; zstd) e=zst; magic=28b52ffd;; xz) e=xz; magic=fd377a585a00;; esac
    if ! command -v $c >/dev/null; then
        skip "scrub $c: $c not installed"
        continue
    fi
    $c -c "$Z/small" > "$Z/small.$e"
    check_rc "scrub $c: exit 0" 0 "$DS" scrub "$Z/small.$e" -o "$Z/out.$e" --report "$Z/$e.json"
    check_eq "scrub $c: output stays $c" "$c" "$(sl_json_get "$Z/$e.json" 'd["output_compression"]' 2>/dev/null)"
    $c -dc "$Z/out.$e" > "$Z/out.$e.plain" 2>/dev/null
    check "scrub $c: decompresses to the plain scrub" cmp -s "$Z/out.$e.plain" "$Z/small.ref"
    check_eq "scrub $c: report input_sha256" "$(sha256sum < "$Z/small.$e" | cut -d' ' -f1)" \
        "$(sl_json_get "$Z/$e.json" 'd["input_sha256"]' 2>/dev/null)"
    check_eq "scrub $c: report output_sha256" "$(sha256sum < "$Z/out.$e" | cut -d' ' -f1)" \
        "$(sl_json_get "$Z/$e.json" 'd["output_sha256"]' 2>/dev/null)"
    check_eq "scrub $c: report spans = plain spans" "$(sl_spans "$Z/ref.json")" "$(sl_spans "$Z/$e.json")"
    rm -f "$Z/out.$e.plain"
    if [ -z "$mounted" ]; then
        skip "scrub $c: nothing plain on disk: cannot mount a tmpfs"
        continue
    fi
    $c -c "$Z/dump" > "$Z/dump.$e"
    rm -f "$MNT"/*
    if command -v strace >/dev/null; then
        strace -f -qq -y -xx -s 8 -e trace=openat,open,creat,write,pwrite64,writev,copy_file_range,sendfile,splice \
            -o "$Z/trace.$e" "$DS_FAST" scrub "$Z/dump.$e" -o "$MNT/out.$e" -q >/dev/null 2>&1
        rc=$?
    else
        "$DS_FAST" scrub "$Z/dump.$e" -o "$MNT/out.$e" -q >/dev/null 2>&1
        rc=$?
    fi
    check_eq "scrub $c of 16 MiB to a 2 MiB tmpfs: exit 0" 0 "$rc"
    check "scrub $c to tmpfs: output decompresses to the plain scrub" cmp -s <($c -dc "$MNT/out.$e") "$Z/dump.ref"
    check_eq "scrub $c to tmpfs: nothing but the output there" "out.$e" "$(ls -A "$MNT")"
    if [ -f "$Z/trace.$e" ]; then
        check_eq "scrub $c: strace: only compressed bytes reach a file, all in the target dir" ok \
            "$(trace_verdict "$Z/trace.$e" "$magic")"
    else
        skip "scrub $c: strace not installed (tmpfs size check only)"
    fi
    cp "$Z/dump.$e" "$MNT/ip.$e"
    check_rc "scrub $c --in-place on the tmpfs: exit 0" 0 "$DS_FAST" scrub "$MNT/ip.$e" --in-place -q
    check "scrub $c --in-place: decompresses to the plain scrub" cmp -s <($c -dc "$MNT/ip.$e") "$Z/dump.ref"
    check_rc "scrub $c --in-place --compress none: refused" 2 "$DS" scrub "$MNT/ip.$e" --in-place --compress none
    rm -f "$MNT"/* "$Z/dump.$e"
done
if command -v zstd >/dev/null; then
    check_rc "scrub --compress zstd from plain: exit 0" 0 "$DS" scrub "$Z/small" -o "$Z/conv.zst" --compress zstd -q
    check "scrub --compress zstd: a zstd file holding the plain scrub" cmp -s <(zstd -dc "$Z/conv.zst") "$Z/small.ref"
    check_rc "scrub --compress none from gzip: exit 0" 0 "$DS" scrub "$Z/small.gz" -o "$Z/conv.plain" --compress none -q
    check "scrub --compress none: the plain scrub" cmp -s "$Z/conv.plain" "$Z/small.ref"
fi
# Concatenated gzip members (gzip -c a >> f) are one dump.
head -c 700000 "$Z/small" | gzip -c > "$Z/multi.gz"
tail -c +700001 "$Z/small" | gzip -c >> "$Z/multi.gz"
check_rc "scrub multi-member gzip: exit 0" 0 "$DS" scrub "$Z/multi.gz" -o "$Z/multi.out.gz" -q
check "scrub multi-member gzip: the plain scrub" cmp -s <(gzip -dc "$Z/multi.out.gz") "$Z/small.ref"
head -c $(( $(stat -c %s "$Z/small.gz") / 2 )) "$Z/small.gz" > "$Z/cut.gz"
check_rc "scrub truncated gzip: exit 2" 2 "$DS" scrub "$Z/cut.gz" -o "$Z/cut.out.gz"
check "scrub truncated gzip: nothing published" test ! -e "$Z/cut.out.gz"
[ -n "$mounted" ] && umount "$MNT"
exit 0
