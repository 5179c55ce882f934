#!/bin/bash
# Windows CNG / SymCrypt RSA key objects (issue 9): corpus/symcrypt_mdmp
# writes a Windows x64 minidump whose heap holds a KRSM key wrapper
# pointing to a SYMCRYPT_RSAKEY (n, p, q as MODULUS objects, d, dp, dq as
# INTs, the CRT inverses in Montgomery form) of an RSA-2048 key made here,
# in the current and the older struct layout.  `dumpscrub scan --json`
# must report a verified rsa-private-key whose fingerprint is
# `openssl pkey -pubout -outform DER | sha256sum` of the key, with vaddrs,
# covering every copy of p, q, d, dp, dq (LE limbs); its output must not
# hold p, q or d in any text form; `scrub` must leave none of p, q, d, dp,
# dq (either byte order) and the scrubbed dump must scan clean.  Control:
# the same dump with the modulus's limbs damaged gives no symcrypt finding.
. "$(dirname "$0")/lib.sh"

GEN=$CORPUS_BIN/symcrypt_mdmp
if [ ! -x "$GEN" ] || [ ! -x "$DS" ]; then
    fail "symcrypt: $GEN or $DS not built (make corpus asan)"
    exit 0
fi

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/key.pem" 2>/dev/null ||
    { fail "symcrypt: openssl genpkey failed"; exit 0; }
fp=$(openssl pkey -in "$TMP/key.pem" -pubout -outform DER | sha256sum | cut -d' ' -f1)
openssl pkey -in "$TMP/key.pem" -text -noout > "$TMP/key.txt"

