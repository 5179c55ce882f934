#!/bin/bash
# RSA keys in their in-memory form (issue 9, the Storm-0558 case):
# corpus/victim_rsamem loads an RSA-2048 / RSA-4096 key from PEM, signs
# once, cleanses and frees the PEM text; only OpenSSL's BIGNUM limb arrays
# remain.  For (a) gcore of the waiting victim, (b) the kernel's core of the
# crashing one and (c) each converted to a minidump (core2mdmp --memory64),
# `dumpscrub scan --json` must report a verified rsa-private-key with the
# fingerprint `openssl pkey -pubout -outform DER | sha256sum` prints, found
# blind and with --known-keys cert.pem (a self-signed cert of the key); the
# reported bytes must cover p, q and d; dumpscrub's output never holds p, q
# or d (hex either case, base64 of either byte order); `scrub` leaves no
# copy of p, q, d, dp, dq or qinv in either byte order.  The PEM text and
# the DER key must not be in the core (so the finding really comes from
# the in-memory form).
. "$(dirname "$0")/lib.sh"

VICTIM=$CORPUS_BIN/victim_rsamem
MDMP=$CORPUS_BIN/core2mdmp
victim_pid=
cleanup() {
    [ -n "$victim_pid" ] && kill "$victim_pid" 2>/dev/null
    exec 3>&- 2>/dev/null
    _ds_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if [ ! -x "$VICTIM" ] || [ ! -x "$DS" ]; then
    fail "rsamem victim: $VICTIM or $DS not built (make corpus asan)"
    exit 0
fi

# check_core NAME CORE KEY CERT
check_core() {
    local name=$1 core=$2 key=$3 cert=$4 rc fp
    fp=$(openssl pkey -in "$key" -pubout -outform DER | sha256sum | cut -d' ' -f1)
    "$DS" scan --json "$core" > "$TMP/blind.json" 2> "$TMP/blind.err"; rc=$?
    check_eq "$name: blind scan exits 1 (secrets found)" 1 "$rc"
    "$DS" scan --json --known-keys "$cert" "$core" > "$TMP/known.json" 2> "$TMP/known.err"; rc=$?
    check_eq "$name: --known-keys scan exits 1" 1 "$rc"
    "$DS" scan "$core" > "$TMP/scan.txt" 2>&1
    openssl pkey -in "$key" -text -noout > "$TMP/key.txt"
    python3 - "$core" "$fp" "$TMP/key.txt" "$key" "$name" "$TMP/blind.json" "$TMP/known.json" \
        "$TMP/blind.err" "$TMP/known.err" "$TMP/scan.txt" <<'PY'
import base64, json, re, sys
core, fp, keytxt, keypem, name, blind, known = sys.argv[1:8]
others = sys.argv[8:]
data = open(core, 'rb').read()

def res(ok, what):
    print(('PASS ' if ok else 'FAIL ') + name + ': ' + what)

# p, q, d from `openssl pkey -text`
txt = open(keytxt).read()
def field(label):
    m = re.search(r'^' + label + r':\s*\n((?:\s+[0-9a-f:]+\n)+)', txt, re.M)
    return int(m.group(1).replace(':', '').replace(' ', '').replace('\n', ''), 16)
comp = {k: field(l) for k, l in (('p', 'prime1'), ('q', 'prime2'), ('d', 'privateExponent'))}
def le(x): return x.to_bytes((x.bit_length() + 7) // 8, 'little')
def be(x): return x.to_bytes((x.bit_length() + 7) // 8, 'big')

for label, path in (('blind', blind), ('known-keys', known)):
    found = [json.loads(l) for l in open(path) if l.strip()]
    rsa = [f for f in found if f.get('kind') == 'rsa-private-key']
    ok = [f for f in rsa if f.get('confidence') == 'verified' and f.get('fingerprint') == 'sha256:' + fp]
    res(len(ok) >= 1, '%s: verified rsa-private-key with the key\'s fingerprint (%d of %d rsa findings)'
        % (label, len(ok), len(rsa)))
    res(all(f.get('fingerprint') == 'sha256:' + fp for f in rsa),
        '%s: no rsa finding with another fingerprint' % label)
    covered = set()
    for f in ok:
        b = data[f['offset']:f['offset'] + f['length']]
        for k, x in comp.items():
            if le(x) in b or be(x) in b:
                covered.add(k)
    res(covered == set(comp), '%s: findings cover p, q and d (%s)' % (label, ','.join(sorted(covered)) or 'none'))

out = b''.join(open(p, 'rb').read() for p in (blind, known) + tuple(others))
leak = []
for k, x in comp.items():
    h = '%x' % x
    for form in (h.encode(), h.upper().encode(), base64.b64encode(be(x)), base64.b64encode(le(x)),
                 h[:32].encode(), h[-32:].encode()):
        if form in out:
            leak.append(k)
res(not leak, 'no p, q or d in dumpscrub output' + (' (leaked: %s)' % ','.join(sorted(set(leak))) if leak else ''))

# The key's text forms are gone: what is found is the in-memory form.
pem = open(keypem, 'rb').read()
lines = [l for l in pem.split(b'\n') if l and not l.startswith(b'-----')]
der = base64.b64decode(b''.join(lines))
text_left = sum(1 for l in lines if l in data)
res(text_left == 0 and der[:64] not in data and der[-64:] not in data,
    'neither the PEM text nor the DER key is in the core (%d PEM lines left)' % text_left)
PY
    # scrub: every copy of p, q, d, dp, dq, qinv in either byte order is gone
    if "$DS" scrub "$core" -o "$TMP/scrubbed" > "$TMP/scrub.log" 2>&1; then
        python3 - "$TMP/scrubbed" "$TMP/key.txt" "$name" <<'PY'
import re, sys
path, keytxt, name = sys.argv[1:]
data = open(path, 'rb').read()
txt = open(keytxt).read()
left = []
for l in ('prime1', 'prime2', 'privateExponent', 'exponent1', 'exponent2', 'coefficient'):
    m = re.search(r'^' + l + r':\s*\n((?:\s+[0-9a-f:]+\n)+)', txt, re.M)
    x = int(m.group(1).replace(':', '').replace(' ', '').replace('\n', ''), 16)
    b = x.to_bytes((x.bit_length() + 7) // 8, 'little')
    if b in data or b[::-1] in data:
        left.append(l)
print(('PASS ' if not left else 'FAIL ') + name + ': scrub removes every private component'
      + (' (left: %s)' % ','.join(left) if left else ''))
PY
    else
        fail "$name: scrub failed ($(tail -1 "$TMP/scrub.log"))"
    fi
    rm -f "$TMP/scrubbed"
}

wait_line() {
    local i
    for i in $(seq 100); do
        grep -q '^ready pid=' "$1" 2>/dev/null && { head -1 "$1"; return 0; }
        sleep 0.1
    done
    return 1
}

# as_minidump NAME CORE KEY CERT: the same checks on core2mdmp's minidump.
as_minidump() {
    if [ ! -x "$MDMP" ]; then
        skip "$1 minidump: $MDMP not built"
    elif "$MDMP" --memory64 "$2" "$TMP/conv.dmp" > "$TMP/mdmp.log" 2>&1; then
        check_core "$1 minidump" "$TMP/conv.dmp" "$3" "$4"
    else
        fail "$1 minidump: core2mdmp failed ($(tail -1 "$TMP/mdmp.log"))"
    fi
    rm -f "$TMP/conv.dmp"
}

kernel_ok=0
if ! (ulimit -c unlimited) 2>/dev/null; then
    kernel_why="cannot raise RLIMIT_CORE"
elif core_pattern_set "$TMP/core.%p"; then
    kernel_ok=1     # restored by cleanup() on exit
else
    kernel_why="/proc/sys/kernel/core_pattern is not writable"
fi

for bits in 2048 4096; do
    key=$TMP/k$bits.pem cert=$TMP/c$bits.pem
    if ! openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:$bits -out "$key" 2>/dev/null ||
       ! openssl req -x509 -new -key "$key" -subj "/CN=rsamem test $bits" -days 2 -out "$cert" 2>/dev/null; then
        fail "rsamem $bits: cannot make the key and certificate"
        continue
    fi
    # (a) gcore of the waiting victim
    if ! command -v gcore >/dev/null; then
        skip "rsamem $bits gcore: gcore (gdb) not installed"
    else
        rm -f "$TMP/in"; mkfifo "$TMP/in"
        "$VICTIM" "$key" wait < "$TMP/in" > "$TMP/wait.out" &
        victim_pid=$!
        exec 3> "$TMP/in"
        if wait_line "$TMP/wait.out" >/dev/null; then
            if gcore -o "$TMP/gcore" "$victim_pid" > "$TMP/gcore.log" 2>&1 &&
               [ -s "$TMP/gcore.$victim_pid" ]; then
                check_core "rsamem $bits gcore" "$TMP/gcore.$victim_pid" "$key" "$cert"
                as_minidump "rsamem $bits gcore" "$TMP/gcore.$victim_pid" "$key" "$cert"
                rm -f "$TMP/gcore.$victim_pid"
            else
                skip "rsamem $bits gcore: gcore failed ($(tail -1 "$TMP/gcore.log"))"
            fi
        else
            fail "rsamem $bits gcore: the victim printed nothing"
        fi
        exec 3>&-
        wait "$victim_pid"
        check_eq "rsamem $bits gcore: the victim exits 0 at EOF" 0 $?
        victim_pid=
    fi
    # (b) the kernel's core of the crashing victim
    if [ "$kernel_ok" != 1 ]; then
        skip "rsamem $bits kernel core: $kernel_why"
        continue
    fi
    bash -c 'ulimit -c unlimited; "$0" "$1" crash > "$2"' "$VICTIM" "$key" "$TMP/crash.out" 2>/dev/null
    check_eq "rsamem $bits kernel core: the victim dies of SIGSEGV" $((128 + 11)) "$?"
    pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' "$TMP/crash.out" | head -1)
    if [ -n "$pid" ] && [ -s "$TMP/core.$pid" ]; then
        check_core "rsamem $bits kernel core" "$TMP/core.$pid" "$key" "$cert"
        as_minidump "rsamem $bits kernel core" "$TMP/core.$pid" "$key" "$cert"
        rm -f "$TMP/core.$pid"
    else
        fail "rsamem $bits kernel core: no core at $TMP/core.${pid:-?}"
    fi
done
exit 0
