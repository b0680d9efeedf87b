/*
 * Flattened device tree parser; fdt.h says what it exports.
 *
 * The blob is untrusted: the header's block offsets and sizes are checked
 * against the buffer first, and every later read is checked against the
 * block it falls in. The walk over the struct block always moves forward by
 * at least one 4-byte token, so it ends on any input.
 *
 * One walk is not enough, because a node may name things that come later:
 * the PLIC's interrupts-extended refers to the cpu interrupt controllers by
 * phandle, and /chosen/stdout-path names the UART by path or alias. So the
 * same walker runs in up to three passes, each decoding different nodes:
 *
 *   PASS_CPUS     /chosen and /cpus: bootargs, stdout-path, the boot hart's
 *                 interrupt-controller phandle, isa and timebase;
 *   PASS_ALIASES  /aliases, only when stdout-path is an alias;
 *   PASS_DEVICES  memory, reserved memory, UART, PLIC, CLINT, virtio and the
 *                 power-off device.
 *
 * Every pass checks the whole structure, so the first one reports any
 * malformed token. A node's properties are collected as they are walked and
 * the node is decoded ("flushed") once: at its first child or at its
 * END_NODE, since properties precede child nodes. Only the open nodes are
 * kept, on a fixed stack of MAX_DEPTH frames.
 *
 * This file is linked into the freestanding kernel: no libc.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdt.h"

#define FDT_MAGIC        0xd00dfeedu
#define FDT_BEGIN_NODE   1u
#define FDT_END_NODE     2u
#define FDT_PROP         3u
#define FDT_NOP          4u
#define FDT_END          9u

/* Version 16 headers end before size_dt_struct, which version 17 added. */
#define HDR_SIZE_V16     36u
#define HDR_SIZE_V17     40u
#define HDR_TOTALSIZE    4u
#define HDR_OFF_STRUCT   8u
#define HDR_OFF_STRINGS  12u
#define HDR_OFF_RSVMAP   16u
#define HDR_VERSION      20u
#define HDR_LAST_COMP    24u
#define HDR_SIZE_STRINGS 32u
#define HDR_SIZE_STRUCT  36u

#define RSV_ENTRY_SIZE   16u

/* Real trees nest about 5 deep (/cpus/cpu-map/cluster0/core0); the limit
 * bounds the frame stack on the kernel's boot stack. */
#define MAX_DEPTH        16

/* The cause of the supervisor external interrupt: the PLIC context wired to
 * it on the boot hart's interrupt controller is the one the kernel claims. */
#define IRQ_S_EXTERNAL   9u

/* Cell counts above 2 do not fit in 64 bits; a bad length reads as this. */
#define BAD_CELLS        0xffffffffu

enum prop_id {
    P_COMPATIBLE,
    P_REG,
    P_INTERRUPTS,
    P_DEVICE_TYPE,
    P_PHANDLE,
    P_LINUX_PHANDLE,
    P_INTERRUPT_CONTROLLER,
    P_INTERRUPTS_EXTENDED,
    P_NDEV,
    P_TIMEBASE,
    P_ISA,
    P_ISA_EXTENSIONS,
    P_REG_SHIFT,
    P_REG_IO_WIDTH,
    P_BOOTARGS,
    P_STDOUT_PATH,
    P_COUNT
};

static const char *const prop_names[P_COUNT] = {
    [P_COMPATIBLE] = "compatible",
    [P_REG] = "reg",
    [P_INTERRUPTS] = "interrupts",
    [P_DEVICE_TYPE] = "device_type",
    [P_PHANDLE] = "phandle",
    [P_LINUX_PHANDLE] = "linux,phandle",
    [P_INTERRUPT_CONTROLLER] = "interrupt-controller",
    [P_INTERRUPTS_EXTENDED] = "interrupts-extended",
    [P_NDEV] = "riscv,ndev",
    [P_TIMEBASE] = "timebase-frequency",
    [P_ISA] = "riscv,isa",
    [P_ISA_EXTENSIONS] = "riscv,isa-extensions",
    [P_REG_SHIFT] = "reg-shift",
    [P_REG_IO_WIDTH] = "reg-io-width",
    [P_BOOTARGS] = "bootargs",
    [P_STDOUT_PATH] = "stdout-path",
};

