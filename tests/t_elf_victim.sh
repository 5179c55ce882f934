#!/bin/bash
# Real cores of corpus/victim_basic read by the ELF core reader:
#  (a) gcore of the waiting victim: notes at the end of the file;
#  (b) the kernel's core of the crashing victim (SIGSEGV): notes first.
# The reader's view comes from the unit test's probe mode
# (build-asan/tests/test_elf_core --probe CORE [--prefix N] [--at ADDR]...).
# (b) points kernel.core_pattern at a temporary directory through
# core_pattern_set (tests/lib.sh: locked, restored on exit).
. "$(dirname "$0")/lib.sh"

VICTIM=$CORPUS_BIN/victim_basic
PROBE=$TOP/build-asan/tests/test_elf_core
victim_pid=''
cleanup() {
    [ -n "$victim_pid" ] && kill "$victim_pid" 2>/dev/null
    exec 3>&-
    _ds_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if [ ! -x "$VICTIM" ] || [ ! -x "$PROBE" ]; then
    fail "elf victim: $VICTIM or $PROBE not built (make corpus asan)"
    exit 0
fi

# The value of one "key value" line of the probe's output.
field() { printf '%s\n' "$2" | awk -v k="$1" '$1 == k { sub(/^[^ ]+ /, ""); print; exit }'; }
# The label the probe gives an address (from its "at ADDR LABEL" lines).
label_at() { printf '%s\n' "$2" | awk -v a="$1" '$1 == "at" && $2 == a { print $3; exit }'; }

# check_core NAME CORE VICTIM_OUTPUT SIGNAL NOTES(first|last)
check_core() {
    local name=$1 core=$2 line=$3 sig=$4 notes=$5
    local heap stack pid out libc pc
    heap=$(printf '%s\n' "$line" | sed -n 's/.*heap=\(0x[0-9a-f]*\).*/\1/p')
    stack=$(printf '%s\n' "$line" | sed -n 's/.*stack=\(0x[0-9a-f]*\).*/\1/p')
    pid=$(printf '%s\n' "$line" | sed -n 's/.*pid=\([0-9]*\).*/\1/p')
    if [ -z "$heap" ] || [ -z "$stack" ] || [ -z "$pid" ]; then
        fail "$name: victim printed '$line'"
        return
    fi
    out=$("$PROBE" --probe "$core" --at "$heap" --at "$stack")
    check_eq "$name: read completely (rc 0)" 0 "$(field rc "$out")"
    check_eq "$name: no problems" "" "$(printf '%s\n' "$out" | grep '^problem ')"
    check_eq "$name: format" elf-core "$(field format "$out")"
    check_eq "$name: arch" "$(uname -m)" "$(field arch "$out")"
    check_eq "$name: pid" "$pid" "$(field pid "$out")"
    check_eq "$name: process name" victim_basic "$(field name "$out")"
    check_eq "$name: the malloc'd buffer $heap is in [heap]" "[heap]" "$(label_at "$heap" "$out")"
    check_eq "$name: the local in main $stack is in [stack:$pid]" "[stack:$pid]" \
        "$(label_at "$stack" "$out")"
    libc=$(printf '%s\n' "$out" | awk '$1 == "module" && $4 ~ /\/libc[.-][^\/]*so/ { print $4; exit }')
    check "$name: libc is a module ($libc)" test -n "$libc"
    check "$name: libc's mappings are labelled with its path" \
        bash -c "printf '%s\n' \"\$1\" | awk -v l=\"\$2\" '\$1 == \"region\" && \$NF == l' | grep -q ." \
        _ "$out" "${libc:-none}"
    check "$name: the executable is a module" \
        bash -c "printf '%s\n' \"\$1\" | grep -q '^module .*/victim_basic\$'" _ "$out"

    # The main thread (tid = pid) is there; with a signal, it crashed.
    local thread
    thread=$(printf '%s\n' "$out" | awk -v t="$pid" '$1 == "thread" && $2 == t')
    check "$name: thread $pid present" test -n "$thread"
    if [ "$sig" = 0 ]; then
        # gdb reports the SIGSTOP of its attach (or nothing): not a crash.
        check_eq "$name: no thread crashed" "" \
            "$(printf '%s\n' "$out" | awk '$1 == "thread" && $10 == 1')"
    else
        check_eq "$name: crash signal" "$sig" "$(field signal "$out")"
        check_eq "$name: the crashing thread" "thread $pid signal $sig crashed 1" \
            "$(printf '%s\n' "$thread" | awk '{ print $1, $2, $7, $8, $9, $10 }')"
        pc=$(printf '%s\n' "$thread" | awk '{ print $6 }')
        out2=$("$PROBE" --probe "$core" --at "$pc")
        case "$(label_at "$pc" "$out2")" in
            */victim_basic) pass "$name: pc $pc in victim_basic's code (crash_here)" ;;
            *) fail "$name: pc $pc labelled '$(label_at "$pc" "$out2")'" ;;
        esac
    fi

    # Where the notes are, and what a streamed prefix up to the first
    # memory byte gives: everything (kernel) or no notes yet (gcore).
    local notes_off load_off prefix
    notes_off=$(printf '%s\n' "$out" | awk '$1 == "region" && $NF == "[notes]" { print $2; exit }')
    load_off=$(printf '%s\n' "$out" | awk '$1 == "region" && $4 !~ /^-/ && $3 != "0x0" { print $2; exit }')
    if [ "$notes" = first ]; then
        check "$name: notes before the memory" test $((notes_off)) -lt $((load_off))
    else
        check "$name: notes after the memory" test $((notes_off)) -gt $((load_off))
    fi
    prefix=$("$PROBE" --probe "$core" --prefix $((load_off)) --at "$heap")
    check_eq "$name: streamed prefix: no problems" "" "$(printf '%s\n' "$prefix" | grep '^problem ')"
    if [ "$notes" = first ]; then
        check_eq "$name: streamed prefix of $((load_off)) bytes reads completely" \
            "0 $pid [heap]" "$(field rc "$prefix") $(field pid "$prefix") $(label_at "$heap" "$prefix")"
    else
        check_eq "$name: streamed prefix without the notes: partial, no threads" \
            "1 0" "$(field rc "$prefix") $(printf '%s\n' "$prefix" | grep -c '^thread ')"
    fi
}

