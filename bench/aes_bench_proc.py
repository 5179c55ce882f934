# aes_bench_proc.py - a big, ordinary-looking process for bench/aes_bench.sh:
# about 1 GiB of the data real processes hold (int and pointer arrays, dicts
# of strings, floats, packed arrays, random bytes standing for encrypted or
# compressed data, text, JSON, zlib output, zero pages, hex strings) and
# OpenSSL's DRBG (ssl.RAND_bytes), whose AES-256 schedules are real secrets.
# Prints "ready pid=N" and waits for EOF on stdin (gcore it meanwhile).
import array, hashlib, json, os, random, ssl, sys, zlib
random.seed(1)
ssl.RAND_bytes(32)                       # OpenSSL's DRBG: real AES-256 schedules
ctx = ssl.create_default_context()       # loads the CA store: certificates, bignums
keep = []
keep.append(list(range(4_000_000)))                                   # ints, pointer arrays
keep.append({("k%d" % i): ("value-%d-" % i) * 3 for i in range(800_000)})  # dict of str
keep.append([random.random() for _ in range(3_000_000)])              # float objects
keep.append(array.array("d", (random.random() for _ in range(8_000_000))))  # packed doubles
keep.append(array.array("i", range(16_000_000)))                      # packed counters
keep.append(os.urandom(160 << 20))                                    # encrypted/compressed-like
words = "the quick brown fox jumps over a lazy dog while servers log requests errors and warnings".split()
keep.append(" ".join(random.choice(words) for _ in range(20_000_000)))  # text
keep.append(json.dumps([{"id": i, "name": "user%d" % i, "tags": ["a", "b"], "score": i * 0.5}
                        for i in range(600_000)]))                     # JSON
keep.append(zlib.compress(keep[-1].encode(), 6))                       # compressed
keep.append(bytearray(120 << 20))                                      # zeros
keep.append([hashlib.sha256(str(i).encode()).hexdigest() for i in range(300_000)])  # hex strings
print("ready pid=%d" % os.getpid(), flush=True)
sys.stdin.read()