/* Where a node sits, which decides what a pass looks at in it. */
enum node_kind {
    NODE_OTHER,
    NODE_CHOSEN,            /* /chosen */
    NODE_ALIASES,           /* /aliases */
    NODE_CPUS,              /* /cpus */
    NODE_CPU,               /* a child of /cpus: a cpu, or cpu-map */
    NODE_CPU_CHILD,         /* a child of a cpu: its interrupt controller */
    NODE_RESERVED,          /* /reserved-memory */
    NODE_RESERVED_CHILD,
};

/* A property value as an offset into the struct block. No value starts at
 * offset 0 (the root's BEGIN_NODE token is there), so off 0 means absent. */
struct span {
    uint32_t off;
    uint32_t len;
};

struct frame {
    uint32_t name_off;       /* into the struct block */
    uint32_t name_len;
    uint32_t address_cells;  /* of this node, for decoding its children */
    uint32_t size_cells;
    enum node_kind kind;
    bool flushed;
    bool boot_cpu;           /* a cpu node whose reg is the boot hart id */
};

enum pass { PASS_CPUS, PASS_ALIASES, PASS_DEVICES };

struct walker {
    const uint8_t *st;       /* struct block */
    uint32_t st_size;
    const uint8_t *str;      /* strings block */
    uint32_t str_size;
    unsigned long hartid;
    struct boot_info *out;
    const char *err;
    enum pass pass;

    struct frame frames[MAX_DEPTH];
    int depth;               /* open nodes; the innermost is frames[depth-1] */
    bool root_seen;
    struct span props[P_COUNT]; /* of the innermost node not yet flushed */

    /* Found by PASS_CPUS (and PASS_ALIASES) for PASS_DEVICES. */
    bool have_cpu;
    uint64_t timebase_cpus;  /* from /cpus */
    uint64_t timebase_boot;  /* from the boot hart's cpu node */
    uint64_t timebase_any;   /* from the first cpu node that has one */
    uint32_t boot_intc;      /* phandle; 0 (never a valid phandle) if unknown */
    const uint8_t *stdout_path; /* path or alias name, without ":options" */
    uint32_t stdout_len;     /* 0: no stdout-path, use the first UART */
    bool stdout_is_alias;
    bool uart_from_stdout;   /* the UART chosen is the stdout-path one */
};

struct reg_iter {
    const uint8_t *p;
    uint32_t address_cells;
    uint32_t size_cells;
    uint32_t n;              /* entries */
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* The length of the string at s, or max if its first max bytes hold no NUL. */
static size_t str_nlen(const uint8_t *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

/* Whether the n bytes at p are exactly the C string s. */
static bool bytes_eq(const uint8_t *p, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\0' || (uint8_t)s[i] != p[i])
            return false;
    return s[n] == '\0';
}

static bool mem_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* Copies the string in src[0, len) into dst (cap > 0 bytes), truncating,
 * always NUL-terminated. */
static void copy_string(char *dst, size_t cap, const uint8_t *src, size_t len)
{
    size_t n = str_nlen(src, len);
    if (n > cap - 1)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)src[i];
    dst[n] = '\0';
}

static void zero_bytes(void *p, size_t n)
{
    volatile uint8_t *b = p;   /* volatile keeps GCC from calling memset */
    for (size_t i = 0; i < n; i++)
        b[i] = 0;
}

static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
    return cells == 0 ? 0 : cells == 1 ? be32(p) : be64(p);
}

static int fail(struct walker *w, const char *msg)
{
    w->err = msg;
    return -1;
}

static const uint8_t *prop_val(const struct walker *w, enum prop_id id)
{
    return w->st + w->props[id].off;
}

static bool has_prop(const struct walker *w, enum prop_id id)
{
    return w->props[id].off != 0;
}

/* Whether the string-list property id has an entry equal to s. */
static bool strlist_has(const struct walker *w, enum prop_id id, const char *s)
{
    const uint8_t *p = prop_val(w, id);
    size_t len = w->props[id].len;

    if (!has_prop(w, id))
        return false;
    for (size_t i = 0; i < len; ) {
        size_t n = str_nlen(p + i, len - i);
        if (bytes_eq(p + i, n, s))
            return true;
        i += n + 1;
    }
    return false;
}

static bool compatible(const struct walker *w, const char *s)
{
    return strlist_has(w, P_COMPATIBLE, s);
}

