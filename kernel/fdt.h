/*
 * Flattened device tree (FDT) parser.
 *
 * fdt_parse() walks a DTB blob (a few passes: the PLIC names interrupt
 * controllers defined later, stdout-path may be an alias) and fills a
 * struct boot_info with what
 * the kernel needs: RAM, reserved regions, the console UART, the PLIC and the
 * S-mode context of the boot hart, the timer frequency, virtio-mmio slots,
 * the power-off device and /chosen/bootargs. It reads nothing outside
 * [blob, blob + len): a malformed or truncated tree gives an error message,
 * never a wild read. It is pure code with no kernel dependencies, so it is
 * unit-tested and fuzzed on the host (test/host/). Not handled: "ranges"
 * translation (addresses are taken as identity-mapped, as on QEMU virt) and
 * status = "disabled"; RAM regions beyond FDT_MAX_RAM are dropped, more
 * reserved regions than FDT_MAX_RESERVED is an error.
 */
#ifndef MICA_FDT_H
#define MICA_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDT_MAX_RAM       8
#define FDT_MAX_RESERVED  16
#define FDT_MAX_VIRTIO    16
#define FDT_BOOTARGS_MAX  256
#define FDT_ISA_MAX       128

struct fdt_region {
    uint64_t base;
    uint64_t size;
};

struct fdt_device {
    struct fdt_region reg;
    uint32_t irq;            /* PLIC source number, 0 if none */
};

struct boot_info {
    struct fdt_region ram[FDT_MAX_RAM];          /* /memory@... reg entries */
    int nram;
    struct fdt_region reserved[FDT_MAX_RESERVED]; /* memreserve + /reserved-memory */
    int nreserved;

    struct fdt_device uart;  /* ns16550a: from /chosen/stdout-path, else first */
    uint32_t uart_reg_shift; /* "reg-shift", default 0 */
    uint32_t uart_reg_io_width; /* "reg-io-width", default 1 */
    bool has_uart;

    struct fdt_region plic;  /* "riscv,plic0" or "sifive,plic-1.0.0" */
    uint32_t plic_ndev;      /* "riscv,ndev" */
    int plic_context;        /* S-mode external interrupt (9) context of the boot hart, -1 if none */
    bool has_plic;

    struct fdt_region clint; /* "riscv,clint0" or "sifive,clint0" (optional) */
    bool has_clint;
    uint64_t timebase_freq;  /* /cpus or the cpu node: "timebase-frequency" */

    char isa[FDT_ISA_MAX];   /* boot hart's "riscv,isa", truncated, NUL-terminated */
    bool has_sstc;           /* isa string contains the "sstc" extension */

    struct fdt_device virtio[FDT_MAX_VIRTIO]; /* "virtio,mmio", sorted by base address */
    int nvirtio;

    struct fdt_region poweroff; /* "sifive,test0"/"sifive,test1" finisher, if present */
    bool has_poweroff;

    struct fdt_device rtc;   /* "google,goldfish-rtc", if present */
    bool has_rtc;

    char bootargs[FDT_BOOTARGS_MAX]; /* /chosen/bootargs, "" if absent; truncated */
};

/* The size the header claims, or 0 when the header is not an FDT header.
 * Reads only the first 8 bytes; len must be at least 8. */
size_t fdt_total_size(const void *blob, size_t len);

/*
 * Parses the DTB at blob, which is at most len bytes long, for the hart
 * hartid. Returns 0 and fills *out, or returns -1 and sets *err to a static
 * message naming what is wrong (the kernel panics with it).
 */
int fdt_parse(const void *blob, size_t len, unsigned long hartid,
              struct boot_info *out, const char **err);

#endif
