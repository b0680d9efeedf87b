/*
 * What the kernel tells the first user process. The kernel maps one
 * read-only page holding struct mica_bootinfo at MICA_BOOTINFO_VA and
 * passes its address in a0; the process's stack ends at MICA_STACK_TOP.
 * Its capabilities are in the slots MICA_SLOT_* of mica/syscall.h.
 */
#ifndef MICA_BOOTINFO_H
#define MICA_BOOTINFO_H

#include <stdint.h>

#define MICA_BOOTINFO_MAGIC   0x4d494341u   /* "MICA" */
#define MICA_BOOTINFO_VERSION 1
#define MICA_BOOTINFO_VA      0x3ffffff000ul
#define MICA_IPCBUF_VA        0x3fffffe000ul  /* the first thread's IPC buffer */
#define MICA_ARCHIVE_VA       0x3f00000000ul  /* the boot archive, read-only */
#define MICA_ARGS_VA          0x3fffffd000ul  /* a spawned program's struct mica_args */
#define MICA_STACK_TOP        0x3fffff0000ul
#define MICA_STACK_PAGES      16
#define MICA_CMDLINE_MAX      256

#define MICA_MAX_DEVICES 16

/* A device from the device tree that user space may drive: its registers
 * (DEVICE_FRAME gives a frame for them) and its PLIC interrupt. */
struct mica_device {
    uint64_t base;
    uint64_t size;
    uint32_t irq;
    uint32_t kind;              /* MICA_DEV_* */
    uint32_t reg_shift;         /* registers are 1 << reg_shift bytes apart */
    uint32_t pad;
};

#define MICA_DEV_VIRTIO_MMIO 1
#define MICA_DEV_UART_16550  2
#define MICA_DEV_GOLDFISH_RTC 3

struct mica_bootinfo {
    uint32_t magic;
    uint32_t version;
    uint64_t firmware_instret;   /* rdinstret at kernel entry */
    uint64_t kernel_instret;     /* rdinstret just before the first sret to user */
    uint64_t timebase_freq;      /* rdtime ticks per second */
    uint64_t total_pages;        /* physical pages the kernel manages */
    uint64_t free_pages;         /* free when the process started */
    uint64_t archive_size;       /* bytes of the cpio at MICA_ARCHIVE_VA */
    uint32_t ndevices;
    struct mica_device devices[MICA_MAX_DEVICES];
    char init[MICA_CMDLINE_MAX]; /* the init= command: "PATH ARGS...", or "" */
    char cmdline[MICA_CMDLINE_MAX]; /* the whole kernel command line */
};

_Static_assert(sizeof(struct mica_bootinfo) <= 4096, "bootinfo fits a page");

/* What spawn() gives every program it starts, read-only at MICA_ARGS_VA. */
struct mica_args {
    uint64_t timebase_freq;      /* rdtime ticks per second */
    int64_t realtime_offset_ns;  /* wall clock = this + rdtime in ns */
    uint32_t console_shift;      /* console UART register spacing (log2 bytes) */
    uint32_t pad;
    char cmdline[];              /* NUL-terminated */
};

#endif
