# tests/core_pattern.sh - sourced by scripts that let the kernel write cores.
#
# core_pattern_set PATTERN: send kernel cores to PATTERN (e.g. DIR/core.%p).
# The setting is global to the machine: hold a lock so concurrent scripts do
# not save each other's temporary pattern, and restore the old one (a pipe
# handler included) with core_pattern_restore, which the caller's EXIT trap
# must also run.  Returns 1 where core_pattern is not writable (skip then).
_cp_saved=""
core_pattern_set() {
    [ -w /proc/sys/kernel/core_pattern ] || return 1
    exec 9>/tmp/dumpscrub-core_pattern.lock
    flock -w 300 9 || return 1
    _cp_saved="$(cat /proc/sys/kernel/core_pattern)|$(cat /proc/sys/kernel/core_uses_pid)"
    if printf '%s\n' "$1" > /proc/sys/kernel/core_pattern 2>/dev/null &&
       echo 0 > /proc/sys/kernel/core_uses_pid; then
        return 0
    fi
    core_pattern_restore
    return 1
}
core_pattern_restore() {
    [ -n "$_cp_saved" ] || return 0
    printf '%s\n' "${_cp_saved%|*}" > /proc/sys/kernel/core_pattern
    printf '%s\n' "${_cp_saved##*|}" > /proc/sys/kernel/core_uses_pid
    _cp_saved=""
    flock -u 9 2>/dev/null
    return 0
}
