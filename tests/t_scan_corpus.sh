#!/bin/bash
# t_scan_corpus.sh - end-to-end: real dumps of real processes holding real
# private keys (corpus/make_corpus.sh), scanned by `dumpscrub scan`.
#
# For every dump of a key (ELF core by gcore and by a kernel crash, and its
# minidump conversions): `scan --json` must report the planted key with the
# right kind, bits, confidence and SPKI fingerprint, covering the private
# bytes at the victim's heap address (file offsets and vaddr both), exit 1.
# For every negative control (certificates, public keys, random and
# compressed data, a big ordinary process): no finding, exit 0.
# No-leak: no output of any scan (JSON and text, stdout and stderr) holds 16
# consecutive bytes of any planted private component, raw, in hex (any case,
# with or without colons) or in base64 (standard or URL-safe, any alignment).
# One PASS/FAIL line per dump and check; reader complaints about these
# well-formed dumps (exit 3, "structure not fully read") get their own line.
. "$(dirname "$0")/lib.sh"

[ -x "$DS" ] || { skip "scan-corpus: $DS not built (make asan)"; exit 0; }
[ -x "$DS_FAST" ] || DS_FAST=$DS
[ -x "$CORPUS_BIN/victim_keys" ] || { skip "scan-corpus: $CORPUS_BIN/victim_keys not built (make corpus)"; exit 0; }
command -v gcore >/dev/null || { skip "scan-corpus: gcore (gdb) not installed"; exit 0; }

# SCAN_CORPUS=DIR reuses a corpus made earlier by corpus/make_corpus.sh DIR;
# an empty DIR (tests/run.sh makes one) is filled here for later tests
# (t_scrub.sh scrubs every dump of it).
CORPUS=${SCAN_CORPUS:-}
if [ -n "$CORPUS" ] && [ -f "$CORPUS/manifest.json" ]; then
    skip "corpus/generate: reusing $CORPUS"
else
    CORPUS=${CORPUS:-$TMP/corpus}
    t0=$SECONDS
    if ! bash "$TOP/corpus/make_corpus.sh" "$CORPUS" > "$TMP/make_corpus.log" 2>&1; then
        fail "corpus/generate: make_corpus.sh failed"
        tail -20 "$TMP/make_corpus.log" | sed 's/^/    | /'
        exit 0
    fi
    pass "corpus/generate ($(( SECONDS - t0 ))s)"
fi

python3 - "$CORPUS/manifest.json" "$DS" "$DS_FAST" <<'PYEOF'
import base64, binascii, concurrent.futures as cf, json, os, re, subprocess, sys, time

manifest, DS, DS_FAST = sys.argv[1], sys.argv[2], sys.argv[3]
man = json.load(open(manifest))
BIG = 16 << 20                  # above this, the release build scans
t_start = time.time()

def out(status, name, why=""):
    print("%s %s%s" % (status, name, (": " + why) if why else ""), flush=True)

for e in man["errors"]:
    out("FAIL", "corpus/error", e)
for s in man["skipped"]:
    out("SKIP", "corpus/" + s.split(":")[0].replace(" ", "-"), s)

# ------------------------------------------------------------ dump layout --
def u(b, o, n):
    return int.from_bytes(b[o:o + n], "little")

