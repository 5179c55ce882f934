#!/bin/bash
# t_install.sh - shipping dumpscrub: make install / uninstall (DESTDIR round
# trip), the man pages (render without warnings, document every command and
# option the binary has), bash completion, libdumpscrub through pkg-config
# (shared and static) finding and scrubbing exactly what the command does
# on a real core, scan --format sarif, the systemd unit.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/scrub_lib.sh"
cd "$TOP" || exit 2
BIN=$DS_FAST
[ -x "$BIN" ] || { fail "install: $BIN not built"; exit 0; }

# ---- DESTDIR install / uninstall round trip -------------------------------
D=$TMP/destdir
if make -s --no-print-directory install DESTDIR="$D" PREFIX=/usr/local >"$TMP/inst.log" 2>&1; then
    pass "install: make install DESTDIR"
else
    fail "install: make install DESTDIR: $(tail -3 "$TMP/inst.log")"
fi
want="usr/local/bin/dumpscrub
usr/local/include/dumpscrub.h
usr/local/lib/libdumpscrub.a
usr/local/lib/libdumpscrub.so
usr/local/lib/libdumpscrub.so.0
usr/local/lib/libdumpscrub.so.0.1.0
usr/local/lib/pkgconfig/dumpscrub.pc
usr/local/lib/systemd/system/dumpscrub-gate@.service
usr/local/share/bash-completion/completions/dumpscrub
usr/local/share/dumpscrub/patterns/default.rules
usr/local/share/dumpscrub/sysctl/50-dumpscrub.conf
usr/local/share/man/man1/dumpscrub.1.gz
usr/local/share/man/man5/dumpscrub-rules.5.gz"
got=$(cd "$D" && find . \( -type f -o -type l \) -printf '%P\n' | sort)
check_eq "install: the installed files" "$want" "$got"
check_eq "install: the installed binary runs" "dumpscrub 0.1.0" "$("$D/usr/local/bin/dumpscrub" --version)"
check "install: unit and sysctl template name the installed binary" \
    grep -q '^ExecStart=/usr/local/bin/dumpscrub gate --watch' "$D/usr/local/lib/systemd/system/dumpscrub-gate@.service"
check "install: sysctl template names the installed binary" \
    grep -q '^kernel.core_pattern = |/usr/local/bin/dumpscrub hook' "$D/usr/local/share/dumpscrub/sysctl/50-dumpscrub.conf"
# The relocated binary finds its rules in ../share/dumpscrub/patterns: the
# Go core's AWS secret is found by a rule of the default pack.
HW=$EXT/golang-debug/hello-world-core
if [ -f "$HW" ]; then
    out=$(env -u DUMPSCRUB_RULES "$D/usr/local/bin/dumpscrub" scan --json "$HW" 2>&1)
    case $out in
        *'"detector":"aws-secret-access-key"'*) pass "install: relocated binary loads the installed rule pack" ;;
        *) fail "install: relocated binary loads the installed rule pack: $out" ;;
    esac
else
    skip "install: rule pack lookup: $HW missing"
fi
make -s --no-print-directory uninstall DESTDIR="$D" PREFIX=/usr/local >/dev/null 2>&1
check_eq "install: make uninstall leaves no file behind" "" \
    "$(find "$D" \( -type f -o -type l \) -printf '%P\n')"
check_eq "install: make uninstall removes share/dumpscrub" "no" \
    "$([ -e "$D/usr/local/share/dumpscrub" ] && echo yes || echo no)"