/* The first cell of property id, if it has one. */
static bool first_u32(const struct walker *w, enum prop_id id, uint32_t *v)
{
    if (!has_prop(w, id) || w->props[id].len < 4)
        return false;
    *v = be32(prop_val(w, id));
    return true;
}

/* A device's PLIC source: the first cell of "interrupts", else the cell
 * after the phandle in "interrupts-extended" (one cell per source, as the
 * PLIC's #interrupt-cells is 1). */
static bool device_irq(const struct walker *w, uint32_t *irq)
{
    if (first_u32(w, P_INTERRUPTS, irq))
        return true;
    if (!has_prop(w, P_INTERRUPTS_EXTENDED) || w->props[P_INTERRUPTS_EXTENDED].len < 8)
        return false;
    *irq = be32(prop_val(w, P_INTERRUPTS_EXTENDED) + 4);
    return true;
}

/* Whether "sstc" is one of the '_'-separated tokens of an isa string (the
 * binding makes them lowercase). */
static bool isa_has_sstc(const uint8_t *isa, size_t len)
{
    size_t n = str_nlen(isa, len);

    for (size_t i = 0; i < n; ) {
        size_t j = i;
        while (j < n && isa[j] != '_')
            j++;
        if (bytes_eq(isa + i, j - i, "sstc"))
            return true;
        i = j + 1;
    }
    return false;
}

/*
 * Checks the innermost node's reg against its parent's #address-cells and
 * #size-cells and opens an iterator over its entries (none when it has no
 * reg). Only called for nodes whose reg is used, so a bus with 3 address
 * cells (PCI) elsewhere in the tree is no error.
 */
static int reg_open(struct walker *w, struct reg_iter *it)
{
    uint32_t entry;

    it->n = 0;
    if (!has_prop(w, P_REG))
        return 0;
    /* The root has no parent: the spec's defaults apply. */
    it->address_cells = 2;
    it->size_cells = 1;
    if (w->depth >= 2) {
        it->address_cells = w->frames[w->depth - 2].address_cells;
        it->size_cells = w->frames[w->depth - 2].size_cells;
    }
    if (it->address_cells > 2)
        return fail(w, "fdt: #address-cells out of range");
    if (it->size_cells > 2)
        return fail(w, "fdt: #size-cells out of range");
    entry = 4 * (it->address_cells + it->size_cells);
    if (entry == 0 || w->props[P_REG].len % entry != 0)
        return fail(w, "fdt: bad reg property");
    it->p = prop_val(w, P_REG);
    it->n = w->props[P_REG].len / entry;
    return 0;
}

static int reg_get(struct walker *w, const struct reg_iter *it, uint32_t i,
                   struct fdt_region *r)
{
    const uint8_t *p = it->p + 4 * i * (it->address_cells + it->size_cells);

    r->base = read_cells(p, it->address_cells);
    r->size = read_cells(p + 4 * it->address_cells, it->size_cells);
    if (r->size > UINT64_MAX - r->base)
        return fail(w, "fdt: region wraps around");
    return 0;
}

/* The first reg entry; *found is false when the node has none. */
static int first_reg(struct walker *w, struct fdt_region *r, bool *found)
{
    struct reg_iter it;

    *found = false;
    if (reg_open(w, &it) < 0)
        return -1;
    if (it.n == 0)
        return 0;
    *found = true;
    return reg_get(w, &it, 0, r);
}

/* Extra RAM regions are dropped: the kernel just uses less memory. */
static void add_ram(struct boot_info *out, struct fdt_region r)
{
    if (r.size != 0 && out->nram < FDT_MAX_RAM)
        out->ram[out->nram++] = r;
}

/* A reservation must never be dropped: the kernel would hand out memory that
 * firmware still owns. */
static int add_reserved(struct walker *w, struct fdt_region r)
{
    struct boot_info *out = w->out;

    if (r.size == 0)
        return 0;
    if (out->nreserved == FDT_MAX_RESERVED)
        return fail(w, "fdt: too many reserved regions");
    out->reserved[out->nreserved++] = r;
    return 0;
}

