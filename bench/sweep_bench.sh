#!/bin/bash
# sweep_bench.sh - a forensic sweep over a generated archive of dumps,
# dumpscrub against the I/O limit and the peers packaged by Debian.
#
#   bench/sweep_bench.sh        (results: the "Sweep" section of bench/RESULTS.md)
#
# The archive (built once, cached in build/tmp/sweep-bench/archive):
#   bulk/   a gcore of bench/aes_bench_proc.py (an ordinary ~1 GiB process
#           of mixed data), as is and as a zstd copy: 2 GiB of dump bytes
#   keys/   gcores of corpus/victim_keys holding freshly generated keys in
#           13 forms, corpus/victim_aes (AES contexts) and
#           corpus/victim_rsamem (an RSA key only in OpenSSL's BIGNUMs);
#           some gzip/zstd/xz-compressed, some converted to minidumps
#   uploads/ a zip and a tar.gz of some of those dumps
# One run, the page cache warm: `cat` of every file (the I/O limit),
# dumpscrub --jobs 1 and --jobs 2, aeskeyfind, rsakeyfind and yara with
# private-key rules (bench/sweep-keys.yar), each over the files as they lie
# on disk.  "Hits": for every dump holding a planted key, whether each tool
# reports a key in it.  No key is ever written to the results.
set -u
cd "$(dirname "$0")/.." || exit 2
TOP=$(pwd)
OUT=$TOP/bench/RESULTS.md
W=$TOP/build/tmp/sweep-bench
A=$W/archive
DS=$TOP/build/dumpscrub
make -s build/dumpscrub corpus || exit 2
for p in aeskeyfind rsakeyfind yara; do
    command -v $p >/dev/null || apt-get install -y $p >/dev/null 2>&1 ||
        echo "$p not installed: its column stays empty" >&2
done
mkdir -p "$W"

# gcore_of OUT CMD...: run CMD with stdin a fifo we hold, gcore it once it
# prints "ready pid=", then let it exit.
gcore_of() {
    local out=$1 pid i; shift
    rm -f "$W/in" "$W/ready"; mkfifo "$W/in"
    "$@" < "$W/in" > "$W/ready" 2>/dev/null &
    pid=$!
    exec 3> "$W/in"
    for i in $(seq 600); do grep -q 'ready pid=' "$W/ready" 2>/dev/null && break; sleep 0.2; done
    gcore -o "$W/g" "$pid" > /dev/null 2>&1
    exec 3>&-
    wait "$pid" 2>/dev/null
    mv "$W/g.$pid" "$out" 2>/dev/null
    rm -f "$W/in" "$W/ready"
    [ -s "$out" ]
}

