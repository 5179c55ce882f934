#!/bin/bash
# make_corpus.sh OUTDIR - a corpus of real dumps holding real private keys.
#
# Generates fresh keys (openssl, ssh-keygen, puttygen, python3 stdlib for the
# JWKs), runs one victim process (build/corpus/victim_keys) per (form, key)
# pair, dumps each with gcore and a subset with a real kernel crash, converts
# every core to a minidump with build/corpus/core2mdmp (both variants) when
# that tool exists, adds negative controls (certificates, public keys,
# random and compressed data, a big ordinary process), and writes
# OUTDIR/manifest.json describing every dump:
#
#   {"dumps": [{"path", "format" (elf-core|minidump), "source" (gcore |
#     kernel-crash | core2mdmp --memory64 | core2mdmp --memory-list), "case",
#     "form", "key", "negative", "expect": {"kind", "bits", "confidence",
#     "fingerprint"}, "secret": {"vaddr", "length", "cover": [lo, hi),
#     "bytes_file", "copies": [{"vaddr", "where"}]}, "components": {"name": "hex"}}...],
#    "skipped": [...], "errors": [...]}
#
# "cover" is the range, relative to the secret's first byte, that a finding
# must cover (the private part: the PEM block, the blob's private fields,
# the JWK's private members...).  bits/fingerprint are null where they
# cannot be known (encrypted keys, PKCS#12, or no fixed bit size).
#
# The private keys and the manifest (which lists private components in hex
# for the leak test) live only in OUTDIR: use a temporary directory.
# Needs: openssl, gdb (gcore), python3; optional ssh-keygen, puttygen, root
# for kernel crashes (core_pattern), build/corpus/core2mdmp.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
TOP=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
VICTIM=${VICTIM:-$TOP/build/corpus/victim_keys}
C2M=${C2M:-$TOP/build/corpus/core2mdmp}
JOBS=${JOBS:-8}
K=$OUT/keys
mkdir -p "$K" "$OUT/dumps" "$OUT/run" "$OUT/secrets"
chmod 700 "$OUT" "$K" "$OUT/secrets"
umask 077
SECONDS=0
log() { printf '[make_corpus %3ds] %s\n' "$SECONDS" "$*" >&2; }

for t in openssl gcore python3; do
    command -v "$t" >/dev/null || { echo "make_corpus: $t not found" >&2; exit 2; }
done
[ -x "$VICTIM" ] || { echo "make_corpus: $VICTIM not built (make corpus)" >&2; exit 2; }
# The real interpreter (a pyenv shim needs its environment; victims get none).
PY=$(python3 -c 'import sys; print(sys.executable)')
: > "$OUT/skipped.txt"
: > "$OUT/errors.txt"
skipped() { echo "$*" >> "$OUT/skipped.txt"; log "skipped: $*"; }

# ---------------------------------------------------------------- keys ----
log "generating keys"
gen() { openssl genpkey "$@" 2>/dev/null; }
gen -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/rsa2048.pem" &
gen -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$K/rsa3072.pem" &
gen -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$K/ec256.pem" &
gen -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -pkeyopt ec_param_enc:named_curve -out "$K/ec384.pem" &
for a in ED25519 X25519 ED448 X448; do
    gen -algorithm "$a" -out "$K/${a,,}.pem" &
done
( gen -genparam -algorithm DSA -pkeyopt pbits:2048 -pkeyopt qbits:256 -out "$K/dsa.param" &&
  gen -paramfile "$K/dsa.param" -out "$K/dsa2048.pem" ) &
HAVE_SSH=0; HAVE_PUTTY=0
if command -v ssh-keygen >/dev/null; then
    HAVE_SSH=1
    ssh-keygen -q -t rsa -b 2048 -N "" -C "svc-signer@victim" -f "$K/ssh-rsa" &
    ssh-keygen -q -t ed25519 -N "" -C "svc-signer@victim" -f "$K/ssh-ed25519" &
    ssh-keygen -q -t ecdsa -b 256 -N "" -C "svc-signer@victim" -f "$K/ssh-ecdsa" &
