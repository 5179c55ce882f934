#!/bin/bash
# The crash hook (issue 5): `dumpscrub hook` as the kernel's core_pattern
# pipe handler, install-hook / uninstall-hook.
#
#  (a) direct runs of the ASan build on gcore'd cores fed through stdin:
#      a PEM key is scrubbed, the log line is written; a failure (the
#      output cannot be written: RLIMIT_FSIZE) stores nothing with
#      --on-error drop and only header + notes with metadata-only;
#  (a2) the spool path (a core over the memory budget): a prime of the key
#      streamed past long before the key is found is removed as an echo,
#      only bytes inside reported spans change;
#  (b) SIGKILL while the hook waits on a slow stdin: its spool is an
#      unnamed file whose bytes hold no key component in clear, and after
#      the kill nothing at all is left in the output directory;
#  (c) install-hook / uninstall-hook round trip (a pattern file; then the
#      real core_pattern, under tests/core_pattern.sh's lock);
#  (d) end to end through the kernel (release build: ASan is slow in a
#      pipe handler): victims holding a PEM key, a DER key, an in-memory
#      RSA key and AES contexts crash; the stored cores hold none of
#      their private components, gdb shows crash_here in the backtrace,
#      the report and the log line are there; --pipe-to-previous hands
#      the scrubbed core to the handler install-hook replaced;
#  (e) a 1 GiB core with --max-memory 64M: the hook's peak RSS (getrusage,
#      in its report) stays under 64 MiB, the key found at the end of the
#      heap and its prime near the start are both gone, the size is right.
# Keys are generated at test time.  The kernel's pattern is at most 127
# bytes: the hook's binary is reached through a symlink in a short
# directory /tmp/dh.XXXXXX.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/scrub_lib.sh"

SH=$(mktemp -d /tmp/dh.XXXXXX)
chmod 755 "$SH"
victim_pid=
cleanup() {
    [ -n "$victim_pid" ] && kill "$victim_pid" 2>/dev/null
    [ -n "${hook_pid:-}" ] && kill -9 "$hook_pid" 2>/dev/null
    exec 3>&- 2>/dev/null
    _ds_cleanup
    rm -rf "$SH"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

for b in "$DS" "$DS_FAST" "$CORPUS_BIN/victim_keys" "$CORPUS_BIN/victim_bigheap"; do
    if [ ! -x "$b" ]; then
        fail "hook: $b not built (make build/dumpscrub corpus asan)"
        exit 0
    fi
done

for c in hook install-hook uninstall-hook; do
    out=$("$DS" $c --help); rc=$?
    check_eq "$c --help exits 0" 0 "$rc"
    case "$out" in *"usage: dumpscrub $c"*Exit:*) pass "$c --help documents usage and exit codes" ;;
                   *) fail "$c --help text" ;; esac
done
check_rc "hook without --out-dir exits 2" 2 "$DS" hook -- 1
check_rc "hook without %P exits 2" 2 "$DS" hook -o "$TMP/x"
check_rc "hook with a non-numeric %P exits 2" 2 "$DS" hook -o "$TMP/x" -- 12x
check_rc "hook --max-memory below 16M exits 2" 2 "$DS" hook -o "$TMP/x" --max-memory 1M -- 1
check_rc "uninstall-hook with nothing saved exits 2" 2 "$DS" uninstall-hook \
    --core-pattern-file /dev/null --sysctl-dir "$TMP" --state-dir "$TMP/none"

K=$TMP/keys
sl_keys "$K" || { fail "hook: cannot generate keys"; exit 0; }
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/rsa2.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/rsa3.pem" 2>/dev/null

# pem_lines FILE KEY...: does a base64 line of the keys' PEM text (its
# middle 40 characters) occur in FILE?  (sl_leaks covers the components and
# the PKCS#1 DER's base64; this covers the PEM as the key file holds it.)
pem_lines() {
    local file=$1; shift
    grep -hv -- '-----' "$@" | cut -c13-52 | awk 'length($0) >= 24' > "$TMP/pem.needles"
    LC_ALL=C grep -F -a -q -f "$TMP/pem.needles" "$file"
}

