#!/bin/bash
# OpenSSH, PuTTY and JWK detectors on keys made at test time by the real
# tools (ssh-keygen, puttygen, openssl; none is ever stored), embedded in
# random bytes in every form a dump holds them: armored LF / CRLF /
# UTF-16LE, OpenSSH's decoded binary structure, .ppk v2 / v3, JWK / JWKS.
# Each finding is checked field by field (offset, length, kind, detector,
# confidence, bits, fingerprint); public keys and random bytes give nothing.
# Fingerprints come from the tools: ssh-keygen -e -m PKCS8 | openssl pkey
# -pubin -outform DER | sha256sum (EdDSA: the RFC 8410 SPKI of the raw key).
. "$(dirname "$0")/lib.sh"

UB=${UB:-$TOP/build-asan/tests}
for t in test_openssh test_putty test_jwk; do
    [ -x "$UB/$t" ] || { skip "t_sshkeys: $UB/$t not built (make asan)"; exit 0; }
done
have() { command -v "$1" >/dev/null 2>&1; }
# The system interpreter (stdlib only): a version-manager shim costs seconds a start.
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
cd "$TMP" || exit 2

# The embedding tool: build a file of random gaps and items, print what the
# detector must report for each item: "offset length" (+ the rest given).
cat > embed.py <<'EOF'
import base64, os, random, sys
# usage: embed.py OUT FORM:FILE:EXPECT... ; FORM raw|crlf|u16|bin|none
out = bytearray(); want = []
for spec in sys.argv[2:]:
    form, path, expect = spec.split(':', 2)
    out += os.urandom(random.randint(100, 5000))
    text = open(path, 'rb').read()
    if form == 'bin':   # the structure inside the armor
        body = b''.join(l for l in text.splitlines() if not l.startswith(b'-----'))
        item = base64.b64decode(body); span = len(item)
    else:
        if form == 'crlf' or form == 'u16':
            text = text.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
        span = len(text.rstrip())   # up to the END line / MAC value / closing brace
        item = text
        if form == 'u16':
            item = text.decode('ascii').encode('utf-16-le'); span *= 2
    if expect != '-':
        want.append('%d %d %s' % (len(out), span, expect.replace(',', ' ')))
    out += item
out += os.urandom(random.randint(100, 5000))
open(sys.argv[1], 'wb').write(out)
if want:
    print('\n'.join(want))
EOF

# sha256 of the DER SPKI of an OpenSSH public key file.
spki_fp() {
    case "$(cut -d' ' -f1 "$1")" in
    ssh-ed25519|ssh-ed448)
        "$PY" - "$1" <<'EOF'
import base64, hashlib, sys
blob = base64.b64decode(open(sys.argv[1]).read().split()[1])
t = blob[4:4 + int.from_bytes(blob[:4], 'big')].decode()
pub = blob[-32:] if t == 'ssh-ed25519' else blob[-57:]
prefix = '302a300506032b6570032100' if t == 'ssh-ed25519' else '3043300506032b6571033a00'
print('sha256:' + hashlib.sha256(bytes.fromhex(prefix) + pub).hexdigest())
EOF
        ;;
    *) echo "sha256:$(ssh-keygen -e -m PKCS8 -f "$1" | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)" ;;
    esac
}

# run_case NAME DRIVER SPEC...: the driver's findings must equal the expectations.
run_case() {
    local name=$1 drv=$2; shift 2
    "$PY" embed.py case.bin "$@" | sort > want.txt
    "$UB/$drv" --file case.bin | cut -d' ' -f1-7 | sort > got.txt
    if cmp -s want.txt got.txt; then pass "$name"
    else fail "$name: $(diff want.txt got.txt | grep '^[<>]' | head -4 | tr '\n' ' ')"; fi
}