# ---- man pages --------------------------------------------------------------
if command -v man >/dev/null; then
    for page in docs/man/dumpscrub.1 docs/man/dumpscrub-rules.5; do
        w=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
        check_eq "man: $page renders without warnings" "" "$w"
    done
    MANTEXT=$(MANWIDTH=200 man -l docs/man/dumpscrub.1 2>/dev/null)
    # Every command of `dumpscrub --help` has its section; every long option
    # of every command's --help is documented.
    missing=""
    for cmd in $("$BIN" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' | grep -vx dumpscrub | sort -u); do
        grep -q "^   dumpscrub $cmd" <<<"$MANTEXT" || missing="$missing $cmd(section)"
        for opt in $("$BIN" "$cmd" --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u); do
            grep -q -- "$opt" <<<"$MANTEXT" || missing="$missing $cmd:$opt"
        done
    done
    check_eq "man: every command and option of the binary is in dumpscrub(1)" "" "$missing"
    missing=""
    for e in 0 1 2 3; do
        grep -qE "^       $e +" <<<"$MANTEXT" || missing="$missing exit$e"
    done
    check_eq "man: exit codes 0-3 documented" "" "$missing"
    check "man: JSON Lines schema documented" grep -q '"fingerprint":"sha256:' <<<"$MANTEXT"
else
    skip "man: man-db not installed"
fi

# ---- bash completion ------------------------------------------------------------
comp() {   # comp WORD...: the completions bash offers for the last word
    bash --norc -c '. docs/bash-completion/dumpscrub
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _dumpscrub; echo "${COMPREPLY[*]}"' comp "$@"
}
check_eq "completion: loads and registers" "complete -o filenames -F _dumpscrub dumpscrub" \
    "$(bash --norc -c '. docs/bash-completion/dumpscrub && complete -p dumpscrub' 2>&1)"
# (the completion asks the program itself: COMP_WORDS[0] is the binary)
check_eq "completion: commands" "scan scrub" "$(comp "$BIN" sc)"
offered=" $(comp "$BIN" "") "
missing=""
for c in info scan scrub gate rules; do
    case $offered in *" $c "*) ;; *) missing="$missing $c" ;; esac
done
check_eq "completion: the commands of --help are offered" "" "$missing"
check_eq "completion: scan options from scan --help" "--format" "$(comp "$BIN" scan --for)"
check_eq "completion: option values" "sarif" "$(comp "$BIN" scan --format s)"
check_eq "completion: confidence levels" "verified" "$(comp "$BIN" gate --min-confidence v)"
check_eq "completion: rules subcommand" "check" "$(comp "$BIN" rules c)"

# ---- a real core for the library and SARIF checks ------------------------------
K=$TMP/keys
sl_keys "$K" || { fail "install: key generation"; exit 0; }
CORE=$TMP/victim.core
if ! sl_gcore der-pkcs8 "$K/rsa.pem" "$CORE"; then
    skip "library and SARIF: no core could be made (gcore)"
    exit 0
fi
FP=sha256:$(openssl pkey -in "$K/rsa.pem" -pubout -outform DER | sha256sum | cut -d' ' -f1)

# the command's findings as tab-separated lines, as the example prints them
"$BIN" scan --json "$CORE" > "$TMP/cmd.jsonl" 2>/dev/null
"$PY" -c '
import json, sys
for l in open(sys.argv[1]):
    f = json.loads(l)
    print("\t".join([f["file"], str(f["offset"]), str(f["length"]), f["kind"], f["detector"],
                     f["confidence"], str(f.get("bits", "-")), f.get("fingerprint", "-"),
                     f.get("vaddr", "-"), f.get("region", "-")]))' "$TMP/cmd.jsonl" > "$TMP/cmd.tsv"
check "library: the command finds the key" grep -q "$FP" "$TMP/cmd.tsv"