def ranges_of(path):
    """[(vaddr, size, file offset)] of the memory a dump holds."""
    with open(path, "rb") as fh:
        b = fh.read(1 << 20)
        if b[:4] == b"\x7fELF":
            phoff, phentsize, phnum = u(b, 0x20, 8), u(b, 0x36, 2), u(b, 0x38, 2)
            fh.seek(phoff)
            ph = fh.read(phentsize * phnum)
            r = []
            for i in range(phnum):
                p = ph[i * phentsize:(i + 1) * phentsize]
                if u(p, 0, 4) == 1 and u(p, 32, 8):          # PT_LOAD with bytes
                    r.append((u(p, 16, 8), u(p, 32, 8), u(p, 8, 8)))
            return r
        if b[:4] == b"MDMP":
            nstreams, dirrva = u(b, 8, 4), u(b, 12, 4)
            fh.seek(dirrva)
            d = fh.read(12 * nstreams)
            r = []
            for i in range(nstreams):
                typ, size, rva = u(d, 12 * i, 4), u(d, 12 * i + 4, 4), u(d, 12 * i + 8, 4)
                fh.seek(rva)
                s = fh.read(size)
                if typ == 5:                                  # MemoryListStream
                    for j in range(u(s, 0, 4)):
                        o = 4 + 16 * j
                        r.append((u(s, o, 8), u(s, o + 8, 4), u(s, o + 12, 4)))
                elif typ == 9:                                # Memory64ListStream
                    n, rva64 = u(s, 0, 8), u(s, 8, 8)
                    for j in range(n):
                        o = 16 + 16 * j
                        va, sz = u(s, o, 8), u(s, o + 8, 8)
                        r.append((va, sz, rva64))
                        rva64 += sz
            return r
    return []

def file_off(ranges, va):
    for start, size, off in ranges:
        if start <= va < start + size:
            return off + va - start
    return None

# ------------------------------------------------------------------ scans --
def scan(path, json_mode):
    exe = DS if (json_mode and os.path.getsize(path) <= BIG) else DS_FAST
    cmd = [exe, "scan"] + (["--json"] if json_mode else []) + [path]
    t = time.time()
    for attempt in range(5):
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
            return p.returncode, p.stdout, p.stderr, time.time() - t
        except subprocess.TimeoutExpired as e:
            return -1, e.stdout or b"", (e.stderr or b"") + b"\n(timeout)", time.time() - t
        except OSError as e:            # e.g. the binary is being relinked right now
            err = str(e).encode()
            time.sleep(2)
    return -2, b"", err, time.time() - t

dumps = man["dumps"]
jobs = {}
with cf.ThreadPoolExecutor(max_workers=2) as ex:
    for d in dumps:
        jobs[d["path"], True] = ex.submit(scan, d["path"], True)
        jobs[d["path"], False] = ex.submit(scan, d["path"], False)
    res = {k: f.result() for k, f in jobs.items()}

KINDS = {"rsa-private-key", "ec-private-key", "ed25519-private-key", "x25519-private-key",
         "ed448-private-key", "x448-private-key", "dsa-private-key", "encrypted-private-key",
         "pkcs12", "openssh-private-key", "putty-private-key", "jwk-private-key",
         "aes-key-schedule", "token", "high-entropy-secret"}
PRIVATE = KINDS - {"aes-key-schedule", "token", "high-entropy-secret"}

def parse_findings(stdout):
    """Findings, plus schema problems."""
    fs, bad = [], []
    for i, ln in enumerate(stdout.decode("utf-8", "replace").splitlines()):
        try:
            f = json.loads(ln)
        except ValueError:
            bad.append("line %d is not JSON (%d bytes)" % (i + 1, len(ln)))
            continue
        for k, t in (("file", str), ("offset", int), ("length", int), ("kind", str),
                     ("detector", str), ("confidence", str)):
            if not isinstance(f.get(k), t):
                bad.append("line %d: %s missing or not %s" % (i + 1, k, t.__name__))
        if f.get("kind") not in KINDS:
            bad.append("line %d: kind %r not in the fixed list" % (i + 1, f.get("kind")))
        if f.get("confidence") not in ("verified", "likely", "possible"):
            bad.append("line %d: confidence %r" % (i + 1, f.get("confidence")))
        if "fingerprint" in f and not re.fullmatch(r"sha256:[0-9a-f]{64}", str(f["fingerprint"])):
            bad.append("line %d: fingerprint %r" % (i + 1, f["fingerprint"]))
        if "vaddr" in f and not re.fullmatch(r"0x[0-9a-f]+", str(f["vaddr"])):
            bad.append("line %d: vaddr %r" % (i + 1, f["vaddr"]))
        if "bits" in f and not isinstance(f["bits"], int):
            bad.append("line %d: bits %r" % (i + 1, f["bits"]))
        fs.append(f)
    return fs, bad

