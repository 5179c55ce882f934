#!/bin/bash
# AES key schedules in real processes: corpus/victim_aes holds an
# AES-128-GCM and an AES-256-CBC encryption context and an AES-192-CBC
# decryption context (random keys, printed for the test only).
#  (a) gcore of the waiting victim; (b) the kernel's core of the crashing one.
# `dumpscrub scan --json` must report each as a verified aes-key-schedule of
# the right size whose reported bytes start with (enc) or end with (dec) the
# key, in the byte order reported; no key may appear in dumpscrub's output.
# The only other findings allowed are AES-256 encryption schedules in pairs
# of identical bytes: OpenSSL's CTR-DRBG keeps its (secret) key K expanded
# in two cipher contexts, in every process that uses RAND_bytes.
. "$(dirname "$0")/lib.sh"

VICTIM=$CORPUS_BIN/victim_aes
victim_pid=
cleanup() {
    [ -n "$victim_pid" ] && kill "$victim_pid" 2>/dev/null
    exec 3>&- 2>/dev/null
    _ds_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if [ ! -x "$VICTIM" ] || [ ! -x "$DS" ]; then
    fail "aes victim: $VICTIM or $DS not built (make corpus asan)"
    exit 0
fi

# check_core NAME CORE VICTIM_LINE
check_core() {
    local name=$1 core=$2 line=$3 rc
    "$DS" scan --json "$core" > "$TMP/scan.json" 2> "$TMP/scan.err"; rc=$?
    check_eq "$name: scan exits 1 (secrets found)" 1 "$rc"
    "$DS" scan "$core" > "$TMP/scan.txt" 2>&1
    python3 - "$core" "$line" "$TMP/scan.json" "$TMP/scan.err" "$TMP/scan.txt" "$name" <<'EOF'
import base64, json, sys
core, line, scan, err, txt, name = sys.argv[1:]
f = dict(kv.split('=', 1) for kv in line.split()[1:])
keys = {'128': bytes.fromhex(f['key128']), '256': bytes.fromhex(f['key256']),
        '192dec': bytes.fromhex(f['key192dec'])}
data = open(core, 'rb').read()
found = [json.loads(l) for l in open(scan) if l.strip()]

def res(ok, what):
    print(('PASS ' if ok else 'FAIL ') + name + ': ' + what)

def as_stored(key, enc):
    # the FIPS byte string, or 32-bit words stored little-endian
    if enc == 'bytes':
        return key
    return b''.join(key[i:i + 4][::-1] for i in range(0, len(key), 4))

def matches(fd, key, dec):
    b = data[fd['offset']:fd['offset'] + fd['length']]
    want = as_stored(key[:16], fd.get('encoding'))
    # enc: the schedule starts with the key; dec: ends with its first 16 bytes
    return b[-16:] == want if dec else b[:len(key)] == as_stored(key, fd.get('encoding'))

ours = set()
for label, bits, det in (('128', 128, 'aes-enc'), ('256', 256, 'aes-enc'), ('192dec', 192, 'aes-dec')):
    hit = [i for i, fd in enumerate(found)
           if fd.get('kind') == 'aes-key-schedule' and fd.get('bits') == bits and
           fd.get('detector') == det and matches(fd, keys[label], det == 'aes-dec')]
    ok = [i for i in hit if found[i].get('confidence') == 'verified' and
          found[i]['length'] == {128: 176, 192: 208, 256: 240}[bits]]
    res(len(ok) >= 1, 'AES-%s %s schedule of the printed key: verified, whole span (%s)' % (
        bits, 'decryption' if det == 'aes-dec' else 'encryption',
        ', '.join('%s@%d' % (found[i].get('encoding'), found[i]['offset']) for i in hit) or 'none'))
    ours.update(hit)

# Everything else: AES-256 encryption schedules of OpenSSL's CTR-DRBG, in
# pairs of identical bytes (ctx_ecb and ctx_ctr keyed with the same K).
rest = [fd for i, fd in enumerate(found) if i not in ours]
shape = all(fd.get('kind') == 'aes-key-schedule' and fd.get('bits') == 256 and
            fd.get('detector') == 'aes-enc' and fd.get('confidence') == 'verified' for fd in rest)
blobs = {}
for fd in rest:
    blobs.setdefault(data[fd['offset']:fd['offset'] + fd['length']], []).append(fd['offset'])
pairs = all(len(v) == 2 for v in blobs.values())
res(shape and pairs, 'other findings: only CTR-DRBG AES-256 schedules, in pairs (%d: %s)' % (
    len(rest), ' '.join('%s/%s/%s' % (fd.get('kind'), fd.get('bits'), fd.get('detector')) for fd in rest)))

# No key, in any spelling, in anything dumpscrub printed.
out = open(scan, 'rb').read() + open(err, 'rb').read() + open(txt, 'rb').read()
leak = []
for label, k in keys.items():
    for form in (k, k.hex().encode(), k.hex().upper().encode(), base64.b64encode(k),
                 as_stored(k, 'u32le'), k[:8].hex().encode()):
        if form in out:
            leak.append(label)
res(not leak, 'no key in dumpscrub output' + (' (leaked: %s)' % ','.join(leak) if leak else ''))
EOF
}

# Wait up to 10 s for the victim's line in FILE.
wait_line() {
    local i
    for i in $(seq 100); do
        grep -q '^ready pid=' "$1" 2>/dev/null && { head -1 "$1"; return 0; }
        sleep 0.1
    done
    return 1
}

# (a) gcore of the waiting victim; stdin is a fifo we hold open.
if ! command -v gcore >/dev/null; then
    skip "aes gcore: gcore (gdb) not installed"
else
    mkfifo "$TMP/in"
    "$VICTIM" wait < "$TMP/in" > "$TMP/wait.out" &
    victim_pid=$!
    exec 3> "$TMP/in"
    if line=$(wait_line "$TMP/wait.out"); then
        if gcore -o "$TMP/gcore" "$victim_pid" > "$TMP/gcore.log" 2>&1 &&
           [ -s "$TMP/gcore.$victim_pid" ]; then
            check_core "aes gcore" "$TMP/gcore.$victim_pid" "$line"
            rm -f "$TMP/gcore.$victim_pid"
        else
            skip "aes gcore: gcore failed ($(tail -1 "$TMP/gcore.log"))"
        fi
    else
        fail "aes gcore: the victim printed nothing"
    fi
    exec 3>&-
    wait "$victim_pid"
    check_eq "aes gcore: the victim exits 0 at EOF" 0 $?
    victim_pid=
fi

# (b) the kernel's core of the crashing victim (core_pattern restored on exit).
if ! (ulimit -c unlimited) 2>/dev/null; then
    skip "aes kernel core: cannot raise RLIMIT_CORE"
elif core_pattern_set "$TMP/core.%p"; then
    bash -c 'ulimit -c unlimited; "$0" crash > "$1"' "$VICTIM" "$TMP/crash.out" 2>/dev/null
    rc=$?
    core_pattern_restore
    check_eq "aes kernel core: the victim dies of SIGSEGV" $((128 + 11)) "$rc"
    line=$(head -1 "$TMP/crash.out")
    pid=$(printf '%s\n' "$line" | sed -n 's/.*pid=\([0-9]*\).*/\1/p')
    if [ -n "$pid" ] && [ -s "$TMP/core.$pid" ]; then
        check_core "aes kernel core" "$TMP/core.$pid" "$line"
    else
        fail "aes kernel core: no core at $TMP/core.${pid:-?}"
    fi
else
    skip "aes kernel core: /proc/sys/kernel/core_pattern is not writable"
fi
exit 0
