# tests/lib.sh - sourced by every tests/t_*.sh.
#
# Each assertion prints one line "PASS name", "FAIL name: why" or
# "SKIP name: why"; tests/run.sh counts them.  A test script exits 0 unless
# it could not run at all.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$TOP/../shared}
EXT=$SHARED/corpus/external
DS=${DS:-$TOP/build-asan/dumpscrub}         # sanitizer build: what tests run
DS_FAST=${DS_FAST:-$TOP/build/dumpscrub}    # release build for big inputs
CORPUS_BIN=$TOP/build/corpus
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:disable_coredump=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dstest.XXXXXX")
_cp_saved=""
_ds_cleanup() {
    core_pattern_restore
    rm -rf "$TMP"
}
trap _ds_cleanup EXIT

# core_pattern_set DIR: kernel cores of this test go to DIR/core.<pid>.
# The pattern is global: hold a lock so concurrent test scripts do not save
# each other's temporary pattern, and restore it on exit whatever happens.
# Returns 1 (the caller SKIPs) where core_pattern is not writable.
core_pattern_set() {
    [ -w /proc/sys/kernel/core_pattern ] || return 1
    exec 9>/tmp/dumpscrub-core_pattern.lock
    flock -w 300 9 || return 1
    _cp_saved="$(cat /proc/sys/kernel/core_pattern)|$(cat /proc/sys/kernel/core_uses_pid)"
    printf '%s\n' "$1/core.%p" > /proc/sys/kernel/core_pattern 2>/dev/null &&
        echo 0 > /proc/sys/kernel/core_uses_pid || { core_pattern_restore; return 1; }
}
core_pattern_restore() {
    [ -n "$_cp_saved" ] || return 0
    printf '%s\n' "${_cp_saved%|*}" > /proc/sys/kernel/core_pattern
    printf '%s\n' "${_cp_saved##*|}" > /proc/sys/kernel/core_uses_pid
    _cp_saved=""
    flock -u 9 2>/dev/null
}

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; }
skip() { echo "SKIP $*"; }

# check NAME COMMAND...: PASS if the command succeeds.
check() { local n=$1; shift; if "$@"; then pass "$n"; else fail "$n"; fi; }
# check_eq NAME EXPECTED ACTUAL
check_eq() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected '$2', got '$3'"; fi
}
# check_rc NAME EXPECTED_RC COMMAND...
check_rc() {
    local n=$1 want=$2; shift 2
    "$@" >/dev/null 2>&1; local rc=$?
    if [ "$rc" = "$want" ]; then pass "$n"; else fail "$n: exit $rc, expected $want"; fi
}
# jq-like field extraction from one JSON object via python3
json_get() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1],{"d":d}))' "$1"; }