# no_leak NAME FILE KEY...: no private component of the keys in FILE.
no_leak() {
    local name=$1 file=$2; shift 2
    local hits
    if pem_lines "$file" "$@"; then
        fail "$name: a line of the key's PEM text is in $file"
    elif hits=$(sl_leaks "$file" "$@" 2>&1); then
        pass "$name: no private component in clear"
    else
        fail "$name: $(printf '%s\n' "$hits" | head -3 | tr '\n' ';')"
    fi
}

# ---- (a) direct runs on a gcore'd core --------------------------------------
if sl_gcore pem "$K/rsa.pem" "$TMP/pem.core"; then
    check "direct: the gcore'd core holds the key's PEM text (control)" pem_lines "$TMP/pem.core" "$K/rsa.pem"
    mkdir -p "$TMP/d"
    "$DS" hook -o "$TMP/d/out" -r "$TMP/d/rep" -l "$TMP/d/log" --compress none \
        -- 4242 4242 0 0 11 1700000000 victim_keys < "$TMP/pem.core" 2> "$TMP/d/err"
    check_eq "direct: exit 0" 0 $?
    out=$TMP/d/out/core.victim_keys.4242.1700000000
    if [ -f "$out" ]; then
        pass "direct: the scrubbed core is published"
        check_eq "direct: mode 0600" 600 "$(stat -c %a "$out")"
        check_eq "direct: same size as the input" "$(stat -c %s "$TMP/pem.core")" "$(stat -c %s "$out")"
        no_leak "direct" "$out" "$K/rsa.pem"
        fp=sha256:$(openssl pkey -in "$K/rsa.pem" -pubout -outform DER | sha256sum | cut -d' ' -f1)
        rep=$TMP/d/rep/core.victim_keys.4242.1700000000.json
        check_eq "direct: report outcome" scrubbed "$(sl_json_get "$rep" 'd["outcome"]')"
        check_eq "direct: report names the key by fingerprint" True \
            "$(sl_json_get "$rep" "any(f['fingerprint'] == '$fp' for f in d['findings'])")"
        check_eq "direct: verified after redaction" True "$(sl_json_get "$rep" 'd["verified"]')"
        check "direct: log line with pid, exe, outcome and fingerprint" \
            grep -q "hook pid=4242 exe=\"victim_keys\" signal=11 .*outcome=scrubbed .*rsa-private-key/verified/${fp:0:23}" "$TMP/d/log"
        no_leak "direct: log and report" "$TMP/d/log" "$K/rsa.pem"
        no_leak "direct: report" "$rep" "$K/rsa.pem"
    else
        fail "direct: nothing published ($(tail -2 "$TMP/d/log" "$TMP/d/err" | tr '\n' ' '))"
    fi
    # A symlink anywhere in the output path is refused; nothing is written.
    mkdir -p "$TMP/real" && ln -s "$TMP/real" "$TMP/link"
    "$DS" hook -o "$TMP/link/sub" -l "$TMP/d/log2" -- 4243 < "$TMP/pem.core" 2>/dev/null
    check_eq "direct: symlinked out-dir component refused (exit 2)" 2 $?
    check_eq "direct: nothing written through the symlink" "" "$(ls -A "$TMP/real")"
    check "direct: the refusal is logged" grep -q "symbolic link: refused" "$TMP/d/log2"

    # Failures: RLIMIT_FSIZE makes the spool's writes fail (EFBIG).
    for mode in drop metadata-only; do
        dir=$TMP/fail-$mode
        (ulimit -f 256; exec "$DS" hook -o "$dir" -l "$TMP/$mode.log" --on-error $mode \
            -- 4244 4244 0 0 11 1700000001 victim_keys < "$TMP/pem.core" 2>/dev/null)
        check_eq "on-error $mode: exit 2" 2 $?
        check "on-error $mode: the failure (EFBIG) is logged" grep -q "error=\".*File too large" "$TMP/$mode.log"
        files=$(cd "$dir" && ls -A)
        if [ $mode = drop ]; then
            check_eq "on-error drop: nothing stored" "" "$files"
            check "on-error drop: outcome=dropped logged" grep -q "outcome=dropped" "$TMP/$mode.log"
        else
            check_eq "on-error metadata-only: only the metadata file" \
                core.victim_keys.4244.1700000001.metadata "$files"
            meta=$dir/core.victim_keys.4244.1700000001.metadata
            if [ -f "$meta" ]; then
                check "on-error metadata-only: much smaller than the core" \
                    test "$(stat -c %s "$meta")" -lt $(( $(stat -c %s "$TMP/pem.core") / 10 ))
                check "on-error metadata-only: notes with registers (NT_PRSTATUS)" \
                    bash -c "readelf -n '$meta' | grep -q NT_PRSTATUS"
                check_eq "on-error metadata-only: no PT_LOAD carries file bytes" "" \
                    "$(readelf -lW "$meta" | awk '$1 == "LOAD" && $5 != "0x000000"')"
                no_leak "on-error metadata-only" "$meta" "$K/rsa.pem"
            fi
        fi
    done
