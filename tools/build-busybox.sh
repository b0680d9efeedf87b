#!/bin/sh
# Builds busybox from Debian's source package as a static riscv64 binary
# against Mica's musl sysroot (made by tools/build-musl.sh) and installs
#     BUILD/busybox/busybox               the stripped binary
#     BUILD/busybox/busybox_unstripped    the same with symbols, for addr2line
#     BUILD/busybox/busybox.links         applet paths, one a line (/bin/sh, ...)
#     BUILD/busybox/busybox.config        the full configuration it was built with
# The configuration is busybox's defconfig changed by tools/busybox.config.
# Usage: tools/build-busybox.sh [BUILD]     (BUILD defaults to build)
# A run with nothing changed only compares a stamp and exits; the details
# of a real build go to BUILD/busybox-build.log.
set -eu
TOOLS=$(cd "$(dirname "$0")" && pwd)
FRAGMENT=$TOOLS/busybox.config
B=$(realpath -m "${1:-build}")
SRC=$B/src
OBJ=$B/busybox-obj
OUT=$B/busybox
LOG=$B/busybox-build.log
CC=$B/sysroot/bin/riscv64-mica-musl-gcc
CROSS=riscv64-linux-gnu-

# Same bytes from the same inputs: no locale-dependent sorting, and no
# settings leaking in from the caller.  A parent make's MAKEFLAGS would
# pass its command-line variables (B=, V=, Q=...) and a jobserver we are
# not given to busybox's own make.
export LC_ALL=C
unset CFLAGS CPPFLAGS LDFLAGS EXTRA_CFLAGS MAKEFLAGS MFLAGS MAKELEVEL ARCH || true

if [ ! -x "$CC" ]; then
    echo "busybox: no $CC; build musl first (tools/build-musl.sh $B)" >&2
    exit 1
fi

# Runs a step with its output in the log; on failure shows the log's tail.
step() {
    if ! "$@" >>"$LOG" 2>&1; then
        echo "busybox: failed: $*" >&2
        echo "--- last lines of $LOG:" >&2
        tail -n 40 "$LOG" >&2
        exit 1
    fi
}

mkdir -p "$SRC"
# Two builds into one BUILD would delete each other's objects; the second
# waits here, then normally finds the binary up to date.
if command -v flock >/dev/null; then
    exec 9>"$B/busybox.lock"
    flock 9
fi
cd "$SRC"
dir=$(ls -d busybox-*/ 2>/dev/null | head -n 1 || true)
fetched=
if [ -z "$dir" ]; then
    echo "busybox: fetching Debian's source package (log: $LOG)"
    : > "$LOG"
    step apt-get source -q busybox
    dir=$(ls -d busybox-*/ | head -n 1)
    fetched=yes
fi
dir=$SRC/${dir%/}
version=$(dpkg-parsechangelog -l "$dir/debian/changelog" -SVersion)

# Everything the binary depends on, one line each, so that a stale stamp
# can be diffed against the new one to see what changed.
stamp() {
    echo "source $(basename "$dir") $version"
    echo "script $(sha256sum < "$TOOLS/build-busybox.sh" | cut -d' ' -f1)"
    echo "fragment $(sha256sum < "$FRAGMENT" | cut -d' ' -f1)"
    echo "musl $(cat "$CC" "$B/sysroot/lib/musl-gcc.specs" "$B/sysroot/lib/libc.a" |
        sha256sum | cut -d' ' -f1)"
    echo "gcc $(${CROSS}gcc -dumpfullversion)"
}
stamp > "$B/busybox.stamp.new"
if [ -f "$OUT/busybox" ] && [ -f "$OUT/busybox.links" ] &&
        cmp -s "$B/busybox.stamp.new" "$OUT/busybox.stamp"; then
    rm -f "$B/busybox.stamp.new"
    echo "busybox: $OUT/busybox is up to date"
    exit 0
fi

