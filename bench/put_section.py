#!/usr/bin/env python3
"""put_section.py RESULTS.md NAME < TEXT: put a bench script's generated text
into RESULTS.md between the markers

    <!-- NAME: generated from here -->  ...  <!-- NAME: generated to here -->

replacing what was there, or appending the block when the markers are not
there yet.  Everything else (other benches' blocks, sections written by
hand) stays as it is."""
import os
import sys

path, name = sys.argv[1], sys.argv[2]
start = "<!-- %s: generated from here -->" % name
end = "<!-- %s: generated to here -->" % name
block = "%s\n%s\n%s" % (start, sys.stdin.read().strip("\n"), end)
text = open(path).read() if os.path.exists(path) else "# dumpscrub benchmarks\n"
a, b = text.find(start), text.find(end)
if a >= 0 and b > a:
    text = text[:a] + block + text[b + len(end):]
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open(path, "w").write(text)
