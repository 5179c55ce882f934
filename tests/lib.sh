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
. "$TOP/tests/core_pattern.sh"
_ds_cleanup() {
    core_pattern_restore
    rm -rf "$TMP"
}
trap _ds_cleanup EXIT


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