else
    skipped "openssh and ppk forms: ssh-keygen not found (Debian package openssh-client)"
fi
wait
for f in rsa2048 rsa3072 ec256 ec384 ed25519 x25519 ed448 x448 dsa2048; do
    [ -s "$K/$f.pem" ] || { echo "make_corpus: key generation failed: $f" >&2; exit 2; }
done

# Derived files: other PEM flavours, encrypted forms, Windows formats, public halves.
openssl pkey -in "$K/rsa3072.pem" -traditional -out "$K/rsa3072.pkcs1.pem"
openssl pkey -in "$K/ec256.pem" -traditional -out "$K/ec256.sec1.pem"
openssl pkey -in "$K/dsa2048.pem" -traditional -out "$K/dsa2048.trad.pem"
openssl pkcs8 -topk8 -in "$K/ec384.pem" -v2 aes-256-cbc -passout pass:correct-horse-battery \
    -out "$K/ec384.enc.pem"
openssl rsa -in "$K/rsa2048.pem" -outform PVK -pvk-none -out "$K/rsa2048.pvk" 2>/dev/null
openssl req -x509 -new -key "$K/rsa2048.pem" -subj "/CN=victim signing service" -days 30 \
    -out "$K/cert.pem" 2>/dev/null
openssl x509 -in "$K/cert.pem" -outform DER -out "$K/cert.der"
openssl pkcs12 -export -inkey "$K/rsa2048.pem" -in "$K/cert.pem" -name signer \
    -passout pass:correct-horse-battery -out "$K/rsa2048.p12"
openssl pkey -in "$K/rsa2048.pem" -pubout -out "$K/rsa2048.pub.pem"
openssl pkey -in "$K/rsa2048.pem" -pubout -outform DER -out "$K/rsa2048.pub.der"
openssl pkey -in "$K/ec256.pem" -pubout -out "$K/ec256.pub.pem"
head -c 1048576 /dev/urandom > "$K/urandom.bin"
seq 1 150000 | sed 's/$/ the quick brown fox jumps over the lazy dog/' | gzip -6 > "$K/data.gz"
if [ $HAVE_SSH = 1 ]; then
    if command -v puttygen >/dev/null; then
        HAVE_PUTTY=1
        puttygen "$K/ssh-rsa" -O private -o "$K/ppk-rsa.ppk" --ppk-param version=2
        puttygen "$K/ssh-ed25519" -O private -o "$K/ppk-ed25519.ppk"
        puttygen "$K/ssh-ecdsa" -O private -o "$K/ppk-ecdsa.ppk"
    else
        skipped "ppk form: puttygen not found (Debian package putty-tools)"
    fi
fi

# Key facts (type, bits, fingerprint, private components) and the JWKs.
log "reading key facts, writing JWKs"
"$PY" - "$K" "$HAVE_SSH" <<'PYEOF'
import base64, hashlib, json, os, re, subprocess, sys
K, have_ssh = sys.argv[1], sys.argv[2] == "1"

def run(*a, data=None):
    return subprocess.run(a, input=data, stdout=subprocess.PIPE, check=True).stdout

def pkey_text(path):
    """Parse `openssl pkey -text -noout`: {field: int or str}, first line."""
    txt = run("openssl", "pkey", "-in", path, "-noout", "-text").decode()
    lines = txt.splitlines()
    fields, cur = {}, None
    for ln in lines[1:]:
        m = re.match(r"^(\S[^:]*):\s*(.*)$", ln)
        if m and not re.match(r"^[0-9a-f]{2}(:|$)", ln.strip()):
            cur = m.group(1)
            rest = m.group(2)
            fields[cur] = rest
            continue
        if cur is not None and ln.startswith(" "):
            fields[cur] = fields[cur] + ln.strip()
    out = {}
    for k, v in fields.items():
        m = re.match(r"^(\d+) \(0x[0-9a-f]+\)$", v)
        if m:
            out[k] = int(m.group(1))
        elif re.match(r"^([0-9a-f]{2}:?)+$", v):
            out[k] = bytes.fromhex(v.replace(":", ""))
        else:
            out[k] = v
    return lines[0], out

