#!/bin/bash
# calibrate_entropy.sh - how many `possible` findings ordinary processes give.
#
# The entropy heuristic (rule secret-assignment in patterns/default.rules)
# must stay silent on dumps of ordinary processes: the issue's budget is no
# `possible` finding per 100 MiB of dump on average.  This script dumps a
# few ordinary processes with gcore (an interpreter doing text processing
# over /usr/share, a compiler mid-compilation, a shell, perl), adds the
# 1 GiB benchmark core when bench/aes_bench.sh made it and the external
# corpus, scans each with every finding level, and prints a Markdown table:
# MiB scanned, `possible` findings, findings per 100 MiB, and which rule.
# No dump holds a secret the script put there; a finding is a false positive
# unless the process really held one (look at it with the rule id and offset).
#
# usage: bench/calibrate_entropy.sh [WORKDIR]   (default build/tmp/calib)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
DS=${DS:-$TOP/build/dumpscrub}
W=${1:-$TOP/build/tmp/calib}
mkdir -p "$W"
[ -x "$DS" ] || { echo "build first: make" >&2; exit 2; }
command -v gcore >/dev/null || { echo "gcore (gdb) needed" >&2; exit 2; }

dump_pid() {   # dump_pid NAME PID
    gcore -o "$W/$1" "$2" >/dev/null 2>&1 && mv "$W/$1.$2" "$W/$1.core"
}

# Every process waits on stdin from one pipe whose writer is this sleep.
exec 7< <(exec sleep 600)
hold=$!
# 1. python3: a text-processing job over the documentation tree.
python3 -c "$(cat <<'PY'

import os, re, sys, collections
words = collections.Counter()
texts = []
for root, _, files in os.walk('/usr/share/doc'):
    for f in files:
        try:
            t = open(os.path.join(root, f), errors='replace').read()
        except (OSError, ValueError):
            continue
        texts.append(t)
        words.update(re.findall(r'[A-Za-z_]{3,}', t))
        if len(texts) > 20000:
            break
print('ready', flush=True)
sys.stdin.read()
PY
)" <&7 >/dev/null &
pypid=$!
# 2. perl holding the same tree's file names and a hash of config-like lines.
perl -e 'my %h; for my $f (glob("/etc/*.conf /etc/*/*.conf")) { open(my $fh, "<", $f) or next; while (<$fh>) { $h{"$f:$."} = $_ } } print "ready\n"; $| = 1; <STDIN>;' <&7 >/dev/null &
plpid=$!
# 3. a compiler mid-compilation: cc1 on a generated 3 MB translation unit.
gen=$W/big.c
python3 -c '
for i in range(60000):
    print("static int f%d(int x) { int y = x * %d + %d; return y ^ (y >> 3); }" % (i, i, i * 7))
print("int main(void) { return f1(2); }")' > "$gen"
(gcc -O2 -c "$gen" -o "$W/big.o" &)
# 4. bash with a big environment-like variable set.
bash -c 'for i in $(seq 1 20000); do declare "VAR_$i=value-$i-$RANDOM"; done; echo ready; read -r _' <&7 >/dev/null &
shpid=$!

sleep 4
cc1=$(pgrep -n cc1 || true)
[ -n "$cc1" ] && dump_pid cc1 "$cc1"
dump_pid python "$pypid"
dump_pid perl "$plpid"
dump_pid bash "$shpid"
kill "$hold" "$pypid" "$plpid" "$shpid" 2>/dev/null
pkill -f "$gen" 2>/dev/null
wait 2>/dev/null

inputs=("$W"/*.core)
[ -f "$TOP/build/tmp/aes-bench/bench.core" ] && inputs+=("$TOP/build/tmp/aes-bench/bench.core")
[ -d "$TOP/../shared/corpus/external" ] && inputs+=("$TOP/../shared/corpus/external")

echo "| dump | MiB | possible findings | per 100 MiB | rules |"
echo "|---|---:|---:|---:|---|"
tot_b=0 tot_f=0
for d in "${inputs[@]}"; do
    b=$(du -sb "$d" | cut -f1)
    "$DS" scan --json --min-confidence possible "$d" > "$W/out.json" 2>/dev/null
    n=$(grep -c '"confidence":"possible"' "$W/out.json")
    rules=$(grep '"confidence":"possible"' "$W/out.json" | sed 's/.*"detector":"\([^"]*\)".*/\1/' | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')
    printf '| %s | %d | %d | %.2f | %s |\n' "${d#$TOP/}" $((b / 1048576)) "$n" \
        "$(echo "$n * 104857600 / $b" | bc -l)" "${rules:--}"
    tot_b=$((tot_b + b)); tot_f=$((tot_f + n))
done
printf '| **all** | %d | %d | %.2f | |\n' $((tot_b / 1048576)) "$tot_f" "$(echo "$tot_f * 104857600 / $tot_b" | bc -l)"
