#!/bin/sh
# Builds musl for riscv64 from Debian's source package into BUILD/sysroot,
# adds the Linux UAPI headers that programs such as busybox include, and
# writes the compiler wrapper BUILD/sysroot/bin/riscv64-mica-musl-gcc that
# builds static Mica (Linux riscv64) programs:
#     build/sysroot/bin/riscv64-mica-musl-gcc -O2 -o hello hello.c
set -eu
B=$(realpath -m "${1:-build}")
SRC=$B/src
SYSROOT=$B/sysroot
CROSS=riscv64-linux-gnu-

mkdir -p "$SRC"
cd "$SRC"
dir=$(ls -d musl-*/ 2>/dev/null | head -n 1 || true)
if [ -z "$dir" ]; then
    apt-get source -q musl
    dir=$(ls -d musl-*/ | head -n 1)
fi
cd "$dir"
# Out-of-tree builds keep the unpacked source pristine for a rebuild.
rm -rf "$B/musl-obj" && mkdir -p "$B/musl-obj" && cd "$B/musl-obj"
"$SRC/$dir/configure" --target=riscv64-linux-gnu CROSS_COMPILE=$CROSS \
    --prefix="$SYSROOT" --syslibdir="$SYSROOT/lib" --disable-shared --enable-wrapper=gcc >/dev/null
make -s -j"$(nproc)"
make -s install >/dev/null

# Linux UAPI headers from linux-libc-dev-riscv64-cross.
for d in linux asm asm-generic mtd; do
    rm -rf "$SYSROOT/include/$d"
    cp -a "/usr/riscv64-linux-gnu/include/$d" "$SYSROOT/include/$d"
done

mkdir -p "$SYSROOT/bin"
cat > "$SYSROOT/bin/riscv64-mica-musl-gcc" <<'WRAP'
#!/bin/sh
# Builds static riscv64 programs against Mica's musl sysroot.
sysroot=$(cd "$(dirname "$0")/.." && pwd)
exec riscv64-linux-gnu-gcc -specs "$sysroot/lib/musl-gcc.specs" -static "$@"
WRAP
chmod +x "$SYSROOT/bin/riscv64-mica-musl-gcc"
rm -rf "$B/musl-obj"
echo "musl: installed in $SYSROOT"