else
    skip "direct: gcore could not dump a victim"
fi

# ---- (a2) the spool path, ASan: a core larger than the memory budget --------
# victim_bigheap 12: a prime of the key near the heap's start, the PEM at
# its end; --max-memory 16M keeps 4 MiB in memory, the rest is spooled.
mkfifo "$TMP/bh.fifo"
"$CORPUS_BIN/victim_bigheap" 12 "$K/rsa.pem" wait < "$TMP/bh.fifo" > "$TMP/bh.out" 2>/dev/null &
victim_pid=$!
exec 3> "$TMP/bh.fifo"
for _ in $(seq 100); do grep -q ready "$TMP/bh.out" && break; sleep 0.1; done
bpid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' "$TMP/bh.out")
[ -n "$bpid" ] && timeout 60 gcore -o "$TMP/bh" "$bpid" > /dev/null 2>&1
exec 3>&-
wait "$victim_pid" 2>/dev/null
victim_pid=
if [ -s "$TMP/bh.$bpid" ]; then
    "$DS" hook -o "$TMP/sp" -r "$TMP/sp" --max-memory 16M --compress gzip -l "$TMP/sp.log" \
        -- 4246 4246 0 0 11 1700000003 victim_bigheap < "$TMP/bh.$bpid" 2> "$TMP/sp.err"
    check_eq "spool path: exit 0" 0 $?
    rep=$TMP/sp/core.victim_bigheap.4246.1700000003.json
    if [ -f "$rep" ]; then
        check_eq "spool path: spooled" True "$(sl_json_get "$rep" 'd["spooled"]')"
        check_eq "spool path: outcome" scrubbed "$(sl_json_get "$rep" 'd["outcome"]')"
        check "spool path: the prime streamed past before the key was found is an echo" \
            test "$(sl_json_get "$rep" 'len(d["echoes"])')" -ge 1
        gzip -d -c "$TMP/sp/core.victim_bigheap.4246.1700000003.gz" > "$TMP/sp.core"
        check_eq "spool path: the core's size" "$(stat -c %s "$TMP/bh.$bpid")" "$(stat -c %s "$TMP/sp.core")"
        check "spool path: only bytes inside redacted spans changed" \
            "$PY" - "$TMP/bh.$bpid" "$TMP/sp.core" "$rep" <<'EOF'
import json, sys
a = open(sys.argv[1], 'rb').read(); b = open(sys.argv[2], 'rb').read()
d = json.load(open(sys.argv[3]))
spans = [(f['offset'], f['offset'] + f['length']) for f in d['findings'] + d['echoes']]
diff = [i for i in range(0, len(a), 4096) if a[i:i + 4096] != b[i:i + 4096]]
for blk in diff:
    for i in range(blk, min(blk + 4096, len(a))):
        if a[i] != b[i] and not any(s <= i < e for s, e in spans):
            sys.exit(1)