/* Reads "timebase-frequency", one or two cells, into *hz (0 if absent). */
static int read_timebase(struct walker *w, uint64_t *hz)
{
    uint32_t len = w->props[P_TIMEBASE].len;

    *hz = 0;
    if (!has_prop(w, P_TIMEBASE))
        return 0;
    if (len != 4 && len != 8)
        return fail(w, "fdt: bad timebase-frequency");
    *hz = read_cells(prop_val(w, P_TIMEBASE), len / 4);
    return 0;
}

static void do_chosen(struct walker *w)
{
    const uint8_t *p = prop_val(w, P_STDOUT_PATH);
    size_t n = 0, len;

    if (has_prop(w, P_BOOTARGS))
        copy_string(w->out->bootargs, FDT_BOOTARGS_MAX,
                    prop_val(w, P_BOOTARGS), w->props[P_BOOTARGS].len);
    if (!has_prop(w, P_STDOUT_PATH))
        return;
    /* "/soc/serial@10000000:115200": the options are the UART's business. */
    len = str_nlen(p, w->props[P_STDOUT_PATH].len);
    while (n < len && p[n] != ':')
        n++;
    w->stdout_path = p;
    w->stdout_len = (uint32_t)n;
    w->stdout_is_alias = n > 0 && p[0] != '/';
}

static bool is_cpu(const struct walker *w, const struct frame *f)
{
    const uint8_t *name = w->st + f->name_off;

    if (has_prop(w, P_DEVICE_TYPE))
        return strlist_has(w, P_DEVICE_TYPE, "cpu");
    return bytes_eq(name, f->name_len, "cpu") ||
           (f->name_len > 4 && mem_eq(name, (const uint8_t *)"cpu@", 4));
}

static int do_cpu(struct walker *w, struct frame *f)
{
    struct fdt_region r;
    bool found;
    uint64_t hz;

    if (!is_cpu(w, f))
        return 0;   /* cpu-map: its children never see boot_cpu set */
    w->have_cpu = true;
    if (read_timebase(w, &hz) < 0 || first_reg(w, &r, &found) < 0)
        return -1;
    if (w->timebase_any == 0)
        w->timebase_any = hz;
    if (!found || r.base != w->hartid)
        return 0;
    f->boot_cpu = true;
    w->timebase_boot = hz;
    if (has_prop(w, P_ISA)) {
        copy_string(w->out->isa, FDT_ISA_MAX, prop_val(w, P_ISA), w->props[P_ISA].len);
        w->out->has_sstc = isa_has_sstc(prop_val(w, P_ISA), w->props[P_ISA].len);
    }
    if (strlist_has(w, P_ISA_EXTENSIONS, "sstc"))
        w->out->has_sstc = true;
    return 0;
}

static void do_cpu_intc(struct walker *w)
{
    uint32_t phandle;

    if (!w->frames[w->depth - 2].boot_cpu)
        return;
    if (!has_prop(w, P_INTERRUPT_CONTROLLER) && !compatible(w, "riscv,cpu-intc"))
        return;
    if (first_u32(w, P_PHANDLE, &phandle) || first_u32(w, P_LINUX_PHANDLE, &phandle))
        w->boot_intc = phandle;
}

static int flush_cpus_pass(struct walker *w, struct frame *f)
{
    switch (f->kind) {
    case NODE_CHOSEN:
        do_chosen(w);
        return 0;
    case NODE_CPUS:
        return read_timebase(w, &w->timebase_cpus);
    case NODE_CPU:
        return do_cpu(w, f);
    case NODE_CPU_CHILD:
        do_cpu_intc(w);
        return 0;
    default:
        return 0;
    }
}

/* PASS_ALIASES sees every property of /aliases, not just the known ones. */
static void alias_prop(struct walker *w, const uint8_t *name, size_t name_len,
                       struct span v)
{
    if (w->depth != 2 || w->frames[1].kind != NODE_ALIASES || !w->stdout_is_alias)
        return;
    if (name_len != w->stdout_len || !mem_eq(name, w->stdout_path, name_len))
        return;
    w->stdout_path = w->st + v.off;
    w->stdout_len = (uint32_t)str_nlen(w->stdout_path, v.len);
    w->stdout_is_alias = false;
}

/* Whether path component c (n bytes) names frame f: "serial" also matches
 * "serial@10000000". */
static bool name_matches(const struct walker *w, const struct frame *f,
                         const uint8_t *c, size_t n)
{
    const uint8_t *name = w->st + f->name_off;
    size_t base_len = 0;

    if (n == f->name_len && mem_eq(c, name, n))
        return true;
    while (base_len < f->name_len && name[base_len] != '@')
        base_len++;
    return n == base_len && mem_eq(c, name, n);
}