def brief(f):
    return "%s/%s/%s@0x%x+%d%s" % (f.get("kind"), f.get("detector"), f.get("confidence"),
                                  f.get("offset", 0), f.get("length", 0),
                                  (" " + f["region"]) if f.get("region") else "")

SAN = re.compile(rb"ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:|SUMMARY: \w+Sanitizer")
NOT_READ = re.compile(rb"structure not fully read[^\n]*")

def label(d):
    return os.path.basename(d["path"])

def check_place(d, e, s, fs, ranges, secret, va, where):
    """Problems with the finding of the copy of the secret at vaddr va."""
    lo, hi = s["cover"]
    fo = file_off(ranges, va)
    fo_lo, fo_hi1 = file_off(ranges, va + lo), file_off(ranges, va + hi - 1)
    ok_bytes = False
    if fo is not None and fo_lo is not None and fo_hi1 is not None and fo_hi1 - fo_lo == hi - lo - 1:
        with open(d["path"], "rb") as fh:
            fh.seek(fo)
            ok_bytes = fh.read(len(secret)) == secret
    if not ok_bytes:
        return ("the victim's bytes are not in the dump at vaddr 0x%x (file offset %s): the "
                "dump (%s) lost them" % (va, fo, d["source"]))
    fo_hi = fo_hi1 + 1
    span = "[0x%x,0x%x)" % (fo_lo, fo_hi)
    over = [f for f in fs if f["offset"] < fo_hi and f["offset"] + f["length"] > fo_lo]
    cand = [f for f in over if f["kind"] == e["kind"]]
    conf_ok = e.get("confidence_any", [e["confidence"]])
    if not cand:
        return ("no %s finding over the secret at file %s; over it: %s; all findings: %s"
                % (e["kind"], span, ", ".join(brief(f) for f in over) or "none",
                   ", ".join(sorted({"%s/%s" % (f["kind"], f["detector"]) for f in fs})) or "none"))
    def covers(f):
        return f["offset"] <= fo_lo and f["offset"] + f["length"] >= fo_hi
    def score(f):
        return covers(f) + (f.get("fingerprint") == e["fingerprint"]) + (f["confidence"] in conf_ok)
    f = max(cand, key=score)
    p = []
    if not covers(f):
        p.append("finding [0x%x,0x%x) does not cover the private bytes %s"
                 % (f["offset"], f["offset"] + f["length"], span))
    if e["bits"] is not None and f.get("bits") != e["bits"]:
        p.append("bits %s, expected %d" % (f.get("bits"), e["bits"]))
    if f["confidence"] not in conf_ok:
        p.append("confidence %s, expected %s" % (f["confidence"], e["confidence"]))
    if e["fingerprint"] and f.get("fingerprint") != e["fingerprint"]:
        p.append("fingerprint %s, expected %s" % (f.get("fingerprint"), e["fingerprint"]))
    if "vaddr" not in f:
        p.append("no vaddr")
    elif int(f["vaddr"], 16) - f["offset"] != va - fo:
        p.append("vaddr %s at file offset 0x%x, but file offset 0x%x is vaddr 0x%x"
                 % (f["vaddr"], f["offset"], fo, va))
    reg = f.get("region")           # may be absent; if present it must be right
    if reg is not None and (
            (where == "heap" and reg != "[heap]") or
            (where == "stack" and not reg.startswith("[stack")) or
            (where == "static" and (reg == "[heap]" or reg.startswith("[stack")))):
        p.append("region %r for a %s address" % (reg, where))
    return ("%s: %s" % (brief(f), "; ".join(p))) if p else None

