#!/bin/bash
# mkdeb.sh VERSION - `make deb`: Debian packages from a DESTDIR install
# (PREFIX=/usr, the library in the multiarch directory), built with
# dpkg-deb alone (no debhelper needed):
#
#   dumpscrub         the command, man pages, default rules, bash completion,
#                     the gate's systemd unit, the hook's sysctl.d template
#   libdumpscrub0     the shared library (libdumpscrub.so.0)
#   libdumpscrub-dev  header, libdumpscrub.so, libdumpscrub.a, dumpscrub.pc
#
# Depends: the packages that own the shared libraries each ELF file needs
# (readelf NEEDED -> ldconfig path -> dpkg -S), so nothing is listed twice.
# Output: build/deb/*.deb.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${1:?version}
# the pkg-config modules of the Makefile (PKGS), for libdumpscrub-dev
PKGS=${PKGS:-$(sed -n 's/^PKGS *:= *//p' Makefile)}
for t in dpkg-deb dpkg-query readelf; do
    command -v "$t" >/dev/null || { echo "mkdeb: $t not found" >&2; exit 2; }
done
ARCH=$(dpkg --print-architecture)
MA=$(gcc -print-multiarch 2>/dev/null || true)
LIBDIR=/usr/lib${MA:+/$MA}
MAINT='dumpscrub maintainers <dumpscrub@packages.invalid>'
OUT=build/deb
STAGE=$OUT/stage
rm -rf "$OUT"
mkdir -p "$STAGE"

make --no-print-directory install DESTDIR="$PWD/$STAGE" PREFIX=/usr LIBDIR="$LIBDIR" >/dev/null

# shlib_deps FILE...: the packages owning the libraries the files need
# (one dpkg-query for all of them: it is slow to start).  A library is
# looked up under its ldconfig path, its resolved path and, for merged-/usr
# systems, both with and without /usr.
shlib_deps() {
    local f lib path cands=() libs=() owners pkgs=() c hit
    for f in "$@"; do
        for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
            case $lib in libdumpscrub.so.*) pkgs+=(libdumpscrub0); continue ;; esac
            path=$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')
            [ -n "$path" ] || { echo "mkdeb: $lib of $f not found" >&2; exit 2; }
            libs+=("$lib")
            cands+=("$path" "$(readlink -f "$path")" "${path#/usr}" "/usr${path#/usr}")
        done
    done
    owners=$(dpkg-query -S "${cands[@]}" 2>/dev/null || true)
    for lib in "${libs[@]}"; do
        hit=$(awk -v l="/$lib" 'index($0, l) && substr($0, length($0) - length(l) + 1) == l {
                 sub(/:.*/, ""); sub(/,.*/, ""); print; exit }' <<<"$owners")
        [ -n "$hit" ] || { echo "mkdeb: no package owns $lib" >&2; exit 2; }
        pkgs+=("$hit")
    done
    printf '%s\n' "${pkgs[@]}" | sort -u | paste -sd, | sed 's/,/, /g'
}