# --- OpenSSH -----------------------------------------------------------------
if have ssh-keygen; then
    specs=()
    for spec in rsa:2048 ecdsa:256 ecdsa:384 ecdsa:521 ed25519:0 dsa:1024; do
        t=${spec%:*}; b=${spec#*:}
        opts=(-q -t "$t" -N '' -C "test@dumpscrub" -f "k_${t}_$b")
        [ "$b" != 0 ] && opts+=(-b "$b")
        if ! ssh-keygen "${opts[@]}" 2>/dev/null; then
            skip "ssh-keygen -t $t: not supported by this OpenSSH"; continue
        fi
        bits=$b; [ "$t" = ed25519 ] && bits=256
        fp=$(spki_fp "k_${t}_$b.pub")
        e="openssh-private-key,openssh-pem,verified,$bits,$fp"
        run_case "ssh-keygen $t $b: armored LF, CRLF, UTF-16LE, binary" test_openssh \
            "raw:k_${t}_$b:$e" "crlf:k_${t}_$b:$e" "u16:k_${t}_$b:$e" \
            "bin:k_${t}_$b:openssh-private-key,openssh-binary,verified,$bits,$fp" \
            "raw:k_${t}_$b.pub:-"
        specs+=("raw:k_${t}_$b:$e")
    done
    run_case "ssh-keygen: all key types in one buffer" test_openssh "${specs[@]}"
    for t in rsa ed25519 ecdsa; do
        ssh-keygen -q -t $t -N 'correct horse' -f "enc_$t"
        bits=$(ssh-keygen -l -f "enc_$t.pub" | cut -d' ' -f1); [ $t = ed25519 ] && bits=256
        fp=$(spki_fp "enc_$t.pub")
        run_case "ssh-keygen $t with passphrase: likely, named by the public key" test_openssh \
            "raw:enc_$t:openssh-private-key,openssh-pem,likely,$bits,$fp" \
            "bin:enc_$t:openssh-private-key,openssh-binary,likely,$bits,$fp"
    done
    # A corrupted private section (check words differ) and a truncated key.
    "$PY" - k_ed25519_0 <<'EOF'
import base64, sys
text = open(sys.argv[1]).read().splitlines()
blob = bytearray(base64.b64decode(''.join(l for l in text if not l.startswith('-----'))))
i = blob.index(b'\0\0\0\x0bssh-ed25519', 60)   # the private section's key type
blob[i - 1] ^= 0xff                          # last byte of check2
b64 = base64.b64encode(bytes(blob)).decode()
lines = [b64[j:j + 70] for j in range(0, len(b64), 70)]
open('badcheck', 'w').write('\n'.join([text[0]] + lines + [text[-1]]) + '\n')
full = open(sys.argv[1]).read()
open('truncated', 'w').write(full[:len(full) // 2])
EOF
    run_case "check1 != check2, truncated armor, public keys: nothing" test_openssh \
        "raw:badcheck:-" "raw:truncated:-" "raw:k_rsa_2048.pub:-" "raw:k_ed25519_0.pub:-"
else
    skip "ssh-keygen missing (Debian: openssh-client)"
fi

# --- PuTTY -------------------------------------------------------------------
if have puttygen && have ssh-keygen; then
    echo 'correct horse' > pass.txt
    for k in k_rsa_2048 k_ecdsa_256 k_ecdsa_384 k_ecdsa_521 k_ed25519_0 k_dsa_1024; do
        [ -f "$k" ] || continue
        bits=$(ssh-keygen -l -f "$k.pub" | cut -d' ' -f1); case $k in *ed25519*) bits=256 ;; esac
        fp=$(spki_fp "$k.pub")
        puttygen "$k" -o "$k.v3.ppk" -O private
        puttygen "$k" -o "$k.v2.ppk" -O private --ppk-param version=2
        puttygen "$k" -o "$k.v3e.ppk" -O private --new-passphrase pass.txt
        puttygen "$k" -o "$k.v2e.ppk" -O private --ppk-param version=2 --new-passphrase pass.txt
        e="putty-private-key,putty-ppk,verified,$bits,$fp"
        l="putty-private-key,putty-ppk,likely,$bits,$fp"
        run_case "puttygen ${k#k_}: v3, v2, CRLF, UTF-16LE, encrypted v3 and v2" test_putty \
            "raw:$k.v3.ppk:$e" "raw:$k.v2.ppk:$e" "crlf:$k.v3.ppk:$e" "u16:$k.v2.ppk:$e" \
            "raw:$k.v3e.ppk:$l" "u16:$k.v2e.ppk:$l" "raw:$k.pub:-"
    done
    if puttygen -t ed448 -o ed448.ppk -O private --new-passphrase /dev/null 2>/dev/null; then
        puttygen ed448.ppk -O public-openssh -o ed448.pub
        run_case "puttygen ed448" test_putty \
            "raw:ed448.ppk:putty-private-key,putty-ppk,verified,456,$(spki_fp ed448.pub)"
    else
        skip "puttygen -t ed448 not supported"
    fi
    # Cut inside the private lines: the key is incomplete.
    "$PY" -c 't = open("k_ed25519_0.v3.ppk").read(); open("trunc.ppk", "w").write(t[:t.index("Private-Lines") + 30])'
    run_case "truncated .ppk, public key: nothing" test_putty "raw:trunc.ppk:-" "raw:k_rsa_2048.pub:-"
else
    skip "puttygen missing (Debian: putty-tools)"
fi

# --- JWK ---------------------------------------------------------------------
# JWKs written by Python's json module from the numbers `openssl pkey -text`
# prints (stdlib only), so neither side of the check uses our code.
cat > jwk.py <<'EOF'
import base64, json, re, subprocess, sys
def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b'=').decode()
def fields(pem):
    t = subprocess.run(['openssl', 'pkey', '-in', pem, '-text', '-noout'],
                       capture_output=True, text=True, check=True).stdout
    f, cur = {}, None
    for line in t.splitlines():
        m = re.match(r'^([A-Za-z][\w ]*):\s*(.*)$', line)
        if m:
            cur = m.group(1); f[cur] = m.group(2)
        elif cur:
            f[cur] += line.strip()
    return f
def num(s): return bytes.fromhex(re.sub(r'[^0-9a-f]', '', s)).lstrip(b'\0') or b'\0'
def jwk(pem, kind, crv=None, public=False):
    f = fields(pem)
    if kind == 'RSA':
        e = int(f['publicExponent'].split()[0])
        j = {'kty': 'RSA', 'n': b64u(num(f['modulus'])), 'e': b64u(e.to_bytes(3, 'big'))}
        names = {'d': 'privateExponent', 'p': 'prime1', 'q': 'prime2', 'dp': 'exponent1',
                 'dq': 'exponent2', 'qi': 'coefficient'}
        if not public:
            j.update({k: b64u(num(f[v])) for k, v in names.items()})
    elif kind == 'EC':
        pub = bytes.fromhex(re.sub(r'[^0-9a-f]', '', f['pub'])); n = (len(pub) - 1) // 2
        j = {'kty': 'EC', 'crv': crv, 'x': b64u(pub[1:1 + n]), 'y': b64u(pub[1 + n:])}
        if not public:
            j['d'] = b64u(num(f['priv']).rjust(n, b'\0'))
    else:
        j = {'kty': 'OKP', 'crv': crv, 'x': b64u(bytes.fromhex(re.sub(r'[^0-9a-f]', '', f['pub'])))}
        if not public:
            j['d'] = b64u(bytes.fromhex(re.sub(r'[^0-9a-f]', '', f['priv'])))
    j['kid'] = 'keys/' + pem   # json.dumps leaves '/' alone: escape it below
    return j
mode, out = sys.argv[1], sys.argv[2]
keys = [jwk(*a.split(':')) if a.count(':') < 3 else jwk(*a.split(':')[:3], public=True)
        for a in sys.argv[3:]]
if mode == 'one':
    text = json.dumps(keys[0])
elif mode == 'pretty':
    text = json.dumps(keys[0], indent=2, sort_keys=True).replace('/', '\\/')
else:   # a JWKS; prints the span of each private key inside it
    text = json.dumps({'keys': keys}, indent=1)
    for k in keys:
        if 'd' in k:
            s = json.dumps(k, indent=1).replace('\n', '\n  ')   # list items sit at depth 2
            print(text.index(s), len(s))
open(out, 'w').write(text + '\n')
EOF
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null
for c in P-256 P-384 P-521; do openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:$c -out ec$c.pem; done
openssl genpkey -algorithm ED25519 -out ed25519.pem
openssl genpkey -algorithm X25519 -out x25519.pem
ofp() { echo "sha256:$(openssl pkey -in "$1" -pubout -outform DER | sha256sum | cut -d' ' -f1)"; }
specs=()
for k in rsa.pem:RSA:2048 ecP-256.pem:EC:256:P-256 ecP-384.pem:EC:384:P-384 ecP-521.pem:EC:521:P-521 \
         ed25519.pem:OKP:256:Ed25519 x25519.pem:OKP:253:X25519; do
    IFS=: read -r pem kind bits crv <<< "$k"
    "$PY" jwk.py one "$pem.jwk" "$pem:$kind${crv:+:$crv}"
    "$PY" jwk.py pretty "$pem.pjwk" "$pem:$kind${crv:+:$crv}"
    e="jwk-private-key,jwk,verified,$bits,$(ofp "$pem")"
    specs+=("raw:$pem.jwk:$e" "u16:$pem.pjwk:$e" "crlf:$pem.pjwk:$e")
done
run_case "JWK RSA, EC P-256/384/521, Ed25519, X25519: compact, pretty + \\/, CRLF, UTF-16LE" test_jwk "${specs[@]}"

# A JWKS with a public key between two private ones: the two, each exactly.
"$PY" jwk.py set jwks.json rsa.pem:RSA ecP-256.pem:EC:P-256:public ed25519.pem:OKP:Ed25519 > spans.txt
printf '%s\n' "$(sed -n 1p spans.txt) jwk-private-key jwk verified 2048 $(ofp rsa.pem)" \
              "$(sed -n 2p spans.txt) jwk-private-key jwk verified 256 $(ofp ed25519.pem)" | sort > want.txt
"$UB/test_jwk" --file jwks.json | cut -d' ' -f1-7 | sort > got.txt
if cmp -s want.txt got.txt; then pass "JWKS: each private key, exact spans"
else fail "JWKS: $(diff want.txt got.txt | grep '^[<>]' | tr '\n' ' ')"; fi

"$PY" jwk.py set pubjwks.json rsa.pem:RSA:x:public ecP-384.pem:EC:P-384:public > /dev/null
"$PY" jwk.py one pub.jwk rsa.pem:RSA:x:public
run_case "public JWK and JWKS: nothing" test_jwk "raw:pubjwks.json:-" "u16:pub.jwk:-"