# ---- libdumpscrub via pkg-config, from an install under $TMP ---------------------
P=$TMP/prefix
if make -s --no-print-directory install PREFIX="$P" >"$TMP/inst2.log" 2>&1; then
    export PKG_CONFIG_PATH=$P/lib/pkgconfig
    flags=$(echo $(pkg-config --cflags --libs dumpscrub 2>&1))
    case " $flags " in
        *" -I$P/include "*" -L$P/lib -ldumpscrub "*) pass "library: pkg-config flags point at the install" ;;
        *) fail "library: pkg-config flags point at the install: $flags" ;;
    esac
    if cc -std=c11 -Wall -Wextra -Werror examples/scan_example.c $flags -o "$TMP/ex" 2>"$TMP/cc.log"; then
        pass "library: example builds with pkg-config --cflags --libs dumpscrub"
        check "library: example uses the installed shared library" \
            grep -q "$P/lib/libdumpscrub.so.0" <(LD_LIBRARY_PATH=$P/lib ldd "$TMP/ex")
        LD_LIBRARY_PATH=$P/lib "$TMP/ex" "$CORE" > "$TMP/lib.tsv" 2>"$TMP/ex.err"
        rc=$?
        check_eq "library: example exit code (found)" 1 "$rc"
        check_eq "library: findings equal the command's" "$(cat "$TMP/cmd.tsv")" "$(cat "$TMP/lib.tsv")"
        # scrub to an fd: byte-identical to `dumpscrub scrub`, and clean
        LD_LIBRARY_PATH=$P/lib "$TMP/ex" -o "$TMP/lib.scrubbed" "$CORE" 2>"$TMP/ex.err"
        check_eq "library: scrub_to_fd succeeds" "0" "$?"
        "$BIN" scrub -q "$CORE" -o "$TMP/cmd.scrubbed" 2>/dev/null
        check "library: scrubbed copy equals the command's" cmp -s "$TMP/lib.scrubbed" "$TMP/cmd.scrubbed"
        check_rc "library: scrubbed copy scans clean" 0 "$BIN" scan "$TMP/lib.scrubbed"
        check "library: no key bytes left in the scrubbed copy" sl_leaks "$TMP/lib.scrubbed" "$K/rsa.pem"
        # the Go core's token comes through the installed rule pack (next to the library)
        if [ -f "$HW" ]; then
            check "library: default rules found next to the installed library" \
                grep -q 'aws-secret-access-key' <(env -u DUMPSCRUB_RULES LD_LIBRARY_PATH=$P/lib "$TMP/ex" "$HW")
        fi
    else
        fail "library: example builds: $(head -5 "$TMP/cc.log")"
    fi
    # static: the archive and the .pc's private requirements
    # (pkg-config --static lists the archive's own dependencies)
    if cc -std=c11 examples/scan_example.c $(pkg-config --cflags dumpscrub) "$P/lib/libdumpscrub.a" \
          $(pkg-config --static --libs dumpscrub | sed 's/-ldumpscrub//') \
          -o "$TMP/ex-static" 2>"$TMP/cc.log"; then
        "$TMP/ex-static" "$CORE" > "$TMP/static.tsv" 2>/dev/null
        check_eq "library: static build finds the same" "$(cat "$TMP/cmd.tsv")" "$(cat "$TMP/static.tsv")"
    else
        fail "library: static build: $(head -5 "$TMP/cc.log")"
    fi
    exported=$(nm -D --defined-only "$P/lib/libdumpscrub.so.0" | awk '$3 !~ /^dumpscrub_/ && $3 != "DUMPSCRUB_0" {print $3}')
    check_eq "library: exports only the dumpscrub_* API" "" "$exported"
    check_eq "library: soname" "libdumpscrub.so.0" \
        "$(readelf -d "$P/lib/libdumpscrub.so.0" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')"
    make -s --no-print-directory uninstall PREFIX="$P" >/dev/null 2>&1
    check_eq "library: uninstall from the prefix leaves no file" "" \
        "$(find "$P" \( -type f -o -type l \) -printf '%P\n')"
else
    fail "library: make install PREFIX: $(tail -3 "$TMP/inst2.log")"
fi

# ---- scan --format sarif ------------------------------------------------------------
"$BIN" scan --format sarif "$CORE" "$TMP/no-such-dump" > "$TMP/out.sarif" 2>/dev/null
check_eq "sarif: exit code (found beats error)" 1 "$?"
res=$("$PY" - "$TMP/out.sarif" "$TMP/cmd.jsonl" "$CORE" "$TMP/no-such-dump" <<'EOF'
import json, os, sys
log = json.load(open(sys.argv[1]))
lines = [json.loads(l) for l in open(sys.argv[2])]
core, missing = os.path.realpath(sys.argv[3]), sys.argv[4]
errs = []
def need(cond, what):
    if not cond:
        errs.append(what)
need(log.get("version") == "2.1.0", "version")
need("sarif-2.1.0" in log.get("$schema", ""), "$schema")
need(isinstance(log.get("runs"), list) and len(log["runs"]) == 1, "one run")
run = log["runs"][0]
drv = run.get("tool", {}).get("driver", {})
need(drv.get("name") == "dumpscrub" and drv.get("version"), "tool.driver name/version")
need({r["id"] for r in drv.get("rules", [])} == {f["kind"] for f in lines}, "a rule per kind")
res = run.get("results", [])
need(len(res) == len(lines) and len(res) > 0, "one result per finding (%d vs %d)" % (len(res), len(lines)))
level = {"verified": "error", "likely": "warning", "possible": "note"}
for r, f in zip(res, lines):
    need(r.get("ruleId") == f["kind"], "ruleId = kind")
    need(r.get("level") == level[f["confidence"]], "level by confidence")
    need(isinstance(r.get("message", {}).get("text"), str), "message.text")
    pl = r["locations"][0]["physicalLocation"]
    need(pl["artifactLocation"]["uri"] == "file://" + core, "file URI")
    need(pl["region"] == {"byteOffset": f["offset"], "byteLength": f["length"]}, "byte region")
    if "region" in f:
        need(r["locations"][0]["logicalLocations"][0]["name"] == f["region"], "logical location")
    if "fingerprint" in f:
        need(r["partialFingerprints"]["keyFingerprint/v1"] == f["fingerprint"], "partialFingerprints")
    p = r.get("properties", {})
    need(all(p.get(k) == f[k] for k in ("detector", "confidence", "vaddr", "region", "bits") if k in f), "properties")
inv = run.get("invocations", [])
need(len(inv) == 1 and inv[0]["exitCode"] == 1 and inv[0]["executionSuccessful"] is False, "invocation")
notes = inv[0].get("toolExecutionNotifications", []) if inv else []
need(any(n["level"] == "error" and n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(missing) for n in notes), "notification for the missing file")
print("ok" if not errs else "; ".join(sorted(set(errs))))
EOF
)
check_eq "sarif: 2.1.0 structure, one result per finding, locations, fingerprints" ok "$res"
check "sarif: no key bytes in the log" sl_leaks "$TMP/out.sarif" "$K/rsa.pem"

