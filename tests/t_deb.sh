#!/bin/bash
# t_deb.sh - the Debian packages: `make deb`, `dpkg -i`, then from the
# installed paths: `man dumpscrub`, /usr/bin/dumpscrub --version and a scan
# of a real core, the example program linked against the installed library
# (same findings as the command), the gate unit in place; `dpkg -r` and
# `dpkg -P` leave nothing behind.  Needs root and dpkg; skips if a
# dumpscrub package is already installed (it is not ours to remove).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/scrub_lib.sh"
cd "$TOP" || exit 2
PKGS="dumpscrub libdumpscrub0 libdumpscrub-dev"
if [ "$(id -u)" != 0 ] || ! command -v dpkg >/dev/null || ! command -v dpkg-deb >/dev/null; then
    skip "deb: needs root, dpkg and dpkg-deb"
    exit 0
fi
for p in $PKGS; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then
        skip "deb: $p is already installed on this machine"
        exit 0
    fi
done
if [ -e /usr/bin/dumpscrub ]; then
    skip "deb: /usr/bin/dumpscrub exists (not from a package)"
    exit 0
fi

# What exists before, to compare after the purge (paths only; /usr and
# /etc, where the packages put things; unrelated changes by concurrent
# package installs are ignored below).
snap() { find /usr /etc -xdev 2>/dev/null | sort; }
snap > "$TMP/before"

if make -s --no-print-directory deb > "$TMP/deb.log" 2>&1; then
    pass "deb: make deb"
else
    fail "deb: make deb: $(tail -5 "$TMP/deb.log")"
    exit 0
fi
DEBS=$(ls build/deb/*.deb)
check_eq "deb: three packages" 3 "$(echo "$DEBS" | wc -l)"
for d in $DEBS; do
    n=$(dpkg-deb -f "$d" Package)
    check "deb: $n control has Depends, Version, Architecture" \
        test -n "$(dpkg-deb -f "$d" Depends)" -a -n "$(dpkg-deb -f "$d" Version)" -a -n "$(dpkg-deb -f "$d" Architecture)"
done
deps=$(dpkg-deb -f build/deb/dumpscrub_*.deb Depends)
for want in libelf1 libpcre2-8-0 zlib1g libssl3 libzstd1 liblzma5; do
    case ", $deps," in *", $want,"*) ;; *) fail "deb: dumpscrub Depends lacks $want: $deps"; continue ;; esac
    pass "deb: dumpscrub Depends on $want"
done

cleanup_pkgs() { dpkg -P $PKGS >/dev/null 2>&1; }
trap 'cleanup_pkgs; _ds_cleanup' EXIT
# Images that drop documentation (path-exclude in dpkg.cfg.d) would drop
# the man pages: ask for them explicitly.
if dpkg --path-include='/usr/share/man/*' -i $DEBS > "$TMP/dpkg.log" 2>&1; then
    pass "deb: dpkg -i"
else
    fail "deb: dpkg -i: $(tail -5 "$TMP/dpkg.log")"
    exit 0
fi

check_eq "deb: man finds dumpscrub(1)" /usr/share/man/man1/dumpscrub.1.gz "$(man -w dumpscrub 2>&1)"
check_eq "deb: man finds dumpscrub-rules(5)" /usr/share/man/man5/dumpscrub-rules.5.gz \
    "$(man -w 5 dumpscrub-rules 2>&1)"
check "deb: man dumpscrub shows the page" grep -q 'dumpscrub scan' <(MANPAGER=cat MANWIDTH=80 man dumpscrub 2>/dev/null)
check_eq "deb: /usr/bin/dumpscrub --version" "dumpscrub 0.1.0" "$(/usr/bin/dumpscrub --version 2>&1)"
check "deb: gate unit installed" test -f '/usr/lib/systemd/system/dumpscrub-gate@.service'
check_eq "deb: installed completion completes the installed command" "scan scrub" \
    "$(env -i PATH=/usr/bin:/bin bash --norc -c '. /usr/share/bash-completion/completions/dumpscrub
COMP_WORDS=(dumpscrub sc); COMP_CWORD=1; _dumpscrub; echo "${COMPREPLY[*]}"' 2>&1)"

# A real core with a fresh key, scanned by the installed command.
K=$TMP/keys
sl_keys "$K" || { fail "deb: key generation"; exit 0; }
CORE=$TMP/victim.core
if sl_gcore der-pkcs8 "$K/rsa.pem" "$CORE"; then
    FP=sha256:$(openssl pkey -in "$K/rsa.pem" -pubout -outform DER | sha256sum | cut -d' ' -f1)
    (cd / && env -i PATH=/usr/bin:/bin dumpscrub scan --json "$CORE") > "$TMP/cmd.jsonl" 2>"$TMP/cmd.err"
    check_eq "deb: installed dumpscrub scan exit code (found)" 1 "$?"
    check "deb: installed dumpscrub finds the key" grep -q "\"fingerprint\":\"$FP\"" "$TMP/cmd.jsonl"
    check_eq "deb: installed dumpscrub has its rule pack (no warning)" "" "$(cat "$TMP/cmd.err")"
    # The example against the installed library, through pkg-config.
    if cc -std=c11 -Wall -Werror examples/scan_example.c $(pkg-config --cflags --libs dumpscrub) \
          -o "$TMP/ex" 2>"$TMP/cc.log"; then
        pass "deb: example builds with the installed pkg-config file"
        check "deb: example links the installed libdumpscrub.so.0" \
            grep -qE '=> (/usr)?/lib/[^ ]*libdumpscrub.so.0 ' <(ldd "$TMP/ex")
        "$TMP/ex" "$CORE" > "$TMP/lib.tsv" 2>/dev/null
        "$PY" -c '
import json, sys
for l in open(sys.argv[1]):
    f = json.loads(l)
    print("\t".join([f["file"], str(f["offset"]), str(f["length"]), f["kind"], f["detector"],
                     f["confidence"], str(f.get("bits", "-")), f.get("fingerprint", "-"),
                     f.get("vaddr", "-"), f.get("region", "-")]))' "$TMP/cmd.jsonl" > "$TMP/cmd.tsv"
        check_eq "deb: example finds what the command finds" "$(cat "$TMP/cmd.tsv")" "$(cat "$TMP/lib.tsv")"
    else
        fail "deb: example builds: $(head -5 "$TMP/cc.log")"
    fi
else
    skip "deb: scan of a real core: no core could be made (gcore)"
fi

# Remove, then purge: every path the packages added is gone again.
for d in $DEBS; do dpkg-deb -c "$d" | awk '{print $6}' | sed 's|^\./|/|; s|/$||'; done | sort -u > "$TMP/ours"
# Paths that did not exist before and are the packages' or named after us.
added() {
    local new
    new=$(snap | comm -13 "$TMP/before" -)
    { grep -Fx -f "$TMP/ours" <<<"$new"; grep dumpscrub <<<"$new"; } | sort -u
}
quiet() { "$@" >/dev/null 2>&1; }
check "deb: dpkg -r" quiet dpkg -r $PKGS
check_eq "deb: nothing left behind after dpkg -r" "" "$(added)"
check "deb: dpkg -P" quiet dpkg -P $PKGS
trap '_ds_cleanup' EXIT
check_eq "deb: nothing left behind after dpkg -P" "" "$(added)"
check_eq "deb: no package state left" "" "$(dpkg-query -W -f='${Package} ${Status}\n' $PKGS 2>/dev/null | grep -v not-installed)"
check_eq "deb: /usr/bin/dumpscrub gone" no "$([ -e /usr/bin/dumpscrub ] && echo yes || echo no)"
