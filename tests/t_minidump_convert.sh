#!/bin/bash
# t_minidump_convert.sh - a live process -> gcore -> corpus/core2mdmp (both
# memory-list variants) -> the minidump reader (test_minidump --probe).
#
# Checks: both minidumps read completely; their memory region tables are
# identical and equal to the core's PT_LOADs with data; the victim's heap
# and stack addresses fall in regions ([heap], a [stack:TID] for its
# thread) whose bytes in the minidump equal the core's bytes at the same
# virtual address (dd + cmp) and hold what the victim wrote there.
. "$(dirname "$0")/lib.sh"

VICTIM=$CORPUS_BIN/victim_basic
CONV=$CORPUS_BIN/core2mdmp
PROBE=${PROBE:-$TOP/build-asan/tests/test_minidump}

for need in "$VICTIM" "$CONV" "$PROBE"; do
    if [ ! -x "$need" ]; then
        skip "minidump convert: $need not built"
        exit 0
    fi
done
if ! command -v gcore >/dev/null 2>&1; then
    skip "minidump convert: gcore (gdb) not installed"
    exit 0
fi

# The victim waits until its stdin closes: keep the write end in a coproc.
coproc VICTIM_P { exec "$VICTIM" wait; }
vpid=$VICTIM_P_PID
line=
read -r -t 20 line <&"${VICTIM_P[0]}"
heap=$(sed -n 's/.*heap=\(0x[0-9a-f]*\).*/\1/p' <<<"$line")
stack=$(sed -n 's/.*stack=\(0x[0-9a-f]*\).*/\1/p' <<<"$line")
pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$line")
if [ -z "$heap" ] || [ -z "$pid" ]; then
    fail "minidump convert: victim said '$line'"
    kill "$vpid" 2>/dev/null
    exit 0
fi
timeout 120 gcore -o "$TMP/core" "$pid" >"$TMP/gcore.log" 2>&1
grc=$?
eval "exec ${VICTIM_P[1]}>&-"       # EOF on its stdin: the victim exits
wait "$vpid" 2>/dev/null
core=$TMP/core.$pid
if [ $grc -ne 0 ] || [ ! -s "$core" ]; then
    # No ptrace here (containers): not a failure of the code under test.
    skip "minidump convert: gcore failed ($(tail -1 "$TMP/gcore.log"))"
    exit 0
fi
pass "minidump convert: gcore of victim_basic"

check_rc "minidump convert: core2mdmp --memory-list" 0 "$CONV" --memory-list "$core" "$TMP/ml.dmp"
check_rc "minidump convert: core2mdmp --memory64" 0 "$CONV" --memory64 "$core" "$TMP/m64.dmp"
check_rc "minidump convert: refuses a non-core" 1 "$CONV" "$TMP/ml.dmp" "$TMP/x.dmp"

"$PROBE" --probe "$TMP/ml.dmp" >"$TMP/ml.txt" 2>"$TMP/ml.err"
"$PROBE" --probe "$TMP/m64.dmp" >"$TMP/m64.txt" 2>"$TMP/m64.err"
check_eq "minidump convert: memory-list variant read completely" "rc 0" "$(head -1 "$TMP/ml.txt")"
check_eq "minidump convert: memory64 variant read completely" "rc 0" "$(head -1 "$TMP/m64.txt")"

# Region tables (vaddr, size) of both variants, and the core's PT_LOADs.
grep '^region' "$TMP/ml.txt" | grep -v 'label=\[stack:' | awk '{print $2, $3}' >"$TMP/ml.reg"
grep '^region' "$TMP/m64.txt" | grep -v 'label=\[stack:' | awk '{print $2, $3}' >"$TMP/m64.reg"
python3 - "$core" >"$TMP/core.reg" <<'EOF'
import struct, sys
b = open(sys.argv[1], 'rb').read()
phoff, = struct.unpack_from('<Q', b, 0x20)
phentsize, phnum = struct.unpack_from('<HH', b, 0x36)
if phnum == 0xffff:                       # PN_XNUM: the count is in section 0
    shoff, = struct.unpack_from('<Q', b, 0x28)
    phnum, = struct.unpack_from('<I', b, shoff + 44)
for i in range(phnum):
    t, f, off, va, pa, fsz, msz = struct.unpack_from('<IIQQQQQ', b, phoff + i * phentsize)
    if t == 1 and fsz:
        print('vaddr=0x%x msize=0x%x' % (va, fsz))
EOF
check "minidump convert: some memory regions" test -s "$TMP/ml.reg"
check "minidump convert: both variants give the same region table" cmp -s "$TMP/ml.reg" "$TMP/m64.reg"
check "minidump convert: region table = the core's PT_LOADs with data" \
    cmp -s <(sort "$TMP/ml.reg") <(sort "$TMP/core.reg")