def fp_of_spki(der):
    return "sha256:" + hashlib.sha256(der).hexdigest()

def minimal(i):
    return i.to_bytes((i.bit_length() + 7) // 8 or 1, "big")

def b2i(b):
    return int.from_bytes(b, "big")

keys = {}
def pem_key(name, path):
    head, f = pkey_text(path)
    spki = run("openssl", "pkey", "-in", path, "-pubout", "-outform", "DER")
    k = {"file": path, "fingerprint": fp_of_spki(spki), "bits": None, "components": {}}
    m = re.search(r"\((\d+) bit", head)
    if "modulus" in f:
        k.update(type="rsa", kind="rsa-private-key", bits=int(m.group(1)))
        for c in ("privateExponent", "prime1", "prime2", "exponent1", "exponent2", "coefficient"):
            k["components"][c] = minimal(b2i(f[c])).hex()
        k["jwk"] = {"n": minimal(b2i(f["modulus"])), "e": minimal(f["publicExponent"]),
                    "d": f["privateExponent"], "p": f["prime1"], "q": f["prime2"],
                    "dp": f["exponent1"], "dq": f["exponent2"], "qi": f["coefficient"]}
    elif "P" in f and "Q" in f and "G" in f:
        k.update(type="dsa", kind="dsa-private-key", bits=int(m.group(1)))
        k["components"]["priv"] = minimal(b2i(f["priv"])).hex()
    elif "ASN1 OID" in f or "NIST CURVE" in f:
        k.update(type="ec", kind="ec-private-key", bits=int(m.group(1)),
                 curve=f.get("NIST CURVE", f.get("ASN1 OID")))
        k["components"]["priv"] = minimal(b2i(f["priv"])).hex()
        pub = f["pub"]
        n = (len(pub) - 1) // 2
        k["jwk"] = {"x": pub[1:1 + n], "y": pub[1 + n:], "d": b2i(f["priv"]).to_bytes(n, "big")}
    else:
        t = head.split()[0].lower()       # ED25519 / X25519 / ED448 / X448
        k.update(type=t, kind=t + "-private-key")
        k["components"]["priv"] = f["priv"].hex()
        k["jwk"] = {"x": f["pub"], "d": f["priv"]}
    keys[name] = k

for name in ("rsa2048", "rsa3072", "ec256", "ec384", "ed25519", "x25519", "ed448", "x448",
             "dsa2048"):
    pem_key(name, os.path.join(K, name + ".pem"))

# --- OpenSSH private keys (unencrypted openssh-key-v1), parsed by hand ----
def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = minimal(n)
    return bytes([0x80 | len(b)]) + b
def der(tag, body):
    return bytes([tag]) + der_len(len(body)) + body
def der_int(i):
    b = minimal(i)
    if b[0] & 0x80:
        b = b"\0" + b
    return der(0x02, b)

def rsa_spki(n, e):
    alg = der(0x30, bytes.fromhex("06092a864886f70d010101") + b"\x05\x00")
    return der(0x30, alg + der(0x03, b"\0" + der(0x30, der_int(n) + der_int(e))))

def ssh_key(name, path):
    txt = open(path).read()
    body = "".join(l for l in txt.splitlines() if l and not l.startswith("-----"))
    blob = base64.b64decode(body)
    magic = b"openssh-key-v1\0"
    assert blob.startswith(magic), path
    pos = [len(magic)]
    def u32():
        v = int.from_bytes(blob[pos[0]:pos[0] + 4], "big"); pos[0] += 4; return v
    def s():
        n = u32(); v = blob[pos[0]:pos[0] + n]; pos[0] += n; return v
    cipher, kdf, _ = s(), s(), s()
    assert cipher == b"none" and kdf == b"none", "encrypted OpenSSH key"
    nkeys = u32(); assert nkeys == 1
    s()                               # public key blob
    priv = s()
    blob, pos = priv, [8]              # skip checkint x2
    t = s().decode()
    k = {"file": path, "bits": None, "components": {}}
    if t == "ssh-ed25519":
        pub, sk = s(), s()
        k.update(type="ed25519", fingerprint=fp_of_spki(bytes.fromhex("302a300506032b6570032100") + pub))
        k["components"]["seed"] = sk[:32].hex()
    elif t.startswith("ecdsa-sha2-nistp256"):
        s(); q = s(); d = b2i(s())
        spki = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200") + q
        k.update(type="ec", bits=256, fingerprint=fp_of_spki(spki))
        k["components"]["priv"] = minimal(d).hex()
    elif t == "ssh-rsa":
        n, e, d, iqmp, p, q = (b2i(s()) for _ in range(6))
        assert p * q == n
        k.update(type="rsa", bits=n.bit_length(), fingerprint=fp_of_spki(rsa_spki(n, e)))
        for c, v in (("d", d), ("p", p), ("q", q), ("dp", d % (p - 1)), ("dq", d % (q - 1)),
                     ("qi", iqmp)):
            k["components"][c] = minimal(v).hex()
    else:
        raise SystemExit("unknown OpenSSH key type " + t)
    keys[name] = k

if have_ssh:
    for n in ("ssh-rsa", "ssh-ed25519", "ssh-ecdsa"):
        ssh_key(n, os.path.join(K, n))

# --- JWKs from the OpenSSL keys' components --------------------------------
def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def write_jwk(name, src, obj):
    path = os.path.join(K, name + ".jwk")
    with open(path, "w") as fh:
        json.dump(obj, fh, indent=2)
        fh.write("\n")
    k = dict(keys[src]); k.pop("jwk", None); k["file"] = path
    keys[name] = k
j = keys["rsa2048"]["jwk"]
write_jwk("jwk-rsa", "rsa2048", {"kty": "RSA", "kid": "signer-2024-rsa", "use": "sig", "alg": "RS256",
          **{c: b64u(j[c]) for c in ("n", "e", "d", "p", "q", "dp", "dq", "qi")}})
j = keys["ec256"]["jwk"]
write_jwk("jwk-ec", "ec256", {"kty": "EC", "crv": "P-256", "kid": "signer-2024-ec", "use": "sig",
          "x": b64u(j["x"]), "y": b64u(j["y"]), "d": b64u(j["d"])})
j = keys["ed25519"]["jwk"]
write_jwk("jwk-ed25519", "ed25519", {"kty": "OKP", "crv": "Ed25519", "kid": "signer-2024-ed",
          "x": b64u(j["x"]), "d": b64u(j["d"])})
for k in keys.values():
    k.pop("jwk", None)
with open(os.path.join(K, "keys.json"), "w") as fh:
    json.dump(keys, fh, indent=1)
PYEOF

# --------------------------------------------------------------- cases ----
# name|form|keyfile|key id (in keys.json; "-" for negative controls)
CASES=$OUT/run/cases.txt
{
    echo "pem-rsa2048-pkcs8|pem|$K/rsa2048.pem|rsa2048"
    echo "pem-rsa3072-pkcs1|pem|$K/rsa3072.pkcs1.pem|rsa3072"
    echo "pem-ec256-sec1|pem|$K/ec256.sec1.pem|ec256"
    echo "pem-ec384-pkcs8|pem|$K/ec384.pem|ec384"
    echo "pem-ed25519|pem|$K/ed25519.pem|ed25519"
    echo "pem-x25519|pem|$K/x25519.pem|x25519"
    echo "pem-ed448|pem|$K/ed448.pem|ed448"
    echo "pem-x448|pem|$K/x448.pem|x448"
    echo "pem-dsa2048|pem|$K/dsa2048.pem|dsa2048"
    echo "pem-dsa2048-trad|pem|$K/dsa2048.trad.pem|dsa2048"
    echo "pem-encrypted-ec384|pem|$K/ec384.enc.pem|ec384"
    echo "pem-crlf-rsa2048|pem-crlf|$K/rsa2048.pem|rsa2048"
    echo "pem-utf16le-rsa2048|pem-utf16le|$K/rsa2048.pem|rsa2048"
    echo "pem-utf16le-ec256|pem-utf16le|$K/ec256.sec1.pem|ec256"
    echo "pem-json-rsa2048|pem-json|$K/rsa2048.pem|rsa2048"
    echo "der-pkcs1-rsa2048|der-pkcs1|$K/rsa2048.pem|rsa2048"
    echo "der-pkcs1-rsa3072|der-pkcs1|$K/rsa3072.pem|rsa3072"
    for k in rsa2048 ec256 ec384 ed25519 x25519 ed448 x448 dsa2048; do
        echo "der-pkcs8-$k|der-pkcs8|$K/$k.pem|$k"
    done
    echo "der-sec1-ec256|der-sec1|$K/ec256.pem|ec256"
    echo "der-sec1-ec384|der-sec1|$K/ec384.pem|ec384"
    echo "pkcs8-encrypted-ec384|pkcs8-encrypted|$K/ec384.enc.pem|ec384"
    echo "pkcs12-rsa2048|pkcs12|$K/rsa2048.p12|rsa2048"
    if [ $HAVE_SSH = 1 ]; then
        for k in rsa ed25519 ecdsa; do echo "openssh-$k|openssh|$K/ssh-$k|ssh-$k"; done
    fi
    if [ $HAVE_PUTTY = 1 ]; then
        for k in rsa ed25519 ecdsa; do echo "ppk-$k|ppk|$K/ppk-$k.ppk|ssh-$k"; done
    fi
    for k in rsa ec ed25519; do echo "jwk-$k|jwk|$K/jwk-$k.jwk|jwk-$k"; done
    echo "cng-rsa2-rsa2048|cng-rsa2|$K/rsa2048.pem|rsa2048"
    echo "cng-rsa3-rsa2048|cng-rsa3|$K/rsa2048.pem|rsa2048"
    echo "cng-rsa3-rsa3072|cng-rsa3|$K/rsa3072.pem|rsa3072"
    echo "cng-ecc-ec256|cng-ecc|$K/ec256.pem|ec256"
    echo "cng-ecc-ec384|cng-ecc|$K/ec384.pem|ec384"
    echo "capi-rsa2048|capi|$K/rsa2048.pem|rsa2048"
    echo "capi-rsa3072|capi|$K/rsa3072.pem|rsa3072"
    echo "pvk-rsa2048|pvk|$K/rsa2048.pvk|rsa2048"
    # negative controls: no private key anywhere
    echo "neg-cert-pem|raw|$K/cert.pem|-"
    echo "neg-cert-der|raw|$K/cert.der|-"
    echo "neg-pub-rsa-pem|raw|$K/rsa2048.pub.pem|-"
    echo "neg-pub-rsa-der|raw|$K/rsa2048.pub.der|-"
    echo "neg-pub-ec-pem|raw|$K/ec256.pub.pem|-"
    [ $HAVE_SSH = 1 ] && echo "neg-pub-openssh|raw|$K/ssh-ed25519.pub|-"
    echo "neg-urandom-1m|raw|$K/urandom.bin|-"
    echo "neg-gzip|raw|$K/data.gz|-"
} > "$CASES"
# The subset also dumped by a real kernel crash.
KERNEL_CASES="pem-rsa2048-pkcs8 der-pkcs8-ec256 cng-rsa2-rsa2048 capi-rsa2048 jwk-ec neg-urandom-1m"
[ $HAVE_SSH = 1 ] && KERNEL_CASES="$KERNEL_CASES openssh-ed25519"

CLEAN_ENV=(env -i PATH=/usr/bin:/bin LANG=C)
PIDS=()
HOLD_PID=
cleanup_victims() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    if [ -n "$HOLD_PID" ]; then kill "$HOLD_PID" 2>/dev/null || true; fi
}
. "$(dirname "$0")/../tests/core_pattern.sh"
trap 'core_pattern_restore; cleanup_victims' EXIT
trap 'exit 130' INT TERM