make_archive() {
    local K=$W/keys V=build/corpus/victim_keys
    rm -rf "$A/keys" "$A/uploads" "$K"; mkdir -p "$A/bulk" "$A/keys" "$A/uploads" "$K"; chmod 700 "$K"
    if [ ! -s "$A/bulk/app-2025-02.core.zst" ]; then
        echo "making the bulk core (~1 GiB process) ..." >&2
        gcore_of "$A/bulk/app-2025-01.core" python3 bench/aes_bench_proc.py || return 1
        zstd -q -3 -T0 -c "$A/bulk/app-2025-01.core" > "$A/bulk/app-2025-02.core.zst"
    fi
    echo "making the key dumps ..." >&2
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/rsa.pem" 2>/dev/null
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$K/rsa3.pem" 2>/dev/null
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$K/ec.pem" 2>/dev/null
    openssl genpkey -algorithm ED25519 -out "$K/ed.pem" 2>/dev/null
    openssl rsa -in "$K/rsa.pem" -outform PVK -pvk-none -out "$K/rsa.pvk" 2>/dev/null
    ssh-keygen -q -t ed25519 -N '' -f "$K/id_ed25519" 2>/dev/null
    openssl rsa -in "$K/rsa3.pem" -traditional -out "$K/rsa3-pkcs1.pem" 2>/dev/null
    command -v puttygen >/dev/null && puttygen "$K/rsa3-pkcs1.pem" -o "$K/rsa3.ppk" -O private 2>/dev/null
    # name  form  keyfile  (the key each dump holds, for the hits table)
    cat > "$W/plan" <<EOF
rsa-der-pkcs8 der-pkcs8 rsa.pem
rsa-pem pem rsa.pem
rsa-der-pkcs1 der-pkcs1 rsa3.pem
rsa-pem-utf16 pem-utf16le rsa3.pem
rsa-pem-json pem-json rsa.pem
rsa-cng cng-rsa2 rsa3.pem
rsa-capi capi rsa.pem
rsa-pvk pvk rsa.pvk
ec-der-sec1 der-sec1 ec.pem
ec-pem pem ec.pem
ed25519-pem pem ed.pem
openssh-ed25519 openssh id_ed25519
putty-rsa ppk rsa3.ppk
EOF
    while read -r name form key; do
        [ -s "$K/$key" ] || continue
        gcore_of "$A/keys/$name.core" "$V" "$form" "$K/$key" wait || echo "no core for $name" >&2
    done < "$W/plan"
    gcore_of "$A/keys/aes.core" build/corpus/victim_aes wait
    gcore_of "$A/keys/rsa-bignum.core" build/corpus/victim_rsamem "$K/rsa3.pem" wait
    # Containers as archives hold them: compressed, minidumps, zip, tar.gz.
    build/corpus/core2mdmp "$A/keys/rsa-pem.core" "$A/keys/rsa-pem.dmp" >/dev/null 2>&1
    build/corpus/core2mdmp "$A/keys/ec-der-sec1.core" "$A/keys/ec-der-sec1.dmp" >/dev/null 2>&1
    gzip -c "$A/keys/rsa-der-pkcs8.core" > "$A/keys/rsa-der-pkcs8.core.gz"
    zstd -q -c "$A/keys/ec-pem.core" > "$A/keys/ec-pem.core.zst"
    xz -T0 -1 -c "$A/keys/openssh-ed25519.core" > "$A/keys/openssh-ed25519.core.xz"
    (cd "$A/keys" && python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for f in sys.argv[2:]: z.write(f)' ../uploads/wer-reports.zip rsa-pem.dmp rsa-capi.core)
    tar -C "$A/keys" -czf "$A/uploads/crash-uploads.tar.gz" rsa-cng.core ed25519-pem.core
    # Public halves only, to name each key by its fingerprint.
    for k in rsa rsa3 ec ed; do
        openssl pkey -in "$K/$k.pem" -pubout -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1 > "$W/fp.$k"
    done
    rm -rf "$K"           # the private keys are not needed any more
    touch "$A/.complete"
}
[ -e "$A/.complete" ] || make_archive || { echo "cannot make the archive" >&2; exit 2; }

# Which key each file holds: the key file named in the plan for keys/NAME.*
# (fingerprint files fp.rsa, fp.rsa3, fp.ec, fp.ed), "ssh" for the OpenSSH
# key (OpenSSH cannot export an Ed25519 public key as SPKI: matched by kind),
# "aes" for the AES contexts, "-" for no planted key.
expected() {
    local b=${1##*/}
    b=${b%%.*}
    case "$1" in
        keys/aes.*) echo aes; return ;;
        keys/rsa-bignum.*) echo rsa3; return ;;
        uploads/crash-uploads.*) echo "rsa3 ed"; return ;;     # rsa-cng, ed25519-pem
        uploads/wer-reports.*) echo rsa; return ;;            # rsa-pem.dmp, rsa-capi
    esac
    local k
    k=$(awk -v n="$b" '$1 == n { print $3 }' "$W/plan")
    case "$k" in
        rsa.pem|rsa.pvk) echo rsa ;; rsa3.pem|rsa3.ppk) echo rsa3 ;;
        ec.pem) echo ec ;; ed.pem) echo ed ;; id_ed25519) echo ssh ;; *) echo - ;;
    esac
}

mapfile -t FILES < <(cd "$A" && find . -type f ! -name .complete | sed 's|^\./||' | sort)
bytes=$(cd "$A" && cat "${FILES[@]}" | wc -c)
dumpbytes=$(for f in "${FILES[@]}"; do case $f in
    *.zst) zstd -dc "$A/$f" | wc -c ;; *.gz) gzip -dc "$A/$f" | wc -c ;;
    *.xz) xz -dc "$A/$f" | wc -c ;; *) stat -c %s "$A/$f" ;; esac; done | paste -sd+ | bc)
(cd "$A" && cat "${FILES[@]}" > /dev/null; cat "${FILES[@]}" > /dev/null)