# pkg NAME SECTION DEPENDS DESCRIPTION PATH...: move PATHs from the stage
# into NAME's tree, write its control file and md5sums, build the .deb.
pkg() {
    local name=$1 section=$2 depends=$3 desc=$4 p
    local TRIGGERS=${TRIGGERS:-}
    shift 4
    local root=$OUT/$name
    mkdir -p "$root/DEBIAN"
    for p in "$@"; do
        mkdir -p "$root/$(dirname "$p")"
        mv "$STAGE/$p" "$root/$p"
    done
    mkdir -p "$root/usr/share/doc/$name"
    cat > "$root/usr/share/doc/$name/copyright" <<EOC
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: dumpscrub
Comment: Built from the dumpscrub source tree by \`make deb\`.
EOC
    {
        echo "Package: $name"
        echo "Version: $VERSION"
        echo "Architecture: $ARCH"
        echo "Maintainer: $MAINT"
        echo "Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)"
        [ -n "$depends" ] && echo "Depends: $depends"
        [ -n "${EXTRA:-}" ] && echo "$EXTRA"
        echo "Section: $section"
        echo "Priority: optional"
        printf 'Description: %s\n' "$desc"
    } > "$root/DEBIAN/control"
    [ -n "${TRIGGERS:-}" ] && echo "$TRIGGERS" > "$root/DEBIAN/triggers"
    (cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
        xargs -0r md5sum) > "$root/DEBIAN/md5sums"
    dpkg-deb --root-owner-group -Zxz --build "$root" "$OUT/${name}_${VERSION}_${ARCH}.deb" >/dev/null
    echo "$OUT/${name}_${VERSION}_${ARCH}.deb"
}

# dev_deps PC...: the packages owning the pkg-config files dumpscrub.pc
# requires (what a program linking libdumpscrub needs to build).
dev_deps() {
    local pc files=()
    for pc in "$@"; do
        files+=("$(pkg-config --variable=pcfiledir "$pc")/$pc.pc")
    done
    dpkg-query -S "${files[@]}" | sed 's/:.*//; s/, /\n/g' | sort -u | paste -sd, | sed 's/,/, /g'
}

SO=${LIBDIR#/}/libdumpscrub.so.$VERSION
BIN_DEPS=$(shlib_deps "$STAGE/usr/bin/dumpscrub")
LIB_DEPS=$(shlib_deps "$STAGE/$SO")

# ldconfig runs (once per dpkg run) when the library comes or goes.
TRIGGERS='activate-noawait ldconfig' EXTRA='Recommends: dumpscrub (>= '"$VERSION"')
Multi-Arch: same' \
pkg libdumpscrub0 libs "$LIB_DEPS" "find and scrub private keys in crash dumps (library)
 libdumpscrub scans crash dumps (ELF cores, minidumps, raw memory) for
 private keys and other secrets, verifies them with OpenSSL, and writes
 scrubbed copies, for crash reporters that scrub in-process.
 The default rule pack comes with the dumpscrub package." \
    "${LIBDIR#/}/libdumpscrub.so.$VERSION" "${LIBDIR#/}/libdumpscrub.so.0"

EXTRA='Multi-Arch: same' \
# shellcheck disable=SC2086
pkg libdumpscrub-dev libdevel "libdumpscrub0 (= $VERSION), pkg-config, $(dev_deps $PKGS)" \
    "find and scrub private keys in crash dumps (development files)
 Header (dumpscrub.h), static library and pkg-config file of libdumpscrub:
 cc app.c \$(pkg-config --cflags --libs dumpscrub)." \
    usr/include/dumpscrub.h "${LIBDIR#/}/libdumpscrub.so" "${LIBDIR#/}/libdumpscrub.a" \
    "${LIBDIR#/}/pkgconfig/dumpscrub.pc"

EXTRA='' pkg dumpscrub utils "$BIN_DEPS" "find and scrub private keys and secrets in crash dumps
 dumpscrub finds private keys and other secrets in crash dumps (Linux ELF
 cores, Windows, Breakpad and Crashpad minidumps, anything else as raw
 bytes), verifies every key with OpenSSL, names it by the SHA-256
 fingerprint of its public key and scrubs it: a gate for debug shares
 (systemd unit dumpscrub-gate@.service), sweeps of dump archives, and
 SARIF output for security dashboards." \
    usr/bin/dumpscrub usr/share/man/man1/dumpscrub.1.gz usr/share/man/man5/dumpscrub-rules.5.gz \
    usr/share/dumpscrub usr/share/bash-completion/completions/dumpscrub \
    usr/lib/systemd/system/dumpscrub-gate@.service

# Everything installed must have gone into a package.
left=$(find "$STAGE" -type f -o -type l)
if [ -n "$left" ]; then
    echo "mkdeb: not packaged:" >&2
    echo "$left" >&2
    exit 2
fi
rm -rf "$STAGE"
