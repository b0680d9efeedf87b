#!/bin/sh
# The one QEMU command line Mica boots with; make run, make debug, make bench
# and the tests all use it.
#   tools/qemu.sh KERNEL DISK APPEND [extra QEMU options...]
# DISK is attached as virtio-blk when the file exists (MICA_DRIVE_OPTS adds
# -drive options, e.g. ",readonly=on"; MICA_DRIVE_FILE replaces the file
# spec, e.g. "blkdebug:rules.conf:disk.img"); APPEND is the kernel command
# line. The console is on stdio; QEMU exits when Mica powers off.
set -eu
kernel=$1 disk=$2 append=$3
shift 3
set -- -machine virt -m "${MICA_MEM:-256M}" -nographic -no-reboot \
    -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin \
    -kernel "$kernel" -append "$append" \
    -global virtio-mmio.force-legacy=false "$@"
if [ -n "$disk" ] && [ -f "$disk" ]; then
    set -- "$@" -drive "file=${MICA_DRIVE_FILE:-$disk},if=none,format=raw,id=hd0${MICA_DRIVE_OPTS:-}" \
        -device virtio-blk-device,drive=hd0
fi
exec qemu-system-riscv64 "$@"