# ready LINEFILE -> waits for "ready pid=..", prints the line (or fails)
wait_ready() {
    local f=$1 _
    for _ in $(seq 1 200); do
        if grep -q '^ready ' "$f" 2>/dev/null; then grep -m1 '^ready ' "$f"; return 0; fi
        sleep 0.05
    done
    return 1
}

# ------------------------------------------------------- gcore victims ----
log "starting $(wc -l < "$CASES") victims"
# Every waiting victim reads stdin from one pipe whose only writer is this
# sleep: killing it closes their stdin.
exec 7< <(exec sleep 900 2>/dev/null)
HOLD_PID=$!
while IFS='|' read -r name form keyfile _; do
    "${CLEAN_ENV[@]}" VICTIM_SAVE="$OUT/secrets/$name.bin" \
        "$VICTIM" "$form" "$keyfile" wait <&7 >"$OUT/run/$name.out" 2>"$OUT/run/$name.err" &
    PIDS+=($!)
    echo $! > "$OUT/run/$name.pid"
done < "$CASES"
# A big ordinary process: an interpreter with a large heap of plain data.
"${CLEAN_ENV[@]}" "$PY" -c '
import os, sys
d = {"key-%07d" % i: ("value %d, " % i) * 3 for i in range(250000)}
l = [str(i) for i in range(300000)]
sys.stdout.write("ready pid=%d addr=0x0 len=0\n" % os.getpid()); sys.stdout.flush()
sys.stdin.read()
' <&7 >"$OUT/run/neg-big-python.out" 2>"$OUT/run/neg-big-python.err" &
PIDS+=($!)
echo $! > "$OUT/run/neg-big-python.pid"

