# tests/scrub_lib.sh - helpers shared by t_scrub.sh, t_scrub_faults.sh and
# t_gate.sh (sourced after tests/lib.sh).  Keys are generated at test time,
# in $TMP, and never leave it.

VICTIM=$CORPUS_BIN/victim_keys
# The interpreter itself: a pyenv shim costs a second or more per call.
if [ -x /usr/bin/python3 ]; then
    PY=/usr/bin/python3
else
    PY=$(python3 -c 'import sys; print(sys.executable)')
fi

# sl_keys DIR: fresh keys in DIR: rsa.pem (PKCS#8), rsa1.der (PKCS#1 DER),
# rsa8.der (PKCS#8 DER), ec.pem (SEC1), ed.pem (Ed25519 PKCS#8).
sl_keys() {
    local d=$1
    mkdir -p "$d" && chmod 700 "$d"
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/rsa.pem" 2>/dev/null &&
    openssl pkey -in "$d/rsa.pem" -outform DER -out "$d/rsa8.der" 2>/dev/null &&
    openssl rsa -in "$d/rsa.pem" -outform DER -traditional -out "$d/rsa1.der" 2>/dev/null &&
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/ec.pem" 2>/dev/null &&
    openssl ec -in "$d/ec.pem" -out "$d/ec1.pem" 2>/dev/null &&
    openssl genpkey -algorithm ED25519 -out "$d/ed.pem" 2>/dev/null
}

# sl_plant OUT SIZE SEED FILE...: SIZE bytes of pseudo-random data with the
# given files' bytes planted at odd offsets; OUT.plan lists "offset length
# file" per plant.  Random data compresses badly: use sl_plant_sparse for
# compressible dumps.
sl_plant() {
    "$PY" - "$@" <<'EOF'
import random, sys
out, size, seed, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
rnd = random.Random(seed)
b = bytearray(rnd.randbytes(size))
plan = []
step = size // (len(files) + 1)
for i, f in enumerate(files):
    data = open(f, 'rb').read()
    off = step * (i + 1) + rnd.randrange(1, 4000) | 1
    b[off:off + len(data)] = data
    plan.append((off, len(data), f))
open(out, 'wb').write(b)
with open(out + '.plan', 'w') as p:
    for off, n, f in plan:
        p.write('%d %d %s\n' % (off, n, f))
EOF
}