# Sets each CONFIG_X the fragment names to the fragment's value; rejects
# lines that are neither comments nor settings, and options this busybox
# does not offer (a misspelt option would otherwise be silently ignored).
apply_fragment() {
    awk '
    function name(line) {
        if (line ~ /^CONFIG_[A-Za-z0-9_]+=/) { sub(/=.*/, "", line); return line }
        if (line ~ /^# CONFIG_[A-Za-z0-9_]+ is not set$/) { split(line, w, " "); return w[2] }
        return ""
    }
    FNR == NR {
        n = name($0)
        if (n != "") { if (!(n in set)) order[++count] = n; set[n] = $0 }
        else if ($0 !~ /^[ \t]*(#.*)?$/) {
            print FILENAME ":" FNR ": not a setting: " $0 > "/dev/stderr"; bad = 1
        }
        next
    }
    {
        n = name($0)
        if (n in set) found[n] = 1; else print
    }
    END {
        for (i = 1; i <= count; i++)
            if (!(order[i] in found)) {
                print "not an option of this busybox: " order[i] > "/dev/stderr"; bad = 1
            }
        if (bad) exit 1
        for (i = 1; i <= count; i++) print set[order[i]]
    }' "$FRAGMENT" "$OBJ/.config" > "$OBJ/.config.new" &&
    mv "$OBJ/.config.new" "$OBJ/.config"
}

# oldconfig drops settings whose dependencies are off and turns on what
# another option selects; make sure the fragment's settings survived.
check_fragment() {
    awk '
    FNR == NR { have[$0] = 1; if ($0 ~ /^CONFIG_.*=y$/) { sub(/=y$/, ""); on[$0] = 1 }; next }
    /^CONFIG_[A-Za-z0-9_]+=/ && !($0 in have) {
        print "oldconfig did not keep " $0 " (missing dependency?)"; bad = 1
    }
    /^# CONFIG_[A-Za-z0-9_]+ is not set$/ && ($2 in on) {
        print "oldconfig turned " $2 " back on (selected by another option?)"; bad = 1
    }
    END { exit bad }' "$OBJ/.config" "$FRAGMENT"
}

oldconfig() {
    yes "" | make -C "$dir" O="$OBJ" oldconfig
}

# Not statically linked means CONFIG_STATIC was lost and Mica could not
# run it; the make rule for busybox.links ignores its script's failure.
check_static() {
    if ${CROSS}readelf -l "$OBJ/busybox" | grep -q INTERP; then
        echo "busybox is dynamically linked"
        return 1
    fi
    test -s "$OBJ/busybox.links"
}

start=$(date +%s)
echo "busybox: building $version (log: $LOG)"
[ -n "$fetched" ] || : > "$LOG"
rm -f "$OUT/busybox.stamp"
# A fresh out-of-tree build every time: the unpacked source stays pristine
# and nothing from an earlier configuration can leak into this one.
rm -rf "$OBJ" && mkdir -p "$OBJ"
# KCONFIG_NOTIMESTAMP and BB_EXTRA_VERSION (a Debian patch) replace the
# build date busybox puts in its banner, which would make every build differ.
export KCONFIG_NOTIMESTAMP=1
step make -C "$dir" O="$OBJ" defconfig
step apply_fragment
step oldconfig
step check_fragment
# CONFIG_STATIC=y is in the fragment too; on the command line it also
# reaches Makefile.flags should .config ever lose it.
step make -C "$dir" O="$OBJ" -j"$(nproc)" CROSS_COMPILE=$CROSS CC="$CC" \
    CONFIG_STATIC=y BB_EXTRA_VERSION="Mica, Debian $version" \
    busybox busybox.links
step check_static

mkdir -p "$OUT"
cp "$OBJ/busybox" "$OBJ/busybox_unstripped" "$OBJ/busybox.links" "$OUT/"
cp "$OBJ/.config" "$OUT/busybox.config"
mv "$B/busybox.stamp.new" "$OUT/busybox.stamp"
rm -rf "$OBJ"
echo "busybox: $(wc -l < "$OUT/busybox.links") applets, $(wc -c < "$OUT/busybox") bytes," \
    "in $OUT ($(( $(date +%s) - start ))s)"
