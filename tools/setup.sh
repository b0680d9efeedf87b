#!/bin/sh
# Installs the Debian packages Mica builds and tests with, and nothing else.
# Checks each package with dpkg -s and installs only the missing ones: as root
# directly, otherwise through sudo; if neither is possible it names the
# missing packages and fails. Also adds a deb-src entry when none is
# configured, because the musl and busybox builds use `apt-get source`.
set -eu

PKGS="gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu linux-libc-dev-riscv64-cross
qemu-system-misc qemu-user opensbi e2fsprogs cpio device-tree-compiler
python3-pytest python3-pexpect gdb-multiarch dpkg-dev make gcc"

missing=""
for p in $PKGS; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done

has_src() {
    grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/
}

if [ -z "$missing" ] && has_src; then
    exit 0
fi

if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "setup: missing Debian packages:$missing" >&2
    has_src || echo "setup: and no deb-src entry for 'apt-get source'" >&2
    echo "setup: install them as root (apt-get install$missing) and run make again" >&2
    exit 1
fi

updated=0
if ! has_src; then
    # Debian 12 keeps its sources in deb822 form; a copy with Types: deb-src
    # gives apt-get source the same mirrors.
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        sed 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
            $SUDO tee /etc/apt/sources.list.d/mica-src.sources >/dev/null
    else
        grep -hE '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
            $SUDO tee /etc/apt/sources.list.d/mica-src.list >/dev/null
    fi
    $SUDO apt-get update -q
    updated=1
fi

if [ -n "$missing" ]; then
    echo "setup: installing$missing"
    [ $updated = 1 ] || $SUDO apt-get update -q
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