sys.exit(0)
EOF
        no_leak "spool path" "$TMP/sp.core" "$K/rsa.pem"
        rm -f "$TMP/sp.core"
    else
        fail "spool path: no report ($(tail -2 "$TMP/sp.log" "$TMP/sp.err" | tr '\n' ' '))"
    fi
    rm -f "$TMP/bh.$bpid"
else
    skip "spool path: gcore could not dump victim_bigheap"
fi

# ---- (b) SIGKILL mid-stream ----------------------------------------------------
if [ -f "$TMP/pem.core" ]; then
    mkdir -p "$TMP/k"
    # The core three times, then a stall: with --max-memory 16M the hook
    # holds the first 4 MiB in memory, then spools them and 1 MiB records
    # (5 MiB) and waits for the rest of the 6th record.
    mkfifo "$TMP/k/fifo"
    ( cat "$TMP/pem.core" "$TMP/pem.core" "$TMP/pem.core"; exec sleep 60 ) > "$TMP/k/fifo" &
    victim_pid=$!
    "$DS_FAST" hook -o "$TMP/k/out" -l "$TMP/k/log" --max-memory 16M \
        -- 4245 4245 0 0 11 1700000002 victim_keys < "$TMP/k/fifo" &
    hook_pid=$!
    # Wait until its spool holds 5 MiB.
    spool=
    for _ in $(seq 100); do
        for f in /proc/$hook_pid/fd/*; do
            t=$(readlink "$f" 2>/dev/null)
            case "$t" in "$TMP/k/out/"*"(deleted)")
                [ "$(stat -L -c %s "$f" 2>/dev/null || echo 0)" -ge $((5 << 20)) ] && spool=$f ;;
            esac
        done
        [ -n "$spool" ] && break
        sleep 0.1
    done
    if [ -n "$spool" ]; then
        pass "kill: the spool is an unnamed file ($(readlink "$spool"))"
        cp "$spool" "$TMP/spool.copy"
        no_leak "kill: the spool (read through /proc while the hook runs)" "$TMP/spool.copy" "$K/rsa.pem"
        check "kill: the spool does not hold the core's bytes in clear" \
            bash -c "! cmp -s -n 65536 '$TMP/spool.copy' '$TMP/pem.core'"
    else
        fail "kill: no spool file seen in /proc/$hook_pid/fd"
    fi
    kill -9 "$hook_pid"
    wait "$hook_pid" 2>/dev/null
    hook_pid=
    kill "$victim_pid" 2>/dev/null
    wait "$victim_pid" 2>/dev/null
    victim_pid=
    rm -f "$TMP/k/fifo"
    check_eq "kill: nothing left in the output directory" "" "$(find "$TMP/k/out" -mindepth 1)"
    for f in $(find "$TMP/k" -type f); do no_leak "kill: $(basename "$f")" "$f" "$K/rsa.pem"; done
fi

# ---- (c) install-hook / uninstall-hook ------------------------------------------
printf 'core.%%p\n' > "$TMP/cp"
mkdir -p "$TMP/sysctl"
# The output directory and its parents do not exist yet (on a fresh host
# /var/lib/dumpscrub/cores does not): install-hook creates them, 0700.
"$DS" install-hook --core-pattern-file "$TMP/cp" --sysctl-dir "$TMP/sysctl" --state-dir "$TMP/state" \
    --out-dir "$TMP/new/cores" --binary /usr/bin/dumpscrub > /dev/null 2> "$TMP/inst.err"
check_eq "install-hook (pattern file, fresh output directory): exit 0" 0 $?
check_eq "install-hook: output directory and parent created 0700" "700 700" \
    "$(stat -c %a "$TMP/new" "$TMP/new/cores" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
want="|/usr/bin/dumpscrub hook -o $TMP/new/cores -- %P %i %u %g %s %t %e"
check_eq "install-hook: the pattern" "$want" "$(cat "$TMP/cp")"
check_eq "install-hook: the sysctl.d file" "kernel.core_pattern = $want" \
    "$(grep '^kernel' "$TMP/sysctl/50-dumpscrub.conf")"
check_eq "install-hook: the previous pattern is remembered" "core.%p" "$(cat "$TMP/state/previous-core-pattern")"
"$DS" install-hook --core-pattern-file "$TMP/cp" --sysctl-dir "$TMP/sysctl" --state-dir "$TMP/state" \
    --out-dir "$TMP/cores" --binary /usr/bin/dumpscrub > /dev/null 2>&1
check_eq "install-hook twice: still remembers the first pattern" "core.%p" \
    "$(cat "$TMP/state/previous-core-pattern")"
"$DS" uninstall-hook --core-pattern-file "$TMP/cp" --sysctl-dir "$TMP/sysctl" --state-dir "$TMP/state" > /dev/null
check_eq "uninstall-hook: exit 0" 0 $?
check_eq "uninstall-hook: the exact previous pattern" "core.%p" "$(cat "$TMP/cp")"
check_eq "uninstall-hook: sysctl.d file and state removed" "" "$(ls -A "$TMP/sysctl" "$TMP/state" | grep -v ':$' | grep .)"
check_rc "install-hook: a pattern over 127 bytes is refused" 2 \
    "$DS" install-hook --core-pattern-file "$TMP/cp" --sysctl-dir "$TMP/sysctl" --state-dir "$TMP/state" \
    --out-dir "/$(printf 'x%.0s' $(seq 120))" --binary /usr/bin/dumpscrub

# ---- (d) + (e) through the kernel ------------------------------------------------
if ! (ulimit -c unlimited) 2>/dev/null; then
    skip "kernel: cannot raise RLIMIT_CORE"; exit 0
fi
ln -s "$DS_FAST" "$SH/ds"
if ! core_pattern_set "|$SH/ds hook -o $SH/c -r $SH/r -l $SH/l -- %P %i %u %g %s %t %e"; then
    skip "kernel: /proc/sys/kernel/core_pattern is not writable"; exit 0
fi
# The real pattern, while we hold the lock: install-hook / uninstall-hook.
real_before=$(cat /proc/sys/kernel/core_pattern)
"$DS" install-hook --sysctl-dir "$TMP/sysctl" --state-dir "$TMP/rstate" --out-dir "$SH/x" \
    --binary "$SH/ds" > /dev/null 2>&1
check "install-hook (real core_pattern): applied" \
    grep -qx "|$SH/ds hook -o $SH/x -- %P %i %u %g %s %t %e" /proc/sys/kernel/core_pattern
"$DS" uninstall-hook --sysctl-dir "$TMP/sysctl" --state-dir "$TMP/rstate" > /dev/null 2>&1
check_eq "uninstall-hook (real core_pattern): restored exactly" "$real_before" "$(cat /proc/sys/kernel/core_pattern)"

# wait_report PID: the report of that pid's crash (the hook runs after the
# process is gone).
wait_report() {
    local i f
    for i in $(seq 300); do
        f=$(ls "$SH"/r/core.*."$1".*.json 2>/dev/null | head -1)
        [ -n "$f" ] && { echo "$f"; return 0; }
        sleep 0.1
    done
    return 1
}

# crash NAME KIND VICTIM ARGS...: run it to its SIGSEGV; check the stored core.
crash() {
    local name=$1 kind=$2; shift 2
    local exe; exe=$(basename "$1")
    bash -c 'ulimit -c unlimited; exec "$@"' _ "$@" > "$TMP/crash.out" 2>/dev/null
    check_eq "$name: the victim dies of SIGSEGV" $((128 + 11)) $?
    local pid rep core
    pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' "$TMP/crash.out" | head -1)
    if ! rep=$(wait_report "$pid"); then
        fail "$name: no report for pid $pid ($(tail -1 "$SH/l" 2>/dev/null))"
        return 1
    fi
    check_eq "$name: outcome" scrubbed "$(sl_json_get "$rep" 'd["outcome"]')"
    check_eq "$name: a $kind was found" True \
        "$(sl_json_get "$rep" "any(f['kind'] == '$kind' for f in d['findings'])")"
    check "$name: log line" grep -q "hook pid=$pid exe=\"${exe:0:15}\" signal=11 .*outcome=scrubbed" "$SH/l"
    core=$SH/c/$(sl_json_get "$rep" 'd["file"]')
    check_eq "$name: stored 0600" 600 "$(stat -c %a "$core" 2>/dev/null)"
    zstd -q -d -c "$core" > "$TMP/k.core" 2>/dev/null
    check_eq "$name: the core's size" "$(sl_json_get "$rep" 'd["size"]')" "$(stat -c %s "$TMP/k.core")"
    check "$name: gdb shows crash_here in the backtrace" \
        bash -c "gdb -batch -nx -ex bt '$1' '$TMP/k.core' 2>/dev/null | grep -q crash_here"
}

mkdir -p "$SH/c" "$SH/r"
crash "kernel pem" rsa-private-key "$CORPUS_BIN/victim_keys" pem "$K/rsa.pem" crash &&
    no_leak "kernel pem" "$TMP/k.core" "$K/rsa.pem"
crash "kernel der" rsa-private-key "$CORPUS_BIN/victim_keys" der-pkcs1 "$K/rsa2.pem" crash &&
    no_leak "kernel der" "$TMP/k.core" "$K/rsa2.pem"
if [ -x "$CORPUS_BIN/victim_rsamem" ]; then
    crash "kernel rsamem" rsa-private-key "$CORPUS_BIN/victim_rsamem" "$K/rsa3.pem" crash &&
        no_leak "kernel rsamem" "$TMP/k.core" "$K/rsa3.pem"
fi
if [ -x "$CORPUS_BIN/victim_aes" ] && crash "kernel aes" aes-key-schedule "$CORPUS_BIN/victim_aes" crash; then
    "$PY" - "$TMP/k.core" "$TMP/crash.out" <<'EOF'
import re, sys
data = open(sys.argv[1], 'rb').read()
line = open(sys.argv[2]).read()
keys = dict(re.findall(r'(key\w+)=([0-9a-f]+)', line))
left = [k for k, h in keys.items() if bytes.fromhex(h) in data]
print(('PASS' if keys and not left else 'FAIL') + ' kernel aes: none of the %d AES keys in the stored core%s'
      % (len(keys), (' (left: ' + ','.join(left) + ')') if left else ''))
EOF
fi

# The spool path once more under ASan, on a kernel-made core (notes first,
# as the hook gets them): victim_bigheap 12 dumped to a plain file.
printf '%s\n' "$SH/core.%p" > /proc/sys/kernel/core_pattern
bash -c 'ulimit -c unlimited; exec "$@"' _ "$CORPUS_BIN/victim_bigheap" 12 "$K/rsa.pem" crash \
    > "$TMP/crash.out" 2>/dev/null
pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' "$TMP/crash.out" | head -1)
if [ -s "$SH/core.$pid" ]; then
    "$DS" hook -o "$TMP/kc" -r "$TMP/kc" --max-memory 16M --compress none -l "$TMP/kc.log" \
        -- "$pid" "$pid" 0 0 11 1700000004 victim_bigheap < "$SH/core.$pid" 2> "$TMP/kc.err"
    check_eq "spool path, kernel core, ASan: exit 0" 0 $?
    kc=$TMP/kc/core.victim_bigheap.$pid.1700000004
    check_eq "spool path, kernel core: spooled" True "$(sl_json_get "$kc.json" 'd["spooled"]' 2>/dev/null)"
    check_eq "spool path, kernel core: the core's size" "$(stat -c %s "$SH/core.$pid")" "$(stat -c %s "$kc" 2>/dev/null)"
    [ -f "$kc" ] && no_leak "spool path, kernel core" "$kc" "$K/rsa.pem"
    rm -f "$SH/core.$pid" "$kc"
else
    fail "spool path, kernel core: no core at $SH/core.$pid"
fi

# --pipe-to-previous: the handler install-hook replaced gets the scrubbed core.
cat > "$SH/next" <<EOF
#!/bin/sh
cat > $SH/next.core
echo "\$@" > $SH/next.args
EOF
chmod 755 "$SH/next"
printf '%s\n' "|$SH/next %P %s %e" > /proc/sys/kernel/core_pattern
if "$DS" install-hook --sysctl-dir "$TMP/sysctl" --state-dir "$SH/s" --out-dir "$SH/p" \
        --pipe-to-previous --binary "$SH/ds" > /dev/null 2> "$TMP/inst.err"; then
    bash -c 'ulimit -c unlimited; exec "$@"' _ "$CORPUS_BIN/victim_keys" pem "$K/rsa.pem" crash \
        > "$TMP/crash.out" 2>/dev/null
    pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' "$TMP/crash.out" | head -1)
    for _ in $(seq 300); do [ -s "$SH/next.args" ] && break; sleep 0.1; done
    check_eq "pipe-to-previous: the next handler got the specifiers" "$pid 11 victim_keys" \
        "$(cat "$SH/next.args" 2>/dev/null)"
    check "pipe-to-previous: it got an ELF core" bash -c "head -c4 '$SH/next.core' | grep -q ELF"
    no_leak "pipe-to-previous: what the next handler got" "$SH/next.core" "$K/rsa.pem"
    "$DS" uninstall-hook --sysctl-dir "$TMP/sysctl" --state-dir "$SH/s" > /dev/null 2>&1
    check_eq "pipe-to-previous: uninstall restores the previous handler" "|$SH/next %P %s %e" \
        "$(cat /proc/sys/kernel/core_pattern)"
else
    fail "pipe-to-previous: install-hook failed ($(cat "$TMP/inst.err"))"
fi

# (e) a 1 GiB core, 64 MiB of memory.
printf '%s\n' "|$SH/ds hook -o $SH/b -r $SH/r -l $SH/l --compress none --max-memory 64M -- %P" \
    > /proc/sys/kernel/core_pattern
bash -c 'ulimit -c unlimited; exec "$@"' _ "$CORPUS_BIN/victim_bigheap" 1024 "$K/rsa.pem" crash \
    > "$TMP/crash.out" 2>/dev/null
pid=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' "$TMP/crash.out" | head -1)
if rep=$(wait_report "$pid"); then
    rss=$(sl_json_get "$rep" 'd["peak_rss_kib"]')
    size=$(sl_json_get "$rep" 'd["size"]')
    check "big: a core over 1 GiB ($size bytes)" test "$size" -gt $((1 << 30))
    check "big: peak RSS ${rss} KiB under --max-memory 64M" test "$rss" -lt 65536
    check_eq "big: outcome" scrubbed "$(sl_json_get "$rep" 'd["outcome"]')"
    check "big: the prime near the heap's start was found as an echo" \
        test "$(sl_json_get "$rep" 'len(d["echoes"])')" -ge 1
    big=$SH/b/$(sl_json_get "$rep" 'd["file"]')
    check_eq "big: the stored core's size" "$size" "$(stat -c %s "$big" 2>/dev/null)"
    check_eq "big: the ELF program headers cover exactly the file" "$size" "$("$PY" - "$big" <<'EOF'
import struct, sys
f = open(sys.argv[1], 'rb'); h = f.read(64)
phoff, = struct.unpack_from('<Q', h, 32); phnum, = struct.unpack_from('<H', h, 56)
f.seek(phoff); end = 0
for i in range(phnum):
    t, fl, off, va, pa, fs, ms, al = struct.unpack('<IIQQQQQQ', f.read(56))
    end = max(end, off + fs)
print(end)
EOF
)"
    no_leak "big" "$big" "$K/rsa.pem"
    rm -f "$big"
else
    fail "big: no report for pid $pid ($(tail -1 "$SH/l" 2>/dev/null))"
fi
exit 0