# run NAME CMD...: wall and CPU seconds (one run) into $W/t.NAME, output to $W/o.NAME
run() {
    local n=$1; shift
    /usr/bin/time -f "%e %U %S %M" -o "$W/t.$n" "$@" > "$W/o.$n" 2>/dev/null
    # time puts "Command exited with non-zero status N" first (exit 1 = found)
    tail -1 "$W/t.$n" > "$W/t.$n.x" && mv "$W/t.$n.x" "$W/t.$n"
}
# median3 NAME CMD...: the run with the median wall time of three
median3() {
    local n=$1 i; shift
    for i in 1 2 3; do run "$n.$i" "$@"; done
    for i in 1 2 3; do echo "$(cut -d' ' -f1 "$W/t.$n.$i") $i"; done | sort -n | sed -n 2p |
        { read -r _ i; cp "$W/t.$n.$i" "$W/t.$n"; cp "$W/o.$n.$i" "$W/o.$n"; }
}
# SWEEP_BENCH_REPORT=1: only rewrite the report from the last run's outputs.
if [ -z "${SWEEP_BENCH_REPORT:-}" ]; then
echo "running ..." >&2
echo "$(date -u +%Y-%m-%dT%H:%MZ) $(cut -d' ' -f1-3 /proc/loadavg)" > "$W/meta"
median3 cat sh -c "cd '$A' && cat $(printf "'%s' " "${FILES[@]}") > /dev/null"
median3 ds1 "$DS" scan --quiet --json --jobs 1 "$A"
median3 ds2 "$DS" scan --quiet --json --jobs 2 "$A"
run ds1sum "$DS" scan --quiet --json --jobs 1 --summary-json "$W/summary.json" "$A"
command -v aeskeyfind >/dev/null &&
    run akf sh -c "cd '$A' && for f in $(printf "'%s' " "${FILES[@]}"); do echo \"== \$f \$(aeskeyfind -q \"\$f\" | wc -l)\"; done"
command -v rsakeyfind >/dev/null &&
    run rkf sh -c "cd '$A' && for f in $(printf "'%s' " "${FILES[@]}"); do echo \"== \$f\"; rsakeyfind \"\$f\" | grep -a '^FOUND PRIVATE KEY' | sed 's/ .*//' ; done"
command -v yara >/dev/null &&
    run yara sh -c "cd '$A' && yara -p 1 -r '$TOP/bench/sweep-keys.yar' ."
fi

tsec() { cut -d' ' -f"$2" "$W/t.$1"; }
cpu() { awk '{ printf "%.2f", $2 + $3 }' "$W/t.$1"; }
gbs() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.2f", (t > 0 ? b / t / 1e9 : 0) }'; }
row() {   # label name
    [ -s "$W/t.$2" ] || { echo "| $1 | not run | | | |"; return; }
    echo "| $1 | $(tsec "$2" 1) | $(gbs "$bytes" "$(tsec "$2" 1)") | $(cpu "$2") | $(gbs "$bytes" "$(cpu "$2")") |"
}

# Per file: does each tool report a key in it?
hits() {
    local f=$1 exp d a r y
    exp=$(expected "$f")
    d=-; a=-; r=-; y=-
    for k in $exp; do
        if [ "$k" = aes ]; then
            grep -q "\"file\":\"$A/$f\".*\"aes-key-schedule\".*\"verified\"" "$W/o.ds1" && d=yes
        elif [ "$k" = ssh ]; then
            grep -q "\"file\":\"$A/$f[\"!].*\"openssh-private-key\"" "$W/o.ds1" && d=yes
        elif grep -q "\"file\":\"$A/$f[\"!].*\"fingerprint\":\"sha256:$(cat "$W/fp.$k")\"" "$W/o.ds1"; then
            d=yes
        fi
    done
    [ -s "$W/o.akf" ] && awk -v f="$f" '$1 == "==" && $2 == f && $3 > 0 {n++} END{exit !(n>0)}' "$W/o.akf" && a=yes
    [ -s "$W/o.rkf" ] && awk -v f="$f" '/^== /{c=($2==f)} c && /^FOUND/{n++} END{exit !(n>0)}' "$W/o.rkf" && r=yes
    [ -s "$W/o.yara" ] && grep -q " ./$f\$" "$W/o.yara" && y=yes
    echo "$d $a $r $y"
}

