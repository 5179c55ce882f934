#!/bin/sh
# gen_key_seeds.sh OUTDIR - write freshly generated private keys (every
# layout the der and pem detectors know) into OUTDIR/der and OUTDIR/pem,
# as extra fuzz seeds.  Keys are made at run time and never committed.
set -e
out=${1:?usage: gen_key_seeds.sh OUTDIR}
mkdir -p "$out/der" "$out/pem"
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$t/rsa.pem" 2>/dev/null
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:1024 -out "$t/pss.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$t/ec.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -pkeyopt ec_param_enc:explicit -out "$t/ecx.pem"
openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:1024 -out "$t/dsap.pem" 2>/dev/null
openssl genpkey -paramfile "$t/dsap.pem" -out "$t/dsa.pem"
for a in ED25519 X25519 ED448 X448; do openssl genpkey -algorithm $a -out "$t/$a.pem"; done
for k in rsa pss ec ecx dsa ED25519 X25519 ED448 X448; do
    cp "$t/$k.pem" "$out/pem/$k.pkcs8.pem"
    sed '1d;$d' "$t/$k.pem" | openssl base64 -d -out "$out/der/$k.pkcs8.der"
done
# Traditional forms (PKCS#1, SEC1, DSA): the PEM, and its body as DER.
for k in rsa ec dsa; do
    openssl pkey -in "$t/$k.pem" -traditional -out "$out/pem/$k.trad.pem"
    sed '1d;$d' "$out/pem/$k.trad.pem" | openssl base64 -d -out "$out/der/$k.trad.der"
done
openssl pkcs8 -topk8 -in "$t/ec.pem" -v2 aes-256-cbc -passout pass:x -out "$out/pem/ec.epki.pem"
sed '1d;$d' "$out/pem/ec.epki.pem" | openssl base64 -d -out "$out/der/ec.epki.der"
openssl rsa -in "$t/rsa.pem" -aes128 -traditional -passout pass:x -out "$out/pem/rsa.legacy.pem" 2>/dev/null
openssl req -x509 -key "$t/ec.pem" -subj /CN=seed -days 1 -out "$t/cert.pem"
openssl pkcs12 -export -inkey "$t/ec.pem" -in "$t/cert.pem" -passout pass:x -out "$out/der/ec.p12"
# UTF-16LE and JSON-escaped forms of one PEM.
python3 - "$out/pem" <<'PY' 2>/dev/null || true
import sys, json
d = sys.argv[1]
pem = open(d + '/ec.pkcs8.pem').read()
open(d + '/ec.pkcs8.utf16le.bin', 'wb').write(pem.encode('utf-16-le'))
open(d + '/ec.pkcs8.json', 'w').write(json.dumps({"type": "service_account", "private_key": pem}))
PY