/* Whether the innermost open node is the one stdout-path names. */
static bool is_stdout_node(const struct walker *w)
{
    const uint8_t *p = w->stdout_path;
    size_t n = w->stdout_len, i = 0;

    if (n == 0 || w->stdout_is_alias)
        return false;
    for (int d = 1; d < w->depth; d++) {
        size_t start;
        if (i >= n || p[i] != '/')
            return false;
        start = ++i;
        while (i < n && p[i] != '/')
            i++;
        if (!name_matches(w, &w->frames[d], p + start, i - start))
            return false;
    }
    return w->depth > 1 && i == n;
}

static int do_memory(struct walker *w)
{
    struct reg_iter it;
    struct fdt_region r;

    if (reg_open(w, &it) < 0)
        return -1;
    for (uint32_t i = 0; i < it.n; i++) {
        if (reg_get(w, &it, i, &r) < 0)
            return -1;
        add_ram(w->out, r);
    }
    return 0;
}

static int do_reserved(struct walker *w)
{
    struct reg_iter it;
    struct fdt_region r;

    if (reg_open(w, &it) < 0)
        return -1;
    for (uint32_t i = 0; i < it.n; i++)
        if (reg_get(w, &it, i, &r) < 0 || add_reserved(w, r) < 0)
            return -1;
    return 0;
}

/* The stdout-path UART wins over any other; else the first one does. */
static int do_uart(struct walker *w)
{
    struct boot_info *out = w->out;
    bool chosen = is_stdout_node(w), found;
    struct fdt_region r;

    if (w->uart_from_stdout || (out->has_uart && !chosen))
        return 0;
    if (first_reg(w, &r, &found) < 0)
        return -1;
    if (!found)
        return 0;
    out->has_uart = true;
    w->uart_from_stdout = chosen;
    out->uart.reg = r;
    out->uart.irq = 0;
    out->uart_reg_shift = 0;
    out->uart_reg_io_width = 1;
    device_irq(w, &out->uart.irq);
    first_u32(w, P_REG_SHIFT, &out->uart_reg_shift);
    first_u32(w, P_REG_IO_WIDTH, &out->uart_reg_io_width);
    return 0;
}

/* interrupts-extended holds one <phandle cause> pair per context; ours is
 * the boot hart's interrupt controller with the S-mode external cause. */
static int plic_context(const struct walker *w)
{
    const uint8_t *p = prop_val(w, P_INTERRUPTS_EXTENDED);
    uint32_t pairs = w->props[P_INTERRUPTS_EXTENDED].len / 8;

    if (w->boot_intc == 0 || !has_prop(w, P_INTERRUPTS_EXTENDED))
        return -1;
    for (uint32_t i = 0; i < pairs; i++)
        if (be32(p + 8 * i) == w->boot_intc && be32(p + 8 * i + 4) == IRQ_S_EXTERNAL)
            return (int)i;
    return -1;
}

/* With one PLIC per socket (QEMU -numa), ours is the one with a context for
 * the boot hart; without any such, the first. */
static int do_plic(struct walker *w)
{
    struct boot_info *out = w->out;
    struct fdt_region r;
    bool found;
    int context = plic_context(w);

    if (out->has_plic && (out->plic_context >= 0 || context < 0))
        return 0;
    if (first_reg(w, &r, &found) < 0)
        return -1;
    if (!found)
        return 0;
    out->has_plic = true;
    out->plic = r;
    out->plic_ndev = 0;
    first_u32(w, P_NDEV, &out->plic_ndev);
    out->plic_context = context;
    return 0;
}

/* A first-found device with just a region: the CLINT or the power-off. */
static int do_region(struct walker *w, struct fdt_region *dst, bool *has)
{
    struct fdt_region r;
    bool found;

    if (*has)
        return 0;
    if (first_reg(w, &r, &found) < 0)
        return -1;
    if (found) {
        *dst = r;
        *has = true;
    }
    return 0;
}

/* Field by field: at -Os GCC turns a struct assignment into memcpy. */
static void set_device(struct fdt_device *dst, const struct fdt_device *src)
{
    dst->reg.base = src->reg.base;
    dst->reg.size = src->reg.size;
    dst->irq = src->irq;
}