{
    echo "## Sweep over an archive of dumps (bench/sweep_bench.sh)"
    echo
    read -r when load < "$W/meta"
    echo "Made on $when; machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1),"
    echo "$(nproc) cores shared with other jobs, load average at start $load."
    echo "Archive: ${#FILES[@]} files, $bytes bytes on disk, $dumpbytes bytes of dumps once"
    echo "decompressed: a gcore of an ordinary ~1 GiB process (bench/aes_bench_proc.py) as is"
    echo "and as .zst; gcores of victims holding freshly generated keys in 13 forms, AES"
    echo "contexts, an RSA key held only as OpenSSL BIGNUMs; some of them .gz/.zst/.xz, as"
    echo "minidumps, inside a .zip and a .tar.gz. Page cache warm. dumpscrub and cat: median"
    echo "of 3 runs; peers: one run. GB/s over the bytes on disk; CPU = user + sys."
    echo
    echo "| command | wall s | GB/s (wall) | CPU s | GB/s (CPU) |"
    echo "|---|---|---|---|---|"
    row "\`cat\` every file \`>/dev/null\`" cat
    row "\`dumpscrub scan --jobs 1\` (decompresses, all detectors, default rules)" ds1
    row "\`dumpscrub scan --jobs 2\`" ds2
    row "aeskeyfind, each file" akf
    row "rsakeyfind, each file" rkf
    row "\`yara -p 1 -r\` with [private-key rules](sweep-keys.yar)" yara
    echo
    echo "dumpscrub reads every dump decompressed: $dumpbytes bytes, i.e. $(gbs "$dumpbytes" "$(cpu ds1)") GB/s"
    echo "of dump bytes per CPU second with --jobs 1. Peak RSS of \`dumpscrub scan --jobs 2\`:"
    echo "$(tsec ds2 4) KiB (mapped files count in RSS; a compressed dump larger than 256 MiB"
    echo "holds a 256 MiB buffer)."
    echo
    echo "### Hits: which tool reports the planted key in which dump"
    echo
    echo "| file | key | dumpscrub | aeskeyfind | rsakeyfind | yara |"
    echo "|---|---|---|---|---|---|"
    nd=0; na=0; nr=0; ny=0; n=0
    for f in "${FILES[@]}"; do
        exp=$(expected "$f")
        [ "$exp" = - ] && continue
        read -r d a r y < <(hits "$f")
        n=$((n + 1))
        [ "$d" = yes ] && nd=$((nd + 1)); [ "$a" = yes ] && na=$((na + 1))
        [ "$r" = yes ] && nr=$((nr + 1)); [ "$y" = yes ] && ny=$((ny + 1))
        echo "| \`$f\` | $exp | $d | $a | $r | $y |"
    done
    echo "| **dumps with a planted key found** | of $n | **$nd** | $na | $nr | $ny |"
    # Dumps without a planted key: what each tool reports there anyway.
    for f in "${FILES[@]}"; do
        [ "$(expected "$f")" = - ] || continue
        d=$(grep -c "\"file\":\"$A/$f[\"!]" "$W/o.ds1")
        dk=$(grep "\"file\":\"$A/$f[\"!]" "$W/o.ds1" | sed 's/.*"kind":"\([^"]*\)".*/\1/' | sort | uniq -c |
             awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')
        a=$(awk -v f="$f" '$1 == "==" && $2 == f { print $3 }' "$W/o.akf" 2>/dev/null)
        r=$(awk -v f="$f" '/^== /{c=($2==f); next} c && /^FOUND/{n++} END{print n+0}' "$W/o.rkf" 2>/dev/null)
        y=$(grep -c " ./$f\$" "$W/o.yara" 2>/dev/null)
        echo "| \`$f\` | none planted | $d findings${dk:+ ($dk)} | ${a:-0} | $r | $y rules |"
    done
    echo
    echo "Keys in the summary (\`--summary-json\`): $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["keys"]), "distinct fingerprints;", ", ".join("%s %s in %d dumps" % (k["kind"], k.get("bits", ""), k["dumps"]) for k in d["keys"]))' "$W/summary.json")."
    echo "Every dumpscrub \"yes\" is a key verified or fingerprinted as the planted one (by its"
    echo "SPKI fingerprint; the OpenSSH key by kind); a peer's \"yes\" is any report in that dump."
    echo "aeskeyfind also reports the AES-256 schedules of OpenSSL's DRBG in dumps of OpenSSL"
    echo "programs (dumpscrub reports those too: they are real secrets; it drops the public"
    echo "CTR-DRBG derivation-function key 00 01 .. 1f that aeskeyfind also lists), so its \"yes\""
    echo "on rsa-bignum.core is such a schedule, not the planted RSA key. aeskeyfind, rsakeyfind"
    echo "and yara read the bytes as they lie on disk: compressed dumps and archive members are"
    echo "invisible to them; yara's rules match headers and magic numbers, not keys, and"
    echo "cannot tell a real key from a damaged or fake one."
} | python3 "$TOP/bench/put_section.py" "$OUT" bench/sweep_bench.sh
sed -n '/^## Sweep over an archive/,$p' "$OUT"
