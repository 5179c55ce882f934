#!/bin/bash
# t_sweep.sh - sweeps over an archive of real dumps: parallel files, the
# summary by key, sharding + merge, --state resume after SIGKILL, grown
# archives, merged exit codes.  The archive is made here: gcore dumps of
# victims holding freshly generated keys (one as a gzip, one as a zstd, one
# converted to a minidump), planted keys in noise, and the external corpus.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/scrub_lib.sh"

if [ ! -x "$DS" ]; then skip "sweep: $DS not built"; exit 0; fi
K=$TMP/keys
sl_keys "$K" || { fail "sweep: openssl keygen"; exit 0; }
A=$TMP/archive
mkdir -p "$A/host1/2024" "$A/host2" "$A/host3/sub" "$A/ext"
if ! sl_gcore der-pkcs8 "$K/rsa.pem" "$A/host1/2024/core.1"; then
    skip "sweep: gcore cannot dump a victim here"; exit 0
fi
sl_gcore pem "$K/rsa.pem" "$A/host2/core.2" && gzip "$A/host2/core.2"
sl_gcore der-sec1 "$K/ec.pem" "$A/host3/core.3" && zstd -q --rm "$A/host3/core.3"
# The minidump carries its own time (core2mdmp stamps the core's mtime).
touch -d '2021-06-01 00:00:00 UTC' "$A/host1/2024/core.1"
"$CORPUS_BIN/core2mdmp" "$A/host1/2024/core.1" "$A/host3/sub/app.dmp" >/dev/null 2>&1
touch "$A/host1/2024/core.1" "$A/host3/sub/app.dmp"
sl_plant "$A/host2/blob.bin" 1048576 11 "$K/rsa8.der" "$K/ed.pem" && rm -f "$A/host2/blob.bin.plan"
touch -d '2020-01-02 03:04:05 UTC' "$A/host2/blob.bin"
head -c 300000 /dev/urandom > "$A/host1/clean.bin"
cp "$EXT"/lldb/*.core "$EXT"/lldb/linux-x86_64.dmp "$EXT"/breakpad/*.dmp "$A/ext/"
# Uploads as crash reporters make them: a zip and a tar.gz of dumps.
mkdir -p "$A/uploads"
(cd "$A" && "$PY" -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for f in sys.argv[2:]: z.write(f)' uploads/wer.zip host1/2024/core.1 host3/core.3.zst)
tar -C "$A/host3" -czf "$A/uploads/crash.tar.gz" sub/app.dmp
for f in host1/2024/core.1 host2/core.2.gz host3/core.3.zst host3/sub/app.dmp uploads/wer.zip; do
    [ -s "$A/$f" ] || fail "sweep: archive member $f not made"
done
RSA_FP=sha256:$(openssl pkey -in "$K/rsa.pem" -pubout -outform DER | sha256sum | cut -d' ' -f1)
EC_FP=sha256:$(openssl pkey -in "$K/ec.pem" -pubout -outform DER | sha256sum | cut -d' ' -f1)
openssl pkey -in "$K/rsa.pem" -pubout -out "$K/rsa_pub.pem" 2>/dev/null
nfiles=$(find "$A" -type f | wc -l)

# --- parallel across files = one at a time ---------------------------------
"$DS" scan --json --jobs 1 "$A" > "$TMP/j1.jsonl" 2>/dev/null; rc1=$?
"$DS" scan --json --jobs 2 "$A" > "$TMP/j2.jsonl" 2>/dev/null; rc2=$?
check_eq "sweep: exit code with keys in the archive" 1 "$rc1"
check_eq "sweep: --jobs 2 exit code = --jobs 1" "$rc1" "$rc2"
check "sweep: --jobs 1 finds keys" test "$(grep -c "$RSA_FP" "$TMP/j1.jsonl")" -ge 4
check "sweep: --jobs 2 finds the same findings as --jobs 1" \
    cmp -s <(sort "$TMP/j1.jsonl") <(sort "$TMP/j2.jsonl")
"$DS" scan --sort --jobs 2 "$A" > "$TMP/s2.txt" 2>/dev/null
"$DS" scan --sort --jobs 1 "$A" > "$TMP/s1.txt" 2>/dev/null
check "sweep: --sort prints the same report whatever the thread count" cmp -s "$TMP/s1.txt" "$TMP/s2.txt"
check_eq "sweep: the table has one header" 1 "$(grep -c '^FILE ' "$TMP/s2.txt")"
# Every file's lines come in one piece: no file's findings are split.
check_eq "sweep: findings of one file are not interleaved" "" "$(
    "$PY" -c 'import json,sys
seen, last, bad = set(), None, []
for l in open(sys.argv[1]):
    f = json.loads(l)["file"]
    if f != last:
        if f in seen: bad.append(f)
        seen.add(f); last = f
print(" ".join(bad))' "$TMP/j2.jsonl")"

# --- summary by key -----------------------------------------------------------
"$DS" scan --quiet --known-keys "$K/rsa_pub.pem" --summary-json "$TMP/sum.json" "$A" >/dev/null 2>&1
S=$TMP/sum.json
key() { sl_json_get "$S" "[k for k in d['keys'] if k['fingerprint']=='$1'][0]$2"; }
check_eq "summary: RSA key under its openssl fingerprint, in 6 dumps" 6 "$(key "$RSA_FP" "['dumps']")"
check_eq "summary: its paths (core, gzip, minidump, planted, zip and tar.gz members)" \
    "host1/2024/core.1 host2/blob.bin host2/core.2.gz host3/sub/app.dmp uploads/crash.tar.gz!sub/app.dmp uploads/wer.zip!host1/2024/core.1" \
    "$(key "$RSA_FP" "['paths']" | tr -d "[]',\"" | tr ' ' '\n' | sed "s|^$A/||" | sort | xargs)"
check_eq "summary: RSA kind and bits" "rsa-private-key 2048" \
    "$(key "$RSA_FP" "['kind']") $(key "$RSA_FP" "['bits']")"
check_eq "summary: RSA key is known (--known-keys)" True "$(key "$RSA_FP" "['known']")"
check_eq "summary: EC key in the zstd dump and its zip copy, not known" "2 False" \
    "$(key "$EC_FP" "['dumps']") $(key "$EC_FP" "['known']")"
check_eq "summary: one entry per fingerprint" "" \
    "$(sl_json_get "$S" "' '.join(f for f in set(k['fingerprint'] for k in d['keys']) if [k['fingerprint'] for k in d['keys']].count(f) > 1)")"
check_eq "summary: first dump time: the oldest file's mtime" 2020-01-02T03:04:05Z \
    "$(key "$RSA_FP" "['first_time_utc']")"
check "summary: last dump time: today" test "$(key "$RSA_FP" "['last_time']")" -ge $(( $(date +%s) - 3600 ))
"$DS" scan --quiet --summary-json "$TMP/mdmp.json" "$A/host3/sub" >/dev/null 2>&1
check_eq "summary: a minidump's own time beats its mtime" 2021-06-01T00:00:00Z \
    "$(sl_json_get "$TMP/mdmp.json" "d['keys'][0]['first_time_utc']")"
check_eq "summary: file count" "$nfiles" "$(sl_json_get "$S" "d['files']")"
check_eq "summary: every finding with a fingerprint is in the summary" "" "$(
    "$PY" -c 'import json,sys
s = json.load(open(sys.argv[2]))
keys = {k["fingerprint"]: set(k["paths"]) for k in s["keys"]}
for l in open(sys.argv[1]):
    f = json.loads(l)
    if "fingerprint" in f and f["file"] not in keys.get(f["fingerprint"], ()):
        print(f["file"], f["fingerprint"])' "$TMP/j1.jsonl" "$S")"
"$DS" scan "$A" > /dev/null 2> "$TMP/table.err"
check "summary: table on stderr after a multi-file scan" grep -q "^summary: $nfiles files" "$TMP/table.err"
check "summary: table lists the RSA key" grep -q "^$RSA_FP rsa-private-key" "$TMP/table.err"

# --- 4 shards under GNU parallel, merged = one run -----------------------------
if command -v parallel >/dev/null; then
    parallel --will-cite -j 2 "$DS scan --quiet --json --shard {}/4 --summary-json $TMP/sh{}.json $A > $TMP/sh{}.jsonl" ::: 1 2 3 4
    for i in 1 2 3 4; do
        check "shard: $i/4 got files" test "$(sl_json_get "$TMP/sh$i.json" "d['files']")" -gt 0
    done
    check_eq "shard: the shares add up to the archive" "$nfiles" "$(
        for i in 1 2 3 4; do sl_json_get "$TMP/sh$i.json" "d['files']"; done | paste -sd+ | bc)"
    "$DS" scan --quiet --json --summary-json "$TMP/one.json" "$A" > "$TMP/one.jsonl"
    "$DS" merge --quiet --summary-json "$TMP/merged.json" "$TMP"/sh4.jsonl "$TMP"/sh2.json \
        "$TMP"/sh1.jsonl "$TMP"/sh3.jsonl "$TMP"/sh4.json "$TMP"/sh2.jsonl "$TMP"/sh3.json \
        "$TMP"/sh1.json > "$TMP/merged.jsonl"
    mrc=$?
    check_eq "merge: exit code = one run's" 1 "$mrc"
    check "merge: findings = one run's" cmp -s <(sort "$TMP/one.jsonl") <(sort "$TMP/merged.jsonl")
    check "merge: output sorted by file" cmp -s <(sort -s -t'"' -k4,4 "$TMP/merged.jsonl") "$TMP/merged.jsonl"
    check_eq "merge: summary = one run's" "" "$(
        "$PY" -c 'import json,sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for k in ("keys", "other", "files", "bytes", "files_with_findings", "files_unproven", "exit"):
    if a[k] != b[k]: print(k)' "$TMP/one.json" "$TMP/merged.json")"
    check_eq "shard: the same split on a second run" "$(cat "$TMP/sh3.jsonl" | sort | md5sum)" \
        "$("$DS" scan --quiet --json --shard 3/4 "$A" | sort | md5sum)"
else
    skip "shard: GNU parallel not installed"
fi
check_rc "shard: 0/4 is refused" 2 "$DS" scan --shard 0/4 "$A"
check_rc "shard: 5/4 is refused" 2 "$DS" scan --shard 5/4 "$A"

# --- --state: killed midway, resumed ---------------------------------------------
# A bigger archive for the kill: noise files the scan takes a while over.
B=$TMP/big
mkdir -p "$B"
cp -r "$A/." "$B/"
for i in $(seq 1 24); do head -c 3000000 /dev/urandom > "$B/noise.$i"; done
nbig=$(find "$B" -type f | wc -l)
"$DS" scan --quiet --json --jobs 1 --summary-json "$TMP/full.json" "$B" > "$TMP/full.jsonl"
ST=$TMP/state.jsonl
"$DS" scan --quiet --json --jobs 1 --state "$ST" "$B" > "$TMP/killed.jsonl" 2>/dev/null &
kpid=$!
for _ in $(seq 600); do
    [ "$(wc -l 2>/dev/null < "$ST" || echo 0)" -ge 8 ] && break
    sleep 0.05
done
kill -KILL "$kpid" 2>/dev/null; killed=$?
wait "$kpid" 2>/dev/null
done_before=$(( $(wc -l < "$ST") - 1 ))
if [ "$killed" -ne 0 ] || [ "$done_before" -ge "$nbig" ]; then
    fail "state: the sweep finished before it could be killed ($done_before of $nbig)"
else
    pass "state: sweep killed after $done_before of $nbig files"
    # A torn record, as a kill in the middle of a write would leave it.
    printf '{"path":"%s/noise.1","path_sha256":"00' "$B" >> "$ST"
    "$DS" scan --quiet --json --jobs 2 --state "$ST" --summary-json "$TMP/res.json" "$B" > "$TMP/resumed.jsonl"
    rrc=$?
    check_eq "state: resumed sweep exits as the full one" 1 "$rrc"
    check "state: resumed report = uninterrupted report" \
        cmp -s <(sort "$TMP/full.jsonl") <(sort "$TMP/resumed.jsonl")
    check_eq "state: finished files not scanned again" "$done_before $(( nbig - done_before ))" \
        "$(sl_json_get "$TMP/res.json" "d['files_resumed']") $(sl_json_get "$TMP/res.json" "d['files_scanned']")"
    check_eq "state: resumed summary keys = full summary keys" "" "$(
        "$PY" -c 'import json,sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for k in ("keys", "other", "files", "exit"):
    if a[k] != b[k]: print(k)' "$TMP/full.json" "$TMP/res.json")"
    check "state: torn last line cut, every record whole" "$PY" -c 'import json,sys
[json.loads(l) for l in open(sys.argv[1])]' "$ST"
    # Grown archive: only the new files are read.
    sl_gcore der-pkcs1 "$K/rsa.pem" "$B/new.core" || cp "$A/host1/2024/core.1" "$B/new.core"
    head -c 100000 /dev/urandom > "$B/new.bin"
    "$DS" scan --quiet --json --state "$ST" --summary-json "$TMP/grown.json" "$B" > "$TMP/grown.jsonl"
    check_eq "state: grown archive: only the 2 new files are read" "2 $nbig" \
        "$(sl_json_get "$TMP/grown.json" "d['files_scanned']") $(sl_json_get "$TMP/grown.json" "d['files_resumed']")"
    "$DS" scan --quiet --json "$B" > "$TMP/grown-fresh.jsonl"
    check "state: grown archive report = a fresh sweep's" \
        cmp -s <(sort "$TMP/grown.jsonl") <(sort "$TMP/grown-fresh.jsonl")
    check_eq "state: the new core's key joins the summary" 7 \
        "$(sl_json_get "$TMP/grown.json" "[k for k in d['keys'] if k['fingerprint']=='$RSA_FP'][0]['dumps']")"
    # A changed file (same path, new content) is read again.
    touch -d '2020-01-01' "$B/new.bin"
    "$DS" scan --quiet --json --state "$ST" --summary-json "$TMP/changed.json" "$B" > /dev/null
    check_eq "state: a changed file is read again" 1 "$(sl_json_get "$TMP/changed.json" "d['files_scanned']")"
    check_rc "state: other options refuse the state file" 2 \
        "$DS" scan --quiet --min-confidence verified --state "$ST" "$B"
fi

# --- archives ---------------------------------------------------------------------------
check_eq "archive: zip member reported as ARCHIVE!member, same findings as the file" \
    "$(grep "\"$A/host1/2024/core.1\"" "$TMP/j1.jsonl" | sed 's/^{"file":"[^"]*"//' | sort | md5sum)" \
    "$(grep "\"$A/uploads/wer.zip!host1/2024/core.1\"" "$TMP/j1.jsonl" | sed 's/^{"file":"[^"]*"//' | sort | md5sum)"
check "archive: zstd member inside a zip decompressed and scanned" \
    grep -q "\"$A/uploads/wer.zip!host3/core.3.zst\".*$EC_FP" "$TMP/j1.jsonl"
check "archive: minidump inside a tar.gz labelled like the file" \
    test "$(grep "crash.tar.gz!sub/app.dmp" "$TMP/j1.jsonl" | grep -c '"vaddr"')" -ge 1
head -c 20000 "$A/uploads/crash.tar.gz" > "$TMP/cut.tar.gz"
check_rc "archive: a truncated tar.gz is an error, not clean" 2 "$DS" scan "$TMP/cut.tar.gz"
cp "$A/host1/2024/core.1" "$TMP/plain.core"; gzip "$TMP/plain.core"; mv "$TMP/plain.core.gz" "$TMP/notatar.tgz"
check_rc "archive: a .tgz that is no tar is scanned as a dump" 1 "$DS" scan "$TMP/notatar.tgz"
if command -v zip >/dev/null; then
    (cd "$A" && zip -q -P pw "$TMP/enc.zip" host1/clean.bin)
    check_rc "archive: an encrypted member makes the archive not proven clean" 3 "$DS" scan "$TMP/enc.zip"
else
    skip "archive: zip not installed (encrypted member)"
fi

# --- exit codes merged across files (DESIGN.md) -----------------------------------
X=$TMP/x
mkdir -p "$X/clean" "$X/unproven" "$X/error" "$X/found"
head -c 50000 /dev/urandom > "$X/clean/a"; head -c 60000 /dev/urandom > "$X/clean/b"
cp "$X/clean/a" "$X/unproven/a"; cp "$EXT/rust-minidump/invalid-range.dmp" "$X/unproven/"
cp "$X/unproven/"* "$X/error/"
printf '\037\213\010\000\000\000\000\000\000\003garbage-not-deflate' > "$X/error/broken.gz"
cp "$X/error/"* "$X/found/"; cp "$A/host1/2024/core.1" "$X/found/"
check_rc "exit: clean files -> 0" 0 "$DS" scan --jobs 2 "$X/clean"
check_rc "exit: clean + not proven clean -> 3" 3 "$DS" scan --jobs 2 "$X/unproven"
check_rc "exit: + an unreadable file -> 2" 2 "$DS" scan --jobs 2 "$X/error"
check_rc "exit: + a key -> 1" 1 "$DS" scan --jobs 2 "$X/found"
"$DS" scan --quiet --jobs 2 --summary-json "$TMP/x.json" "$X/error" >/dev/null 2>&1
check_eq "exit: summary counts unproven and unreadable files" "1 1 2" \
    "$(sl_json_get "$TMP/x.json" "d['files_unproven']") $(sl_json_get "$TMP/x.json" "d['files_error']") $(sl_json_get "$TMP/x.json" "d['exit']")"
for s in 1 2; do
    "$DS" scan --quiet --json --shard $s/2 --summary-json "$TMP/xs$s.json" "$X/error" > /dev/null 2>&1
done
check_rc "merge: exit codes merged across shards" 2 "$DS" merge --quiet "$TMP/xs1.json" "$TMP/xs2.json"
check_rc "merge: bad input -> 2" 2 "$DS" merge --quiet "$K/rsa_pub.pem"

# --- no secret in any output ---------------------------------------------------------
cat "$TMP"/*.jsonl "$TMP"/*.json "$ST" "$TMP/table.err" "$TMP/s1.txt" > "$TMP/all-out" 2>/dev/null
check "sweep: no key bytes in reports, summaries, state" sl_leaks "$TMP/all-out" "$K/rsa.pem" "$K/ec.pem" "$K/ed.pem"