npos = nneg = 0
for d in dumps:
    name = label(d)
    rc, so, se, dt = res[d["path"], True]
    trc, tso, tse, _ = res[d["path"], False]
    fs, bad = parse_findings(so)
    problems = ["schema: " + b for b in bad[:3]]
    if SAN.search(se) or SAN.search(tse):
        problems.append("sanitizer report: %s" % SAN.search(se + tse).group(0).decode())
    if rc not in (0, 1, 3):
        problems.append("exit %d: %s" % (rc, se.decode("utf-8", "replace").strip()[-200:]))
    if trc != rc:
        problems.append("text scan exit %d but JSON scan exit %d" % (trc, rc))
    m = NOT_READ.search(se)
    if rc == 3 or m:
        out("FAIL", "reads-fully/" + name, "a well-formed %s (%s) was not fully read (exit %d): %s"
            % (d["format"], d["source"], rc, m.group(0).decode() if m else "-"))
    if d["negative"]:
        nneg += 1
        priv = [f for f in fs if f.get("kind") in PRIVATE]
        if priv:
            problems.append("%d private-key findings in a negative control: %s"
                            % (len(priv), ", ".join(brief(f) for f in priv[:4])))
        other = [f for f in fs if f.get("kind") not in PRIVATE]
        if other:
            problems.append("%d findings in a negative control: %s"
                            % (len(other), ", ".join(brief(f) for f in other[:4])))
        if rc not in (0, 3):
            problems.append("exit %d, expected 0" % rc)
    else:
        npos += 1
        e, s = d["expect"], d["secret"]
        ranges = ranges_of(d["path"])
        secret = open(s["bytes_file"], "rb").read()
        places = [(s["vaddr"], "heap")] + [(c["vaddr"], c["where"]) for c in s.get("copies", [])]
        for vaddr, where in places:
            p = check_place(d, e, s, fs, ranges, secret, int(vaddr, 16), where)
            if p:
                problems.append("%s copy at %s: %s" % (where, vaddr, p))
        if rc != 1:
            problems.append("exit %d, expected 1" % rc)
    what = ("negative control %s" % d["case"]) if d["negative"] else \
           ("%s %s as %s" % (d["expect"]["kind"] if d["expect"] else "", d["key"], d["form"]))
    if problems:
        out("FAIL", "scan/" + name, "[%s, %s] %s" % (what, d["source"], " | ".join(problems)))
    else:
        out("PASS", "scan/" + name)

# ---------------------------------------------------------------- no leak --
W = 16
windows = set()
for d in dumps:
    for hx in (d.get("components") or {}).values():
        b = bytes.fromhex(hx)
        for i in range(len(b) - W + 1):
            windows.add(b[i:i + W])

def leaks_in(data):
    """Where 16 secret bytes show up in data: raw, hex or base64."""
    def hit(b):
        return any(b[i:i + W] in windows for i in range(len(b) - W + 1))
    if hit(data):
        return "raw bytes"
    for m in re.finditer(rb"[0-9a-fA-F:]{32,}", data):
        h = m.group(0).replace(b":", b"")
        for a in (0, 1):
            s = h[a:]
            s = s[:len(s) // 2 * 2]
            if len(s) >= 2 * W and hit(binascii.unhexlify(s)):
                return "hex at output byte %d" % m.start()
    for m in re.finditer(rb"[A-Za-z0-9+/_-]{22,}", data):
        t = m.group(0).replace(b"-", b"+").replace(b"_", b"/")
        for a in range(4):
            s = t[a:]
            s = s[:len(s) // 4 * 4]
            try:
                if len(s) >= 24 and hit(base64.b64decode(s)):
                    return "base64 at output byte %d" % m.start()
            except binascii.Error:
                pass
    return None

for d in dumps:
    rc, so, se, _ = res[d["path"], True]
    trc, tso, tse, _ = res[d["path"], False]
    where = [(n, leaks_in(x)) for n, x in (("json stdout", so), ("json stderr", se),
                                            ("text stdout", tso), ("text stderr", tse))]
    where = ["%s: %s" % (n, w) for n, w in where if w]
    if where:
        out("FAIL", "noleak/" + label(d), "planted private key bytes in the output: " + "; ".join(where))
    else:
        out("PASS", "noleak/" + label(d))

took = time.time() - t_start
slow = max(res.items(), key=lambda kv: kv[1][3])
print("# %d dumps (%d with keys, %d negative) scanned twice in %.0fs; slowest %s %.1fs"
      % (len(dumps), npos, nneg, took, os.path.basename(slow[0][0]), slow[1][3]), flush=True)
PYEOF