# sl_plant_sparse OUT SIZE FILE...: mostly zeros (compresses ~100x), some
# random pages, keys planted.
sl_plant_sparse() {
    "$PY" - "$@" <<'EOF'
import random, sys
out, size, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rnd = random.Random(7)
b = bytearray(size)
for _ in range(size // (1 << 20)):
    o = rnd.randrange(0, size - 4096)
    b[o:o + 4096] = rnd.randbytes(4096)
step = size // (len(files) + 1)
with open(out + '.plan', 'w') as p:
    for i, f in enumerate(files):
        data = open(f, 'rb').read()
        off = step * (i + 1) + 13
        b[off:off + len(data)] = data
        p.write('%d %d %s\n' % (off, len(data), f))
open(out, 'wb').write(b)
EOF
}

# sl_leaks FILE KEY.pem...: does any private component of the keys survive
# in FILE, in any of the encodings a process or a dump may hold it in: raw
# big-endian, little-endian (BIGNUM limbs), hex (both cases), the base64 of
# the PKCS#1/SEC1 and PKCS#8 DER (PEM lines), UTF-16LE of those lines?
# Components are cut into 24-byte windows, so a surviving fragment of 48
# bytes or more is caught.  Prints each hit; exit 1 if any.
sl_leaks() {
    local file=$1 needles
    shift
    needles=$(mktemp "$TMP/needles.XXXXXX")
    "$PY" - "$needles" "$@" <<'EOF'
import base64, re, subprocess, sys
labels = ('privateExponent', 'prime1', 'prime2', 'exponent1', 'exponent2', 'coefficient', 'priv')
def windows(b, w=24):
    if len(b) <= w:
        return [b]
    return [b[i:i + w] for i in range(0, len(b) - w + 1, w)] + [b[-w:]]
out = []
for key in sys.argv[2:]:
    text = subprocess.run(['openssl', 'pkey', '-in', key, '-text', '-noout'], capture_output=True,
                          text=True, check=True).stdout
    comps, cur = {}, None
    for line in text.splitlines():
        m = re.match(r'^(\w+):\s*$', line)
        if m:
            cur = m.group(1) if m.group(1) in labels else None
            if cur: comps[cur] = ''
            continue
        if cur and re.match(r'^\s+[0-9a-f:]+$', line):
            comps[cur] += line.strip().replace(':', '')
        else:
            cur = None
    for name, hx in comps.items():
        v = bytes.fromhex(hx).lstrip(b'\0')
        for w in windows(v):
            out += [(key, name, 'raw', w), (key, name, 'le', w[::-1]),
                    (key, name, 'hex', w.hex().encode()), (key, name, 'HEX', w.hex().upper().encode())]
    for form in (['-traditional'], []):
        der = subprocess.run(['openssl', 'pkey', '-in', key, '-outform', 'DER'] + form,
                             capture_output=True, check=True).stdout
        b64 = base64.b64encode(der).decode()
        for i in range(0, len(b64) - 64, 64):
            piece = b64[i + 12:i + 52]
            out += [(key, 'der' + ''.join(form), 'base64', piece.encode()),
                    (key, 'der' + ''.join(form), 'base64-utf16le', piece.encode('utf-16-le'))]
# grep -F takes one needle per line: a needle holding a newline is split
# into its pieces of 12 bytes or more.
with open(sys.argv[1], 'wb') as f, open(sys.argv[1] + '.names', 'w') as g:
    for key, name, enc, n in out:
        for piece in n.split(b'\n'):
            if len(piece) >= 12:
                f.write(piece + b'\n')
                g.write('%s %s %s %s\n' % (key, name, enc, piece.hex()))
EOF
    if ! LC_ALL=C grep -F -a -q -f "$needles" "$file"; then
        rm -f "$needles" "$needles.names"
        return 0
    fi
    # Found something: say what and where (slow, only on failure).
    "$PY" - "$file" "$needles.names" <<'EOF'
import sys
data = open(sys.argv[1], 'rb').read()
for line in open(sys.argv[2]):
    key, name, enc, hx = line.split()
    at = data.find(bytes.fromhex(hx))
    if at >= 0:
        print('leak: %s %s %s in %s at offset %d' % (key, name, enc, sys.argv[1], at))
EOF
    rm -f "$needles" "$needles.names"
    return 1
}

# sl_spans REPORT: "offset length" of each span in a scrub report.
sl_spans() {
    "$PY" -c 'import json,sys
for s in json.load(open(sys.argv[1]))["spans"]: print(s["offset"], s["length"])' "$1"
}

# sl_changed_within A B REPORT: every byte that differs between A and B
# lies inside a span of REPORT.  Prints the first offending offset.
sl_changed_within() {
    "$PY" - "$1" "$2" "$3" <<'EOF'
import json, sys
a, b = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
if len(a) != len(b):
    print('sizes differ: %d %d' % (len(a), len(b))); sys.exit(1)
spans = sorted((s['offset'], s['offset'] + s['length']) for s in json.load(open(sys.argv[3]))['spans'])
allowed = bytearray(len(a))
for lo, hi in spans:
    allowed[lo:hi] = b'\1' * (hi - lo)
# Compare in blocks; only look at bytes inside differing blocks.
B = 4096
for o in range(0, len(a), B):
    if a[o:o + B] != b[o:o + B]:
        for i in range(o, min(o + B, len(a))):
            if a[i] != b[i] and not allowed[i]:
                print('byte %d changed outside every span' % i); sys.exit(1)
sys.exit(0)
EOF
}

# sl_json_get FILE EXPR: evaluate EXPR over the JSON object d in FILE.
sl_json_get() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# sl_gcore FORM KEY OUT: a live victim holding KEY in FORM, dumped by gcore
# to OUT.  Uses build/corpus/victim_keys, else a python3 process holding
# the PEM text and the DER bytes.  Returns 1 if no core could be made.
sl_gcore() {
    local form=$1 key=$2 out=$3 ready=$TMP/ready.$$ fifo=$TMP/fifo.$$ pid= vpid
    command -v gcore >/dev/null || return 1
    rm -f "$ready" "$fifo"
    mkfifo "$fifo" || return 1
    if [ -x "$VICTIM" ]; then
        # It waits for EOF on stdin: the fifo, held open by fd 8 below
        # (fd 9 is core_pattern.sh's lock).
        "$VICTIM" "$form" "$key" wait > "$ready" 2>/dev/null < "$fifo" &
    else
        "$PY" -c 'import os, subprocess, sys
pem = open(sys.argv[1], "rb").read()
der = subprocess.run(["openssl", "pkey", "-in", sys.argv[1], "-outform", "DER"], capture_output=True).stdout
print("ready pid=%d" % os.getpid(), flush=True)
sys.stdin.read()' "$key" > "$ready" < "$fifo" &
    fi
    vpid=$!
    exec 8> "$fifo"
    for _ in $(seq 100); do
        pid=$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$ready" 2>/dev/null)
        [ -n "$pid" ] && break
        sleep 0.1
    done
    [ -n "$pid" ] && timeout 60 gcore -o "$out.gc" "$pid" >/dev/null 2>&1
    exec 8>&-
    wait "$vpid" 2>/dev/null
    rm -f "$fifo"
    [ -n "$pid" ] && [ -s "$out.gc.$pid" ] && mv "$out.gc.$pid" "$out"
}