# ---- systemd unit ------------------------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
    U=$TMP/units
    mkdir -p "$U"
    sed "s|@BINDIR@|$(dirname "$BIN")|" 'docs/systemd/dumpscrub-gate@.service' > "$U/dumpscrub-gate@.service"
    cp "$U/dumpscrub-gate@.service" "$U/dumpscrub-gate@srv-dumps.service"
    out=$(cd "$U" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no \
          "$U/dumpscrub-gate@srv-dumps.service" 2>&1)
    check_eq "systemd: systemd-analyze verify accepts dumpscrub-gate@.service" "" "$out"
    check "systemd: the instance names the directory (%f) read-write, nothing else" \
        grep -qx 'ReadWritePaths=%f' "$U/dumpscrub-gate@.service"
    # systemd's own exposure rating (0 best, 10 worst; "OK" is below 3.4)
    sec=$(cd "$U" && systemd-analyze security --offline=yes --no-pager \
          "$U/dumpscrub-gate@srv-dumps.service" 2>/dev/null |
          sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    if [ -n "$sec" ]; then
        check "systemd: exposure level $sec is at most 2.0 (systemd-analyze security)" \
            awk -v s="$sec" 'BEGIN { exit !(s <= 2.0) }'
    else
        skip "systemd: this systemd-analyze cannot rate a unit file offline"
    fi
else
    skip "systemd: systemd-analyze not installed"
fi

# The unit's own command line (ExecStart with its Environment= and the
# instance specifiers expanded as systemd would) quarantines a dirty dump
# and passes a clean file; SIGTERM (systemctl stop) ends it with exit 0.
if command -v systemd-escape >/dev/null; then
    S=$TMP/share
    mkdir -p "$S" "$TMP/state"
    cp "$CORE" "$S/victim.core"
    head -c 65536 /dev/urandom > "$S/clean.bin"
    inst=$(systemd-escape -p "$S")
    unit=$(sed "s|@BINDIR@|$(dirname "$BIN")|" 'docs/systemd/dumpscrub-gate@.service')
    action=$(sed -n 's/^Environment=DUMPSCRUB_GATE_ACTION=//p' <<<"$unit")
    action=${action//%i/$inst}
    action=${action//\/var\/lib\/dumpscrub/$TMP/state}
    exec_line=$(sed -n 's/^ExecStart=//p' <<<"$unit")
    exec_line=${exec_line//\$DUMPSCRUB_GATE_ACTION/$action}
    exec_line=${exec_line//\$DUMPSCRUB_GATE_OPTS/--settle 100}
    exec_line=${exec_line//%f/$S}
    mkdir -p "$TMP/state/quarantine" && chmod 700 "$TMP/state/quarantine"
    # shellcheck disable=SC2086  # word splitting as systemd does
    $exec_line > "$TMP/gate.out" 2>"$TMP/gate.err" &
    gpid=$!
    for _ in $(seq 300); do
        [ "$(grep -c '"outcome"' "$TMP/gate.out")" -ge 2 ] && break
        sleep 0.1
    done
    kill -TERM "$gpid"
    wait "$gpid"
    check_eq "systemd: the unit's command exits 0 on SIGTERM" 0 "$?"
    check "systemd: the unit's command quarantines the dirty dump" \
        test -f "$TMP/state/quarantine/$inst/victim.core" -a ! -e "$S/victim.core"
    check "systemd: the unit's command passes the clean file" \
        grep -q '"outcome":"pass","file":"'"$S"'/clean.bin"' "$TMP/gate.out"
else
    skip "systemd: systemd-escape not installed"
fi
