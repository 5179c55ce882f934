#!/bin/sh
# Install the Debian packages the build and tests need, if any is missing.
# Runs as the first step of every make target; quiet when nothing is missing.
missing=""
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "bootstrap: installing missing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
    echo "bootstrap: not root; install them with: sudo apt-get install -y$missing" >&2
    exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || exit 2
apt-get install -y -qq $missing >/dev/null || exit 2