GCORE_LIST=$OUT/run/gcore.txt
: > "$GCORE_LIST"
for name in $(cut -d'|' -f1 "$CASES") neg-big-python; do
    if line=$(wait_ready "$OUT/run/$name.out"); then
        echo "$line" > "$OUT/run/$name.ready"
        echo "$name ${line#*pid=}" | awk '{print $1, $2}' >> "$GCORE_LIST"
    else
        echo "$name: victim not ready: $(head -c 300 "$OUT/run/$name.err")" >> "$OUT/errors.txt"
    fi
done

log "gcore of $(wc -l < "$GCORE_LIST") victims ($JOBS at a time)"
export OUT
# shellcheck disable=SC2016
xargs -P "$JOBS" -L 1 bash -c '
    name=$1 pid=$2
    if gcore -o "$OUT/dumps/$name.tmp" "$pid" >"$OUT/run/$name.gcore.log" 2>&1 &&
       [ -s "$OUT/dumps/$name.tmp.$pid" ]; then
        mv "$OUT/dumps/$name.tmp.$pid" "$OUT/dumps/$name.gcore.core"
    else
        echo "$name: gcore failed: $(tail -c 300 "$OUT/run/$name.gcore.log")" >> "$OUT/errors.txt"
        rm -f "$OUT/dumps/$name.tmp.$pid"
    fi' _ < "$GCORE_LIST"