/* The first real-time clock: its registers and interrupt. */
static int do_rtc(struct walker *w)
{
    struct boot_info *out = w->out;
    struct fdt_device d;
    bool found;

    if (out->has_rtc)
        return 0;
    if (first_reg(w, &d.reg, &found) < 0)
        return -1;
    if (!found)
        return 0;
    d.irq = 0;
    device_irq(w, &d.irq);
    set_device(&out->rtc, &d);
    out->has_rtc = true;
    return 0;
}

/* Inserts in base order; when full, the slot with the highest base goes. */
static int do_virtio(struct walker *w)
{
    struct boot_info *out = w->out;
    struct fdt_device d;
    bool found;
    int i;

    if (first_reg(w, &d.reg, &found) < 0)
        return -1;
    if (!found || !device_irq(w, &d.irq))
        return 0;
    i = out->nvirtio;
    if (i == FDT_MAX_VIRTIO) {
        if (d.reg.base >= out->virtio[i - 1].reg.base)
            return 0;
        i--;
    } else {
        out->nvirtio++;
    }
    for (; i > 0 && out->virtio[i - 1].reg.base > d.reg.base; i--)
        set_device(&out->virtio[i], &out->virtio[i - 1]);
    set_device(&out->virtio[i], &d);
    return 0;
}

static int flush_devices_pass(struct walker *w, struct frame *f)
{
    struct boot_info *out = w->out;

    if (f->kind == NODE_RESERVED_CHILD)
        return do_reserved(w);
    if (strlist_has(w, P_DEVICE_TYPE, "memory"))
        return do_memory(w);
    if (compatible(w, "ns16550a") || compatible(w, "ns16550"))
        return do_uart(w);
    if (compatible(w, "riscv,plic0") || compatible(w, "sifive,plic-1.0.0"))
        return do_plic(w);
    if (compatible(w, "riscv,clint0") || compatible(w, "sifive,clint0"))
        return do_region(w, &out->clint, &out->has_clint);
    if (compatible(w, "virtio,mmio"))
        return do_virtio(w);
    if (compatible(w, "sifive,test0") || compatible(w, "sifive,test1"))
        return do_region(w, &out->poweroff, &out->has_poweroff);
    if (compatible(w, "google,goldfish-rtc"))
        return do_rtc(w);
    return 0;
}

/* Decodes the innermost node, once its properties are all collected. */
static int flush(struct walker *w)
{
    struct frame *f = &w->frames[w->depth - 1];

    if (f->flushed)
        return 0;
    f->flushed = true;
    if (w->pass == PASS_CPUS)
        return flush_cpus_pass(w, f);
    if (w->pass == PASS_DEVICES)
        return flush_devices_pass(w, f);
    return 0;
}

static enum node_kind classify(const struct walker *w, const uint8_t *name, size_t n)
{
    enum node_kind parent = w->depth > 0 ? w->frames[w->depth - 1].kind : NODE_OTHER;

    if (w->depth == 1) {
        if (bytes_eq(name, n, "chosen"))
            return NODE_CHOSEN;
        if (bytes_eq(name, n, "aliases"))
            return NODE_ALIASES;
        if (bytes_eq(name, n, "cpus"))
            return NODE_CPUS;
        if (bytes_eq(name, n, "reserved-memory"))
            return NODE_RESERVED;
    }
    if (parent == NODE_CPUS)
        return NODE_CPU;
    if (parent == NODE_CPU)
        return NODE_CPU_CHILD;
    if (parent == NODE_RESERVED)
        return NODE_RESERVED_CHILD;
    return NODE_OTHER;
}

/* Moves *pos past n bytes and the padding to the next token. */
static int skip(struct walker *w, uint32_t *pos, uint64_t n, const char *msg)
{
    uint64_t next = (*pos + n + 3) & ~(uint64_t)3;

    if (next > w->st_size)
        return fail(w, msg);
    *pos = (uint32_t)next;
    return 0;
}