# Wait up to 10 s for the victim's line in FILE.
wait_line() {
    local tries=100
    while [ $tries -gt 0 ]; do
        grep -q 'pid=' "$1" 2>/dev/null && { head -1 "$1"; return 0; }
        sleep 0.1
        tries=$((tries - 1))
    done
    return 1
}

# (a) gcore of the waiting victim; stdin is a fifo we hold open.
if ! command -v gcore >/dev/null; then
    skip "gcore core: gcore (gdb) not installed"
else
    mkfifo "$TMP/in"
    "$VICTIM" wait < "$TMP/in" > "$TMP/wait.out" &
    victim_pid=$!
    exec 3> "$TMP/in"
    if line=$(wait_line "$TMP/wait.out"); then
        if gcore -o "$TMP/gcore" "$victim_pid" > "$TMP/gcore.log" 2>&1 &&
           [ -s "$TMP/gcore.$victim_pid" ]; then
            check_core "gcore core" "$TMP/gcore.$victim_pid" "$line" 0 last
        else
            skip "gcore core: gcore failed ($(tail -1 "$TMP/gcore.log"))"
        fi
    else
        fail "gcore core: the victim printed nothing"
    fi
    exec 3>&-           # EOF on stdin: the victim exits 0
    wait "$victim_pid"
    check_eq "gcore core: the victim exits 0 at EOF" 0 $?
    victim_pid=
fi

# (b) the kernel's core of the crashing victim.
if ! (ulimit -c unlimited) 2>/dev/null; then
    skip "kernel core: cannot raise RLIMIT_CORE"
elif ! core_pattern_set "$TMP/core.%p"; then
    skip "kernel core: /proc/sys/kernel/core_pattern is not writable"
else
    # An inner shell reaps the victim, so that its death is not announced
    # on our stderr.
    bash -c 'ulimit -c unlimited; "$0" crash > "$1"' "$VICTIM" "$TMP/crash.out" 2>/dev/null
    rc=$?
    core_pattern_restore
    check_eq "kernel core: the victim dies of SIGSEGV" $((128 + 11)) "$rc"
    line=$(head -1 "$TMP/crash.out")
    pid=$(printf '%s\n' "$line" | sed -n 's/.*pid=\([0-9]*\).*/\1/p')
    if [ -s "$TMP/core.$pid" ]; then
        check_core "kernel core" "$TMP/core.$pid" "$line" 11 first
    else
        fail "kernel core: no core at $TMP/core.$pid"
    fi
fi
exit 0