# check_dump NAME DUMP
check_dump() {
    local name=$1 dump=$2 rc
    "$DS" scan --json "$dump" > "$TMP/scan.json" 2> "$TMP/scan.err"; rc=$?
    check_eq "$name: scan exits 1 (secrets found)" 1 "$rc"
    "$DS" scan "$dump" > "$TMP/scan.txt" 2>&1
    python3 - "$dump" "$fp" "$TMP/key.txt" "$name" "$TMP/scan.json" "$TMP/scan.err" \
        "$TMP/scan.txt" <<'PY'
import base64, json, re, sys
dump, fp, keytxt, name, js = sys.argv[1:6]
others = sys.argv[6:]
data = open(dump, 'rb').read()

def res(ok, what):
    print(('PASS ' if ok else 'FAIL ') + name + ': ' + what)

txt = open(keytxt).read()
def field(label):
    m = re.search(r'^' + label + r':\s*\n((?:\s+[0-9a-f:]+\n)+)', txt, re.M)
    return int(m.group(1).replace(':', '').replace(' ', '').replace('\n', ''), 16)
comp = {k: field(l) for k, l in (('p', 'prime1'), ('q', 'prime2'), ('d', 'privateExponent'),
                                 ('dp', 'exponent1'), ('dq', 'exponent2'))}
def le(x): return x.to_bytes((x.bit_length() + 7) // 8, 'little')
def be(x): return x.to_bytes((x.bit_length() + 7) // 8, 'big')

found = [json.loads(l) for l in open(js) if l.strip()]
rsa = [f for f in found if f.get('kind') == 'rsa-private-key']
ok = [f for f in rsa if f.get('confidence') == 'verified' and f.get('fingerprint') == 'sha256:' + fp
      and f.get('detector') == 'symcrypt-rsakey']
res(len(ok) >= 8, 'verified symcrypt-rsakey findings with the key\'s fingerprint (%d of %d rsa findings)'
    % (len(ok), len(rsa)))
res(all(f.get('fingerprint') == 'sha256:' + fp for f in rsa), 'no rsa finding with another fingerprint')
res(all(isinstance(f.get('vaddr'), str) and f['vaddr'].startswith('0x1d4c0c4') for f in ok),
    'findings carry the heap vaddrs of the key objects')
for k, x in comp.items():
    b = le(x)
    pos = [m.start() for m in re.finditer(re.escape(b), data)]
    cov = [p for p in pos if any(f['offset'] <= p and p + len(b) <= f['offset'] + f['length'] for f in ok)]
    res(pos and len(cov) == len(pos), '%s present as LE limbs (%d) and every copy covered (%d)'
        % (k, len(pos), len(cov)))

out = b''.join(open(p, 'rb').read() for p in (js,) + tuple(others))
leak = []
for k in ('p', 'q', 'd'):
    x = comp[k]
    h = '%x' % x
    for form in (h.encode(), h.upper().encode(), base64.b64encode(be(x)), base64.b64encode(le(x)),
                 h[:32].encode(), h[-32:].encode()):
        if form in out:
            leak.append(k)
res(not leak, 'no p, q or d in dumpscrub output' + (' (leaked: %s)' % ','.join(sorted(set(leak))) if leak else ''))
PY
    rm -f "$TMP/scrubbed"
    if "$DS" scrub "$dump" -o "$TMP/scrubbed" > "$TMP/scrub.log" 2>&1; then
        python3 - "$TMP/scrubbed" "$TMP/key.txt" "$name" <<'PY'
import re, sys
path, keytxt, name = sys.argv[1:]
data = open(path, 'rb').read()
txt = open(keytxt).read()
left = []
for l in ('prime1', 'prime2', 'privateExponent', 'exponent1', 'exponent2'):
    m = re.search(r'^' + l + r':\s*\n((?:\s+[0-9a-f:]+\n)+)', txt, re.M)
    x = int(m.group(1).replace(':', '').replace(' ', '').replace('\n', ''), 16)
    b = x.to_bytes((x.bit_length() + 7) // 8, 'little')
    if b in data or b[::-1] in data or b[:24] in data or b[-24:] in data:
        left.append(l)
print(('PASS ' if not left else 'FAIL ') + name + ': scrub leaves none of p, q, d, dp, dq'
      + (' (left: %s)' % ','.join(left) if left else ''))
PY
        check_rc "$name: the scrubbed dump scans clean" 0 "$DS" scan "$TMP/scrubbed"
        check_eq "$name: the scrubbed dump keeps its size" "$(stat -c %s "$dump")" "$(stat -c %s "$TMP/scrubbed")"
    else
        fail "$name: scrub failed ($(tail -1 "$TMP/scrub.log"))"
    fi
}

for layout in current older; do
    opt=
    [ "$layout" = older ] && opt=--older
    if "$GEN" $opt "$TMP/key.pem" "$TMP/$layout.dmp" 2> "$TMP/gen.err"; then
        check_dump "symcrypt minidump ($layout layout)" "$TMP/$layout.dmp"
    else
        fail "symcrypt: generator failed ($layout): $(cat "$TMP/gen.err")"
    fi
done

# Control: damage the modulus limbs (n != p*q): no symcrypt finding.
python3 - "$TMP/current.dmp" "$TMP/key.txt" "$TMP/damaged.dmp" <<'PY'
import re, sys
src, keytxt, dst = sys.argv[1:]
data = bytearray(open(src, 'rb').read())
txt = open(keytxt).read()
m = re.search(r'^modulus:\s*\n((?:\s+[0-9a-f:]+\n)+)', txt, re.M)
n = int(m.group(1).replace(':', '').replace(' ', '').replace('\n', ''), 16)
b = n.to_bytes(256, 'little')
i = data.find(b)
assert i >= 0
data[i + 100] ^= 0x40
open(dst, 'wb').write(data)
PY
"$DS" scan --json "$TMP/damaged.dmp" > "$TMP/damaged.json" 2>/dev/null; rc=$?
check_eq "symcrypt: damaged modulus: the scan runs and finds nothing (exit 0)" 0 "$rc"
check_eq "symcrypt: damaged modulus gives no symcrypt finding" 0 \
    "$(grep -c '"symcrypt-rsakey"' "$TMP/damaged.json")"