static int begin_node(struct walker *w, uint32_t *pos)
{
    const uint8_t *name = w->st + *pos;
    size_t n = str_nlen(name, w->st_size - *pos);
    struct frame *f;

    if (n == w->st_size - *pos)
        return fail(w, "fdt: unterminated node name");
    if (w->depth == 0 && w->root_seen)
        return fail(w, "fdt: more than one root node");
    if (w->depth == MAX_DEPTH)
        return fail(w, "fdt: tree too deep");
    if (w->depth > 0 && flush(w) < 0)
        return -1;
    f = &w->frames[w->depth];
    f->name_off = *pos;
    f->name_len = (uint32_t)n;
    f->address_cells = 2;
    f->size_cells = 1;
    f->kind = classify(w, name, n);
    f->flushed = false;
    f->boot_cpu = false;
    for (int i = 0; i < P_COUNT; i++)
        w->props[i].off = w->props[i].len = 0;
    w->depth++;
    w->root_seen = true;
    return skip(w, pos, n + 1, "fdt: unterminated node name");
}

static int end_node(struct walker *w)
{
    if (w->depth == 0)
        return fail(w, "fdt: END_NODE outside any node");
    if (flush(w) < 0)
        return -1;
    w->depth--;
    return 0;
}

static void record_prop(struct walker *w, const uint8_t *name, size_t n, struct span v)
{
    struct frame *f = &w->frames[w->depth - 1];

    if (w->pass == PASS_ALIASES) {
        alias_prop(w, name, n, v);
        return;
    }
    /* The cells are needed while the children are decoded, after the flush. */
    if (bytes_eq(name, n, "#address-cells"))
        f->address_cells = v.len == 4 ? be32(w->st + v.off) : BAD_CELLS;
    else if (bytes_eq(name, n, "#size-cells"))
        f->size_cells = v.len == 4 ? be32(w->st + v.off) : BAD_CELLS;
    if (f->flushed)
        return;   /* a property after a child node: out of order, ignored */
    for (int i = 0; i < P_COUNT; i++) {
        if (bytes_eq(name, n, prop_names[i])) {
            w->props[i] = v;
            return;
        }
    }
}

static int prop(struct walker *w, uint32_t *pos)
{
    struct span v;
    uint32_t nameoff;
    const uint8_t *name;
    size_t n;

    if (w->depth == 0)
        return fail(w, "fdt: property outside any node");
    if (w->st_size - *pos < 8)
        return fail(w, "fdt: truncated property");
    v.len = be32(w->st + *pos);
    nameoff = be32(w->st + *pos + 4);
    v.off = *pos + 8;
    if (nameoff >= w->str_size)
        return fail(w, "fdt: property name out of range");
    name = w->str + nameoff;
    n = str_nlen(name, w->str_size - nameoff);
    if (n == w->str_size - nameoff)
        return fail(w, "fdt: unterminated property name");
    if (skip(w, pos, 8 + (uint64_t)v.len, "fdt: truncated property") < 0)
        return -1;
    record_prop(w, name, n, v);
    return 0;
}

/* One pass over the struct block; 0 at a well-placed END token. */
static int walk(struct walker *w, enum pass pass)
{
    uint32_t pos = 0;

    w->pass = pass;
    w->depth = 0;
    w->root_seen = false;
    for (;;) {
        uint32_t token;
        int r = 0;

        if (w->st_size - pos < 4)
            return fail(w, "fdt: missing END token");
        token = be32(w->st + pos);
        pos += 4;
        switch (token) {
        case FDT_BEGIN_NODE:
            r = begin_node(w, &pos);
            break;
        case FDT_END_NODE:
            r = end_node(w);
            break;
        case FDT_PROP:
            r = prop(w, &pos);
            break;
        case FDT_NOP:
            break;
        case FDT_END:
            if (w->depth != 0)
                return fail(w, "fdt: END token inside a node");
            if (!w->root_seen)
                return fail(w, "fdt: no root node");
            return 0;
        default:
            return fail(w, "fdt: bad token");
        }
        if (r < 0)
            return -1;
    }
}

static bool block_in(uint32_t off, uint32_t size, uint32_t total)
{
    return off <= total && size <= total - off;
}

/* Checks the header and points the walker at the blocks; returns the offset
 * of the memory reservation block through *rsvmap. */