cleanup_victims
PIDS=(); HOLD_PID=
exec 7<&-

# -------------------------------------------------------- kernel crashes ---
if core_pattern_set "$OUT/dumps/kcore.%p"; then
    log "kernel crashes: $KERNEL_CASES"
    for name in $KERNEL_CASES; do
        line=$(grep "^$name|" "$CASES") || continue
        IFS='|' read -r _ form keyfile _ <<< "$line"
        kn=$name.kernel
        { ( ulimit -c unlimited
            exec "${CLEAN_ENV[@]}" VICTIM_SAVE="$OUT/secrets/$kn.bin" \
                "$VICTIM" "$form" "$keyfile" crash </dev/null >"$OUT/run/$kn.out" 2>"$OUT/run/$kn.err"
          ); } 2>/dev/null && rc=0 || rc=$?
        ready=$(grep -m1 '^ready ' "$OUT/run/$kn.out" || true)
        pid=${ready#*pid=}; pid=${pid%% *}
        if [ -n "$ready" ] && [ -s "$OUT/dumps/kcore.$pid" ]; then
            mv "$OUT/dumps/kcore.$pid" "$OUT/dumps/$kn.core"
            echo "$ready" > "$OUT/run/$kn.ready"
        else
            skipped "kernel crash $name: no core (exit $rc; core_pattern changed by someone else?)"
        fi
    done
    core_pattern_restore
else
    skipped "kernel crashes: /proc/sys/kernel/core_pattern not writable (needs root)"
fi

# -------------------------------------------------------------- minidumps --
if [ -x "$C2M" ]; then
    log "converting cores to minidumps"
    # shellcheck disable=SC2016
    find "$OUT/dumps" -maxdepth 1 -name '*.core' -print0 | xargs -0 -P "$JOBS" -I{} bash -c '
        core=$1 c2m=$2 base=${1%.core}
        for v in memory64 memory-list; do
            if ! "$c2m" --$v "$core" "$base.$v.dmp" >"$base.$v.log" 2>&1; then
                echo "$(basename "$core"): core2mdmp --$v failed: $(tail -c 300 "$base.$v.log")" \
                    >> "$OUT/errors.txt"
                rm -f "$base.$v.dmp"
            fi
            rm -f "$base.$v.log"
        done' _ {} "$C2M"
else
    skipped "minidumps: $C2M not built"
fi

# --------------------------------------------------------------- manifest --
log "writing manifest"
"$PY" - "$OUT" <<'PYEOF'
import glob, hashlib, json, os, re, sys
OUT = sys.argv[1]
keys = json.load(open(os.path.join(OUT, "keys", "keys.json")))
cases = {}
for ln in open(os.path.join(OUT, "run", "cases.txt")):
    name, form, keyfile, key = ln.rstrip("\n").split("|")
    cases[name] = (form, keyfile, key)
cases["neg-big-python"] = ("process", "-", "-")

def cover_of(form, b):
    """[lo, hi) of the private part inside the planted bytes."""
    if form in ("pem", "pem-crlf", "openssh", "pem-json"):
        lo = b.find(b"-----BEGIN")
        e = b.find(b"-----END", lo)
        hi = b.find(b"-----", e + 8) + 5
        return lo, hi
    if form == "pem-utf16le":
        u = lambda s: s.encode("utf-16-le")
        lo = b.find(u("-----BEGIN"))
        e = b.find(u("-----END"), lo)
        hi = b.find(u("-----"), e + 16) + 10
        return lo, hi
    if form == "ppk":
        m = re.search(rb"Private-Lines: (\d+)\r?\n", b)
        lo, pos = m.end(), m.end()
        for _ in range(int(m.group(1))):
            pos = b.index(b"\n", pos) + 1
        hi = pos - 1
        if b[hi - 1:hi] == b"\r":
            hi -= 1
        return lo, hi
    if form == "jwk":
        spans = [m.span(2) for m in re.finditer(rb'"(d|p|q|dp|dq|qi)"\s*:\s*"([^"]*)"', b)]
        return min(s[0] for s in spans), max(s[1] for s in spans)
    u32 = lambda o: int.from_bytes(b[o:o + 4], "little")
    if form in ("cng-rsa2", "cng-rsa3"):
        return 24 + u32(8) + u32(12), len(b)
    if form == "cng-ecc":
        return 8 + 2 * u32(4), len(b)
    if form == "capi":
        return 20 + u32(12) // 8, len(b)
    if form == "pvk":
        blob = 24 + u32(16)
        return blob + 20 + int.from_bytes(b[blob + 12:blob + 16], "little") // 8, len(b)
    return 0, len(b)          # DER forms, PKCS#12: all of it

KINDS = {"openssh": "openssh-private-key", "ppk": "putty-private-key", "jwk": "jwk-private-key",
         "pkcs12": "pkcs12", "pkcs8-encrypted": "encrypted-private-key"}
KTYPE = {"rsa": "rsa-private-key", "ec": "ec-private-key", "dsa": "dsa-private-key",
         "ed25519": "ed25519-private-key", "x25519": "x25519-private-key",
         "ed448": "ed448-private-key", "x448": "x448-private-key"}

def expect(name, form, keyfile, key):
    if key == "-":
        return None
    k = keys[key]
    kind = KINDS.get(form, KTYPE[k["type"]])
    if form == "pem" and b"ENCRYPTED PRIVATE KEY" in open(keyfile, "rb").read(64):
        kind = "encrypted-private-key"
    hidden = kind in ("encrypted-private-key", "pkcs12")
    e = {"kind": kind,
         "bits": None if hidden else k["bits"],
         "confidence": "likely" if hidden else "verified",
         "fingerprint": None if hidden else k["fingerprint"]}
    # PKCS#8 as OpenSSL writes it carries no public key for Ed/X25519,
    # Ed/X448 and DSA: any 32/56/57-byte string is a valid seed and any x < q
    # a valid DSA key, so nothing can confirm the private value ("likely";
    # a half-overwritten stack copy would "verify" too, under the fingerprint
    # of a key that never existed).  Traditional DSA (has y), SEC1/PKCS#8 EC
    # (has the public point), JWK, OpenSSH and PuTTY carry the public half
    # and must verify.
    if (k["type"] in ("ed25519", "x25519", "ed448", "x448", "dsa") and
            form in ("pem", "der-pkcs8") and b"BEGIN DSA" not in open(keyfile, "rb").read(64)):
        e["confidence"] = "likely"
    return e

dumps, errors = [], [l.strip() for l in open(os.path.join(OUT, "errors.txt")) if l.strip()]
for path in sorted(glob.glob(os.path.join(OUT, "dumps", "*"))):
    base = os.path.basename(path)
    m = re.match(r"^(.*)\.(gcore|kernel)(?:\.core|\.(memory64|memory-list)\.dmp)$", base)
    if not m:
        continue
    name, how, variant = m.groups()
    run = name + (".kernel" if how == "kernel" else "")
    form, keyfile, key = cases[name]
    ready = open(os.path.join(OUT, "run", run + ".ready")).read()
    r = dict(kv.split("=") for kv in ready.split()[1:])
    d = {"path": path, "format": "minidump" if variant else "elf-core",
         "source": ("core2mdmp --" + variant) if variant else
                   ("kernel-crash" if how == "kernel" else "gcore"),
         "core": os.path.join(OUT, "dumps", name + "." + how + ".core"),
         "case": name, "form": form, "key": None if key == "-" else key,
         "negative": key == "-", "pid": int(r["pid"])}
    d["expect"] = expect(name, form, keyfile, key)
    if key != "-":
        sf = os.path.join(OUT, "secrets", run + ".bin")
        b = open(sf, "rb").read()
        assert len(b) == int(r["len"]), (sf, len(b), r["len"])
        lo, hi = cover_of(form, b)
        d["secret"] = {"vaddr": r["addr"], "length": len(b), "cover": [lo, hi],
                       "bytes_file": sf, "sha256": hashlib.sha256(b).hexdigest()}
        if "copy" in r:     # the same bytes again, in a static buffer or on the stack
            d["secret"]["copies"] = [{"vaddr": r["copy"], "where": r.get("where", "?")}]
        d["components"] = keys[key]["components"]
    dumps.append(d)
skipped = [l.strip() for l in open(os.path.join(OUT, "skipped.txt")) if l.strip()]
man = {"version": 1, "outdir": OUT, "dumps": dumps, "skipped": skipped, "errors": errors,
       "keys": {n: {x: v for x, v in k.items() if x != "components"} for n, k in keys.items()}}
with open(os.path.join(OUT, "manifest.json"), "w") as fh:
    json.dump(man, fh, indent=1)
print("%d dumps (%d negative), %d skipped, %d errors" %
      (len(dumps), sum(d["negative"] for d in dumps), len(skipped), len(errors)), file=sys.stderr)
PYEOF
log "done: $OUT/manifest.json"
