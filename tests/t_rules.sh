#!/bin/bash
# Pattern rules (scanner/rules.c, scanner/detect_rules.c, patterns/):
#  - `rules check patterns/default.rules` passes (every embedded sample);
#  - every default rule's sample+ lines, held by a real python3 process as
#    bytes in ASCII and in UTF-16LE, are found in its gcore with the rule's
#    kind and the rule id as `detector`; no sample- line is;
#  - a rule file with a syntax error: file:line: and exit 2 (check and scan);
#  - --no-default-rules and --rules FILE|DIR;
#  - a hostile rule ((a+)+$) on a hostile dump finishes quickly (limits);
#  - the gcore of an ordinary big python3 process gives no rules finding.
. "$(dirname "$0")/lib.sh"

RULES=$TOP/patterns/default.rules
vpid=''
cleanup() { [ -n "$vpid" ] && kill "$vpid" 2>/dev/null; exec 3>&- 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

if [ ! -x "$DS" ] || [ ! -x "$DS_FAST" ]; then
    fail "rules: $DS or $DS_FAST not built"; exit 0
fi
if ! command -v gcore >/dev/null; then
    skip "rules: gcore (gdb) not installed"; exit 0
fi

out=$("$DS" rules check "$RULES" 2>&1); rc=$?
check_eq "rules: rules check default.rules exits 0" 0 "$rc"
check "rules: rules check ran samples" grep -q ' 0 failed$' <<<"$out"
out=$("$DS" rules check "$TOP/patterns" 2>&1); rc=$?
check_eq "rules: rules check on the patterns directory exits 0" 0 "$rc"

# A sample that does not behave makes `rules check` fail (exit 1).
cat > "$TMP/wrong.rules" <<'R'
id: wrong-sample
keywords: zzqtoken-
regex: zzqtoken-(?<secret>[a-z]{8})
sample+: zzqtoken-NOTLOWERCASE
sample-: zzqtoken-abcdefgh
R
check_rc "rules: a failing sample makes rules check exit 1" 1 "$DS" rules check "$TMP/wrong.rules"

# Syntax errors: file:line: and exit 2.
printf 'id: broken\nkeywords: abcd\nregex: (unclosed\n' > "$TMP/bad1.rules"
printf 'id: ok-one\nkeywords: abcd\nregex: abcd\nbogus line without colon\n' > "$TMP/bad2.rules"
printf '# c\n\nid: short-kw\nkeywords: ab\nregex: ab\n' > "$TMP/bad3.rules"
for b in bad1:1 bad2:4 bad3:4; do
    f=${b%%:*} line=${b#*:}
    err=$("$DS" rules check "$TMP/$f.rules" 2>&1 >/dev/null); rc=$?
    check_eq "rules: $f.rules: rules check exits 2" 2 "$rc"
    check "rules: $f.rules: message names $f.rules:$line:" grep -q "$f.rules:$line: " <<<"$err"
done
printf 'x' > "$TMP/blob"
err=$("$DS" scan --rules "$TMP/bad1.rules" "$TMP/blob" 2>&1 >/dev/null); rc=$?
check_eq "rules: scan --rules with a broken file exits 2" 2 "$rc"
check "rules: scan names bad1.rules:1:" grep -q "bad1.rules:1: " <<<"$err"

# ---- the victim: every sample, ASCII and UTF-16LE, held as bytes ----------
python3 - "$RULES" > "$TMP/samples.json" <<'PY'
import json, sys, re
def unesc(s):
    out = bytearray(); i = 0
    while i < len(s):
        c = s[i]
        if c != '\\': out += c.encode('latin-1'); i += 1; continue
        n = s[i+1]
        if n == 'x': out.append(int(s[i+2:i+4], 16)); i += 4; continue
        out += {'\\': b'\\', 'n': b'\n', 'r': b'\r', 't': b'\t', 's': b' '}[n]; i += 2
    return bytes(out)
rules = []; cur = None
for ln, line in enumerate(open(sys.argv[1], encoding='latin-1'), 1):
    line = line.rstrip('\r\n \t'); s = line.lstrip(' \t')
    if not s or s.startswith('#'): continue
    k, v = s.split(':', 1); k = k.strip(); v = v.lstrip(' \t')
    if k == 'id': cur = {'id': v, 'kind': 'token', 'enc': ['ascii', 'utf16le'], 'pos': [], 'neg': []}; rules.append(cur)
    elif k == 'kind': cur['kind'] = v
    elif k == 'encodings': cur['enc'] = v.replace(',', ' ').split()
    elif k == 'sample+': cur['pos'].append([ln, unesc(v).hex()])
    elif k == 'sample-': cur['neg'].append([ln, unesc(v).hex()])
json.dump(rules, sys.stdout)
PY
cat > "$TMP/victim.py" <<'PY'
import json, sys, os, time
rules = json.load(open(sys.argv[1]))
keep = []
for r in rules:
    for ln, h in r['pos'] + r['neg']:
        b = bytes.fromhex(h)
        keep.append(b'\n' + b + b'\n')
        if 'utf16le' in r['enc']:
            keep.append(('\n' + b.decode('latin-1') + '\n').encode('utf-16-le'))
print('ready pid=%d' % os.getpid(), flush=True)
sys.stdin.read()
PY
mkfifo "$TMP/in"
python3 "$TMP/victim.py" "$TMP/samples.json" < "$TMP/in" > "$TMP/ready" &
vpid=$!
exec 3> "$TMP/in"
for i in $(seq 100); do grep -q 'ready pid=' "$TMP/ready" 2>/dev/null && break; sleep 0.2; done
gcore -o "$TMP/victim" "$vpid" >/dev/null 2>&1
exec 3>&-; wait "$vpid" 2>/dev/null; vpid=''
CORE=$(ls "$TMP"/victim.* 2>/dev/null | head -1)
if [ -z "$CORE" ]; then
    fail "rules: gcore of the sample victim failed"
else
    "$DS" scan --json "$CORE" > "$TMP/found.json" 2>"$TMP/scan.err"; rc=$?
    check_eq "rules: scan of the sample core exits 1 (found)" 1 "$rc"
    python3 - "$TMP/samples.json" "$CORE" "$TMP/found.json" <<'PY'
import json, sys
rules = json.load(open(sys.argv[1]))
core = open(sys.argv[2], 'rb').read()
found = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
def occ(b):
    out = []; i = core.find(b)
    while i >= 0:
        out.append(i); i = core.find(b, i + 1)
    return out
def covered(rid, kind, o, n):
    return [f for f in found if f['detector'] == rid and f['offset'] < o + n and o < f['offset'] + f['length']]
for r in rules:
    for enc in ('ascii', 'utf16le'):
        if enc not in r['enc']: continue
        for sign, lst in (('+', r['pos']), ('-', r['neg'])):
            for ln, h in lst:
                # as planted: between newlines (a sample may be a prefix of another)
                b = b'\n' + bytes.fromhex(h) + b'\n'
                if enc == 'utf16le': b = b.decode('latin-1').encode('utf-16-le')
                u = 2 if enc == 'utf16le' else 1
                where = [o + u for o in occ(b)]
                b = b[u:-u]
                name = 'rules: core: %s line %d sample%s %s' % (r['id'], ln, sign, enc)
                if not where:
                    print('FAIL %s: sample not in the core' % name); continue
                hits = [f for o in where for f in covered(r['id'], r['kind'], o, len(b))]
                if sign == '+':
                    if not hits:
                        print('FAIL %s: not found (%d copies)' % (name, len(where)))
                    elif any(f['kind'] != r['kind'] for f in hits):
                        print('FAIL %s: kind %s' % (name, hits[0]['kind']))
                    else:
                        print('PASS %s (kind %s, detector %s)' % (name, hits[0]['kind'], r['id']))
                else:
                    print(('FAIL %s: reported' if hits else 'PASS %s') % name)
PY
    # --no-default-rules: no rules finding at all; --rules adds a custom rule.
    ids=$(python3 -c 'import json,sys; print(" ".join(r["id"] for r in json.load(open(sys.argv[1]))))' "$TMP/samples.json")
    n_rules() { python3 -c 'import json,sys; ids=set(sys.argv[2].split()); print(sum(1 for l in open(sys.argv[1]) if l.strip() and json.loads(l)["detector"] in ids))' "$1" "$2"; }
    "$DS_FAST" scan --json --no-default-rules "$CORE" > "$TMP/nodef.json" 2>/dev/null
    check_eq "rules: --no-default-rules: no rules finding" 0 "$(n_rules "$TMP/nodef.json" "$ids")"
    cat > "$TMP/custom.rules" <<'R'
id: custom-canary
description: test rule for --rules
keywords: ghp_
keyword-case: sensitive
regex: (?<secret>ghp_[A-Za-z0-9]{36})
entropy: 3.0
confidence: likely
sample+: ghp_0123456789abcdefghijABCDEFGHIJ012345
R
    mkdir -p "$TMP/rdir" && cp "$TMP/custom.rules" "$TMP/rdir/"
    "$DS_FAST" scan --json --no-default-rules --rules "$TMP/custom.rules" "$CORE" > "$TMP/cust.json" 2>/dev/null
    check "rules: --no-default-rules --rules FILE: the custom rule fires" test "$(n_rules "$TMP/cust.json" custom-canary)" -gt 0
    check_eq "rules: --no-default-rules --rules FILE: no default rule fires" 0 "$(n_rules "$TMP/cust.json" "$ids")"
    "$DS_FAST" scan --json --rules "$TMP/rdir" "$CORE" > "$TMP/both.json" 2>/dev/null
    check "rules: --rules DIR adds to the defaults (custom)" test "$(n_rules "$TMP/both.json" custom-canary)" -gt 0
    check "rules: --rules DIR adds to the defaults (defaults)" test "$(n_rules "$TMP/both.json" "$ids")" -gt 0
    DUMPSCRUB_RULES=$TMP/rdir "$DS_FAST" scan --json "$CORE" > "$TMP/env.json" 2>/dev/null
    check "rules: DUMPSCRUB_RULES replaces the default pack" \
        test "$(n_rules "$TMP/env.json" custom-canary)" -gt 0 -a "$(n_rules "$TMP/env.json" "$ids")" -eq 0
fi

# ---- hostile rule, hostile dump --------------------------------------------
cat > "$TMP/hostile.rules" <<'R'
id: hostile
keywords: HOSTILE
regex: HOSTILE(?<secret>(a+)+$)
window: 0 16384
sample+: HOSTILEa
R
python3 -c '
import sys
blk = b"HOSTILE" + b"a" * 5000 + b"b\n"
sys.stdout.buffer.write(blk * 2000 + b"a" * (4 << 20) + b"HOSTILE" + b"a" * (4 << 20) + b"!")' > "$TMP/hostile.bin"
t0=$(date +%s%N)
timeout 60 "$DS_FAST" scan --json --no-default-rules --rules "$TMP/hostile.rules" "$TMP/hostile.bin" > /dev/null 2>&1; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check_eq "rules: hostile rule on a hostile dump ($(( $(stat -c %s "$TMP/hostile.bin") >> 20 )) MiB) ends with nothing found" 0 "$rc"
check "rules: hostile rule finishes within 5 s (took ${ms} ms)" test "$ms" -lt 5000
t0=$(date +%s%N)
timeout 120 "$DS" scan --json --no-default-rules --rules "$TMP/hostile.rules" "$TMP/hostile.bin" > /dev/null 2>&1; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "rules: hostile rule, sanitizer build, within 30 s (took ${ms} ms, rc $rc)" test "$rc" -ne 124 -a "$ms" -lt 30000

# ---- an ordinary big process: no rules finding -----------------------------
cat > "$TMP/big.py" <<'PY'
import sys, os, json, re, collections, decimal, email, email.mime.text, http.client, urllib.request
import xml.dom.minidom, sqlite3, asyncio, logging, argparse, csv, hashlib, random, textwrap, difflib
import unittest, tarfile, zipfile, html.parser, ssl, socket, subprocess, pathlib, pydoc, inspect
r = random.Random(7)
words = [''.join(r.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(r.randrange(3, 10))) for _ in range(30000)]
d = {}
for i in range(400000):
    d['key%d_%s' % (i, r.choice(words))] = ' '.join(r.choice(words) for _ in range(6)) + ' %d %f' % (i, r.random())
text = pydoc.render_doc(json) + pydoc.render_doc(http.client) + json.dumps(list(d.items())[:50000])
print('ready pid=%d' % os.getpid(), flush=True)
sys.stdin.read()
PY
rm -f "$TMP/in"; mkfifo "$TMP/in"
python3 "$TMP/big.py" < "$TMP/in" > "$TMP/ready2" &
vpid=$!
exec 3> "$TMP/in"
for i in $(seq 300); do grep -q 'ready pid=' "$TMP/ready2" 2>/dev/null && break; sleep 0.2; done
gcore -o "$TMP/big" "$vpid" >/dev/null 2>&1
exec 3>&-; wait "$vpid" 2>/dev/null; vpid=''
BIG=$(ls "$TMP"/big.[0-9]* 2>/dev/null | head -1)
if [ -z "$BIG" ]; then
    fail "rules: gcore of the big python3 process failed"
else
    "$DS_FAST" scan --json "$BIG" > "$TMP/big.json" 2>/dev/null
    n=$(n_rules "$TMP/big.json" "$ids" 2>/dev/null || echo error)
    check_eq "rules: ordinary big python3 core ($(( $(stat -c %s "$BIG") >> 20 )) MiB): no rules finding" 0 "$n"
    rm -f "$BIG"
fi
exit 0