static int check_header(struct walker *w, const uint8_t *b, size_t len,
                        uint32_t *total, uint32_t *rsvmap)
{
    uint32_t version, hdr_size, off_struct, off_strings, size_struct;

    if (len < HDR_SIZE_V16)
        return fail(w, "fdt: blob too small");
    if (be32(b) != FDT_MAGIC)
        return fail(w, "fdt: bad magic");
    version = be32(b + HDR_VERSION);
    if (version < 16 || be32(b + HDR_LAST_COMP) > 17)
        return fail(w, "fdt: unsupported version");
    hdr_size = version >= 17 ? HDR_SIZE_V17 : HDR_SIZE_V16;
    *total = be32(b + HDR_TOTALSIZE);
    if (*total > len)
        return fail(w, "fdt: totalsize larger than the blob");
    if (*total < hdr_size)
        return fail(w, "fdt: totalsize smaller than the header");
    *rsvmap = be32(b + HDR_OFF_RSVMAP);
    if (*rsvmap < hdr_size || *rsvmap > *total)
        return fail(w, "fdt: memory reservation block out of range");
    off_struct = be32(b + HDR_OFF_STRUCT);
    if (off_struct < hdr_size || off_struct > *total)
        return fail(w, "fdt: struct block out of range");
    /* Version 16 has no size_dt_struct: the block may run to the end. */
    size_struct = version >= 17 ? be32(b + HDR_SIZE_STRUCT) : *total - off_struct;
    if (!block_in(off_struct, size_struct, *total))
        return fail(w, "fdt: struct block out of range");
    if (off_struct % 4 != 0)
        return fail(w, "fdt: struct block misaligned");
    off_strings = be32(b + HDR_OFF_STRINGS);
    w->str_size = be32(b + HDR_SIZE_STRINGS);
    if (!block_in(off_strings, w->str_size, *total))
        return fail(w, "fdt: strings block out of range");
    w->st = b + off_struct;
    w->st_size = size_struct;
    w->str = b + off_strings;
    return 0;
}

/* The reservation block is a list of <base size> u64 pairs ending with a
 * zero size (as libfdt reads it). */
static int read_rsvmap(struct walker *w, const uint8_t *b, uint32_t total, uint32_t off)
{
    for (; total - off >= RSV_ENTRY_SIZE; off += RSV_ENTRY_SIZE) {
        struct fdt_region r = { be64(b + off), be64(b + off + 8) };
        if (r.size == 0)
            return 0;
        if (r.size > UINT64_MAX - r.base)
            return fail(w, "fdt: region wraps around");
        if (add_reserved(w, r) < 0)
            return -1;
    }
    return fail(w, "fdt: memory reservation block not terminated");
}

/* Turns what the passes found into the last fields and the final checks. */
static int finish(struct walker *w)
{
    struct boot_info *out = w->out;

    out->timebase_freq = w->timebase_boot ? w->timebase_boot
                       : w->timebase_cpus ? w->timebase_cpus : w->timebase_any;
    if (w->have_cpu && out->timebase_freq == 0)
        return fail(w, "fdt: no timebase-frequency");
    if (out->nram == 0)
        return fail(w, "fdt: no memory node");
    return 0;
}

static int parse(struct walker *w, const uint8_t *b, size_t len)
{
    uint32_t total, rsvmap;

    if (check_header(w, b, len, &total, &rsvmap) < 0 ||
        read_rsvmap(w, b, total, rsvmap) < 0 ||
        walk(w, PASS_CPUS) < 0)
        return -1;
    /* An alias not in /aliases stays one and names no node: the first UART
     * is used. */
    if ((w->stdout_is_alias && walk(w, PASS_ALIASES) < 0) ||
        walk(w, PASS_DEVICES) < 0)
        return -1;
    return finish(w);
}

size_t fdt_total_size(const void *blob, size_t len)
{
    const uint8_t *b = blob;

    if (blob == NULL || len < 8 || be32(b) != FDT_MAGIC)
        return 0;
    return be32(b + HDR_TOTALSIZE);
}

int fdt_parse(const void *blob, size_t len, unsigned long hartid,
              struct boot_info *out, const char **err)
{
    struct walker w;

    zero_bytes(&w, sizeof(w));
    zero_bytes(out, sizeof(*out));
    out->uart_reg_io_width = 1;
    out->plic_context = -1;
    w.out = out;
    w.hartid = hartid;
    if (blob == NULL) {
        *err = "fdt: no blob";
        return -1;
    }
    if (parse(&w, blob, len) < 0) {
        *err = w.err;
        return -1;
    }
    return 0;
}