# FILE ADDR: "label off fsize-left" of the region holding ADDR in a probe.
locate() {
    python3 - "$1" "$2" <<'EOF'
import re, sys
addr = int(sys.argv[2], 16)
best = None
for l in open(sys.argv[1]):
    if not l.startswith('region '):
        continue
    f = dict(kv.split('=', 1) for kv in l.split()[1:])
    va, fs, off = int(f['vaddr'], 16), int(f['fsize'], 16), int(f['off'], 16)
    if va <= addr < va + fs:
        best = (f['label'], off + addr - va, va + fs - addr)
        if f['label'].startswith('[stack:'):   # the most specific label
            break
if best:
    print(best[0], best[1], best[2])
EOF
}
# CORE ADDR: file offset of ADDR in the core's PT_LOADs.
core_off() {
    python3 - "$1" "$2" <<'EOF'
import struct, sys
b = open(sys.argv[1], 'rb').read()
addr = int(sys.argv[2], 16)
phoff, = struct.unpack_from('<Q', b, 0x20)
phentsize, phnum = struct.unpack_from('<HH', b, 0x36)
if phnum == 0xffff:
    shoff, = struct.unpack_from('<Q', b, 0x28)
    phnum, = struct.unpack_from('<I', b, shoff + 44)
for i in range(phnum):
    t, f, off, va, pa, fsz, msz = struct.unpack_from('<IIQQQQQ', b, phoff + i * phentsize)
    if t == 1 and va <= addr < va + fsz:
        print(off + addr - va)
EOF
}
bytes_at() { dd if="$1" bs=1 skip="$2" count="$3" 2>/dev/null | od -v -An -tx1 | tr -d ' \n'; }
# PROBE DMP CORE: every region's bytes in the minidump against the core's
# bytes at the same virtual address; prints "regions bytes mismatches".
compare_all() {
    python3 - "$1" "$2" "$3" <<'EOF'
import struct, sys
probe, dmp, core = sys.argv[1:4]
d = open(dmp, 'rb').read()
b = open(core, 'rb').read()
phoff, = struct.unpack_from('<Q', b, 0x20)
phentsize, phnum = struct.unpack_from('<HH', b, 0x36)
if phnum == 0xffff:
    shoff, = struct.unpack_from('<Q', b, 0x28)
    phnum, = struct.unpack_from('<I', b, shoff + 44)
loads = []
for i in range(phnum):
    t, f, off, va, pa, fsz, msz = struct.unpack_from('<IIQQQQQ', b, phoff + i * phentsize)
    if t == 1 and fsz:
        loads.append((va, fsz, off))
n = nbytes = bad = 0
for l in open(probe):
    if not l.startswith('region '):
        continue
    f = dict(kv.split('=', 1) for kv in l.split()[1:])
    va, fs, off = int(f['vaddr'], 16), int(f['fsize'], 16), int(f['off'], 16)
    src = [x for x in loads if x[0] <= va and va + fs <= x[0] + x[1]]
    n += 1
    nbytes += fs
    if not src or d[off:off + fs] != b[src[0][2] + va - src[0][0]:][:fs]:
        bad += 1
print(n, nbytes, bad)
EOF
}

for variant in ml m64; do
    dmp=$TMP/$variant.dmp
    read -r nreg nbytes nbad <<<"$(compare_all "$TMP/$variant.txt" "$dmp" "$core")"
    check_eq "minidump convert ($variant): bytes of all ${nreg:-0} regions (${nbytes:-0} B) equal the core's" \
        0 "${nbad:-missing}"
    read -r hlabel hoff hleft <<<"$(locate "$TMP/$variant.txt" "$heap")"
    check_eq "minidump convert ($variant): heap address in the [heap] region" "[heap]" "$hlabel"
    coff=$(core_off "$core" "$heap")
    if [ -n "$hoff" ] && [ -n "$coff" ] && [ "${hleft:-0}" -ge 64 ]; then
        mine=$(bytes_at "$dmp" "$hoff" 64)
        theirs=$(bytes_at "$core" "$coff" 64)
        check_eq "minidump convert ($variant): 64 heap bytes equal the core's" "$theirs" "$mine"
        check_eq "minidump convert ($variant): heap holds the victim's 'h' bytes" \
            "$(printf '68%.0s' $(seq 64))" "$mine"
    else
        fail "minidump convert ($variant): heap bytes not found (dmp '$hoff' core '$coff')"
    fi
    read -r slabel soff sleft <<<"$(locate "$TMP/$variant.txt" "$stack")"
    check_eq "minidump convert ($variant): stack address in the thread's stack" "[stack:$pid]" "$slabel"
    coff=$(core_off "$core" "$stack")
    if [ -n "$soff" ] && [ -n "$coff" ]; then
        n=$(( sleft < 64 ? sleft : 64 ))
        check_eq "minidump convert ($variant): stack bytes equal the core's" \
            "$(bytes_at "$core" "$coff" "$n")" "$(bytes_at "$dmp" "$soff" "$n")"
    else
        fail "minidump convert ($variant): stack bytes not found"
    fi
    info=$(grep '^info ' "$TMP/$variant.txt")
    check "minidump convert ($variant): pid $pid" grep -q " pid=$pid " <<<"$info"
    check "minidump convert ($variant): x86_64 linux" grep -q "arch=x86_64 os=linux" <<<"$info"
    check "minidump convert ($variant): thread $pid with sp and pc" \
        grep -Eq "^thread tid=$pid sp=0x[1-9a-f][0-9a-f]* pc=0x[1-9a-f]" "$TMP/$variant.txt"
    check_eq "minidump convert ($variant): process name" "process victim_basic" \
        "$(grep '^process ' "$TMP/$variant.txt")"
    check "minidump convert ($variant): main module first" \
        grep -Eq '^module .*name=.*/victim_basic$' <(grep -m1 '^module ' "$TMP/$variant.txt")
done
exit 0
