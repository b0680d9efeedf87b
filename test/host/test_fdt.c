/*
 * Host unit test for kernel/fdt.c.
 *
 * Three kinds of case:
 *  - QEMU's own device tree, dumped by the QEMU that runs Mica, must give
 *    the values the kernel expects on the virt machine;
 *  - the fixtures in test/host/fdt/, compiled by dtc, cover what QEMU's tree
 *    lacks: reserved memory, other cell counts and node orders, aliases,
 *    several harts;
 *  - trees built here in memory, each valid or broken in exactly one way.
 *    A broken one must fail with the message of the check it aims at, so a
 *    case cannot pass because some earlier check happened to fire.
 * Every blob handed to fdt_parse() is a heap copy of exactly its length, at
 * an aligned and a misaligned address, so ASan reports any read past it.
 *
 *   test_fdt [-m RAM] [-append ARGS] VIRT_DTB RESERVED_DTB TWO_HARTS_DTB
 *
 * VIRT_DTB is from `qemu-system-riscv64 -machine virt -m RAM [-kernel K
 * -append ARGS] -machine dumpdtb=VIRT_DTB`; pass the same -m (without it,
 * the RAM size is only checked to be whole MiB) and -append (default: no
 * bootargs). The others are reserved.dts and two_harts.dts compiled by dtc.
 * Exits 0 if every case passes.
 */
#include "fdt.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOK_BEGIN_NODE  1u
#define TOK_END_NODE    2u
#define TOK_PROP        3u
#define TOK_NOP         4u
#define TOK_END         9u

#define ST_CAP          8192
#define STR_CAP         2048
#define RSV_CAP         32
#define BLOB_CAP        16384
#define HDR_SIZE        40

/* Header field offsets. */
enum { H_MAGIC = 0, H_TOTALSIZE = 4, H_OFF_STRUCT = 8, H_OFF_STRINGS = 12,
       H_OFF_RSVMAP = 16, H_VERSION = 20, H_LAST_COMP = 24,
       H_BOOT_CPUID = 28, H_SIZE_STRINGS = 32, H_SIZE_STRUCT = 36 };

/* A tree under construction: the struct and strings blocks and the
 * memory reservations, laid out into a blob by build(). */
struct tree {
    uint8_t st[ST_CAP];
    size_t st_len;
    uint8_t str[STR_CAP];
    size_t str_len;
    uint64_t rsv[RSV_CAP][2];
    int nrsv;
};

struct blob {
    uint8_t buf[BLOB_CAP];
    size_t len;
};

/* What the QEMU tree must hold: from the command line. Without -m, any
 * whole number of MiB will do. */
static uint64_t virt_ram;
static const char *virt_bootargs = "";

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
}

static void need(bool room, const char *what)
{
    if (!room) {
        fprintf(stderr, "test_fdt: test tree too big: %s\n", what);
        exit(2);
    }
}

static void t_u32(struct tree *t, uint32_t v)
{
    need(t->st_len + 4 <= ST_CAP, "struct block");
    put32(t->st + t->st_len, v);
    t->st_len += 4;
}

/* Appends n bytes and zero padding to the next token. */
static void t_bytes(struct tree *t, const void *p, size_t n)
{
    need(t->st_len + n + 3 <= ST_CAP, "struct block");
    if (n > 0)
        memcpy(t->st + t->st_len, p, n);
    t->st_len += n;
    while (t->st_len % 4 != 0)
        t->st[t->st_len++] = 0;
}

static void t_begin(struct tree *t, const char *name)
{
    t_u32(t, TOK_BEGIN_NODE);
    t_bytes(t, name, strlen(name) + 1);
}

static void t_end(struct tree *t)
{
    t_u32(t, TOK_END_NODE);
}

static uint32_t t_name(struct tree *t, const char *name)
{
    size_t n = strlen(name) + 1;
    uint32_t off = (uint32_t)t->str_len;

    need(t->str_len + n <= STR_CAP, "strings block");
    memcpy(t->str + t->str_len, name, n);
    t->str_len += n;
    return off;
}

/* A property whose length field says len, followed by n bytes of value. */
static void t_prop_raw(struct tree *t, uint32_t nameoff, uint32_t len,
                       const void *val, size_t n)
{
    t_u32(t, TOK_PROP);
    t_u32(t, len);
    t_u32(t, nameoff);
    t_bytes(t, val, n);
}

static void t_prop(struct tree *t, const char *name, const void *val, size_t n)
{
    t_prop_raw(t, t_name(t, name), (uint32_t)n, val, n);
}

static void t_str(struct tree *t, const char *name, const char *s)
{
    t_prop(t, name, s, strlen(s) + 1);
}

static void t_cells(struct tree *t, const char *name, const uint32_t *c, size_t n)
{
    uint8_t v[64];

    need(n * 4 <= sizeof(v), "cells");
    for (size_t i = 0; i < n; i++)
        put32(v + 4 * i, c[i]);
    t_prop(t, name, v, 4 * n);
}

#define T_CELLS(t, name, ...) do { \
        const uint32_t cells_[] = { __VA_ARGS__ }; \
        t_cells(t, name, cells_, sizeof(cells_) / sizeof(cells_[0])); \
    } while (0)

/* A node with one region and optionally an interrupt, under 2+2 cells. */
static void t_device(struct tree *t, const char *name, const char *compat,
                     uint64_t base, uint64_t size, uint32_t irq)
{
    t_begin(t, name);
    t_str(t, "compatible", compat);
    T_CELLS(t, "reg", (uint32_t)(base >> 32), (uint32_t)base,
            (uint32_t)(size >> 32), (uint32_t)size);
    if (irq != 0)
        T_CELLS(t, "interrupts", irq);
    t_end(t);
}

static void t_memory(struct tree *t, uint64_t base, uint64_t size)
{
    t_begin(t, "memory@80000000");
    t_str(t, "device_type", "memory");
    T_CELLS(t, "reg", (uint32_t)(base >> 32), (uint32_t)base,
            (uint32_t)(size >> 32), (uint32_t)size);
    t_end(t);
}

/* The good tree is open_root, what a case adds, then close_root. */
static void open_root(struct tree *t)
{
    memset(t, 0, sizeof(*t));
    t_begin(t, "");
    T_CELLS(t, "#address-cells", 2);
    T_CELLS(t, "#size-cells", 2);
}

/* The memory node comes last, so its "reg" is the last name in strings. */
static void close_root(struct tree *t)
{
    t_memory(t, 0x80000000, 0x8000000);
    t_end(t);
    t_u32(t, TOK_END);
}

/* Lays the tree out as dtc does: header, reservations, struct, strings. */
static void build(const struct tree *t, struct blob *b)
{
    size_t rsv = HDR_SIZE, st = rsv + 16 * ((size_t)t->nrsv + 1);
    size_t str = st + t->st_len;

    memset(b, 0, sizeof(*b));
    b->len = str + t->str_len;
    need(b->len <= BLOB_CAP, "blob");
    put32(b->buf + H_MAGIC, 0xd00dfeed);
    put32(b->buf + H_TOTALSIZE, (uint32_t)b->len);
    put32(b->buf + H_OFF_STRUCT, (uint32_t)st);
    put32(b->buf + H_OFF_STRINGS, (uint32_t)str);
    put32(b->buf + H_OFF_RSVMAP, (uint32_t)rsv);
    put32(b->buf + H_VERSION, 17);
    put32(b->buf + H_LAST_COMP, 16);
    put32(b->buf + H_SIZE_STRINGS, (uint32_t)t->str_len);
    put32(b->buf + H_SIZE_STRUCT, (uint32_t)t->st_len);
    for (int i = 0; i < t->nrsv; i++) {
        put64(b->buf + rsv + 16 * i, t->rsv[i][0]);
        put64(b->buf + rsv + 16 * i + 8, t->rsv[i][1]);
    }
    memcpy(b->buf + st, t->st, t->st_len);
    memcpy(b->buf + str, t->str, t->str_len);
}

static void build_good(struct blob *b)
{
    struct tree t;

    open_root(&t);
    close_root(&t);
    build(&t, b);
}

static void set_hdr(struct blob *b, size_t field, uint32_t v)
{
    put32(b->buf + field, v);
}

static uint32_t hdr(const struct blob *b, size_t field)
{
    return get32(b->buf + field);
}

/* Parses an exact-length heap copy, at a misaligned address when asked. */
static int parse_copy(const uint8_t *data, size_t len, bool misalign,
                      unsigned long hartid, struct boot_info *bi, const char **err)
{
    size_t shift = misalign ? 1 : 0;
    uint8_t *block = malloc(len + shift);
    int r;

    if (block == NULL) {
        fprintf(stderr, "test_fdt: out of memory\n");
        exit(2);
    }
    if (len > 0)
        memcpy(block + shift, data, len);
    *err = NULL;
    r = fdt_parse(block + shift, len, hartid, bi, err);
    free(block);
    return r;
}

/* The case being run and how many of its expectations failed. */
static const char *case_name;
static int case_failures;

static bool expect(bool cond, const char *what)
{
    if (!cond) {
        printf("FAIL %s: %s\n", case_name, what);
        case_failures++;
    }
    return cond;
}

static bool expect_u64(const char *what, uint64_t got, uint64_t want)
{
    if (got != want) {
        printf("FAIL %s: %s is %#llx, want %#llx\n", case_name, what,
               (unsigned long long)got, (unsigned long long)want);
        case_failures++;
    }
    return got == want;
}

static void expect_str(const char *what, const char *got, const char *want)
{
    if (strcmp(got, want) != 0) {
        printf("FAIL %s: %s is \"%s\", want \"%s\"\n", case_name, what, got, want);
        case_failures++;
    }
}

static void expect_region(const char *what, struct fdt_region r, uint64_t base,
                          uint64_t size)
{
    char s[64];

    snprintf(s, sizeof(s), "%s base", what);
    expect_u64(s, r.base, base);
    snprintf(s, sizeof(s), "%s size", what);
    expect_u64(s, r.size, size);
}

static void expect_device(const char *what, struct fdt_device d, uint64_t base,
                          uint64_t size, uint32_t irq)
{
    char s[64];

    expect_region(what, d.reg, base, size);
    snprintf(s, sizeof(s), "%s irq", what);
    expect_u64(s, d.irq, irq);
}

static void start_case(const char *name)
{
    case_name = name;
    case_failures = 0;
}

/* Prints "ok   name: note" if no expectation failed; returns whether so. */
static bool end_case(const char *note)
{
    if (case_failures == 0)
        printf("ok   %s%s%s\n", case_name, note != NULL ? ": " : "",
               note != NULL ? note : "");
    return case_failures == 0;
}

/* What every accepted tree must satisfy, whatever it holds. */
static void sane(const struct boot_info *bi)
{
    expect(bi->nram >= 1 && bi->nram <= FDT_MAX_RAM, "nram out of range");
    expect(bi->nreserved >= 0 && bi->nreserved <= FDT_MAX_RESERVED,
           "nreserved out of range");
    expect(bi->nvirtio >= 0 && bi->nvirtio <= FDT_MAX_VIRTIO, "nvirtio out of range");
    expect(memchr(bi->bootargs, 0, FDT_BOOTARGS_MAX) != NULL, "bootargs not terminated");
    expect(memchr(bi->isa, 0, FDT_ISA_MAX) != NULL, "isa not terminated");
    for (int i = 1; i < bi->nvirtio && i < FDT_MAX_VIRTIO; i++)
        expect(bi->virtio[i - 1].reg.base <= bi->virtio[i].reg.base, "virtio not sorted");
}

/* The cases built in memory. */

struct tree_case {
    const char *name;
    void (*build)(struct blob *b);
    const char *want_err;                     /* NULL: must parse */
    void (*check)(const struct boot_info *bi);
};

static void b_len_0(struct blob *b) { build_good(b); b->len = 0; }
static void b_len_8(struct blob *b) { build_good(b); b->len = 8; }
static void b_bad_magic(struct blob *b) { build_good(b); set_hdr(b, H_MAGIC, 0xedfe0dd0); }
static void b_version_15(struct blob *b) { build_good(b); set_hdr(b, H_VERSION, 15); }
static void b_last_comp_18(struct blob *b) { build_good(b); set_hdr(b, H_LAST_COMP, 18); }

static void b_totalsize_past_buffer(struct blob *b)
{
    build_good(b);
    set_hdr(b, H_TOTALSIZE, (uint32_t)b->len + 4);
}

static void b_buffer_short(struct blob *b) { build_good(b); b->len--; }

static void b_totalsize_in_header(struct blob *b)
{
    build_good(b);
    set_hdr(b, H_TOTALSIZE, HDR_SIZE - 1);
}

static void b_struct_past_end(struct blob *b)
{
    build_good(b);
    set_hdr(b, H_OFF_STRUCT, (uint32_t)b->len + 4);
}

static void b_struct_size_past_end(struct blob *b)
{
    build_good(b);
    set_hdr(b, H_SIZE_STRUCT, hdr(b, H_SIZE_STRUCT) + hdr(b, H_SIZE_STRINGS) + 4);
}

/* off + size wraps around to a small number when summed in 32 bits. */
static void b_struct_wraps(struct blob *b)
{
    build_good(b);
    set_hdr(b, H_SIZE_STRUCT, 0u - hdr(b, H_OFF_STRUCT) + 8);
}

static void b_struct_in_header(struct blob *b)
{
    build_good(b);
    set_hdr(b, H_OFF_STRUCT, 8);
}

static void b_struct_misaligned(struct blob *b)
{
    build_good(b);
    set_hdr(b, H_OFF_STRUCT, hdr(b, H_OFF_STRUCT) + 2);
    set_hdr(b, H_SIZE_STRUCT, hdr(b, H_SIZE_STRUCT) - 2);
}

static void b_strings_past_end(struct blob *b)
{
    build_good(b);
    set_hdr(b, H_OFF_STRINGS, (uint32_t)b->len + 1);
}

static void b_strings_size_past_end(struct blob *b)
{
    build_good(b);
    set_hdr(b, H_SIZE_STRINGS, hdr(b, H_SIZE_STRINGS) + 1);
}

static void b_strings_wraps(struct blob *b)
{
    build_good(b);
    set_hdr(b, H_SIZE_STRINGS, 0xffffffffu);
}

static void b_rsvmap_past_end(struct blob *b)
{
    build_good(b);
    set_hdr(b, H_OFF_RSVMAP, (uint32_t)b->len + 8);
}

static void b_rsvmap_in_header(struct blob *b)
{
    build_good(b);
    set_hdr(b, H_OFF_RSVMAP, 8);
}

/* The last 8 bytes hold no room for a whole terminating entry. */
static void b_rsvmap_unterminated(struct blob *b)
{
    build_good(b);
    set_hdr(b, H_OFF_RSVMAP, (uint32_t)b->len - 8);
}

static void b_truncated_property(struct blob *b)
{
    struct tree t;
    static const uint8_t v[4] = { 1, 2, 3, 4 };

    open_root(&t);
    t_prop_raw(&t, t_name(&t, "model"), 0x1000, v, sizeof(v));
    close_root(&t);
    build(&t, b);
}

/* The value runs one byte past the end of the struct block, which then
 * ends: no END token follows to catch a cursor that went past. */
static void b_property_one_byte_over(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_prop_raw(&t, t_name(&t, "model"), 5, "abcd", 4);
    build(&t, b);
}

/* The struct block ends right after a PROP token. */
static void b_property_header_cut(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_u32(&t, TOK_PROP);
    build(&t, b);
}

/* The block ends inside a name; the strings after it hold NULs, so only a
 * check against the block's end, not the blob's, catches this. */
static void b_unterminated_node_name(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_u32(&t, TOK_BEGIN_NODE);
    memcpy(t.st + t.st_len, "soc@1234", 8);
    t.st_len += 8;
    t_name(&t, "padding");
    build(&t, b);
}

static void b_name_offset_out_of_range(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_prop_raw(&t, (uint32_t)t.str_len + 100, 0, NULL, 0);
    close_root(&t);
    build(&t, b);
}

/* The offset is the block's size: one past its last byte. No name is added
 * after this one, so the final size is known here. */
static void b_name_offset_at_end(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_memory(&t, 0x80000000, 0x8000000);
    t_begin(&t, "x");
    t_prop_raw(&t, (uint32_t)t.str_len, 0, NULL, 0);
    t_end(&t);
    t_end(&t);
    t_u32(&t, TOK_END);
    build(&t, b);
}

/* The strings block is cut so that its last name, "reg", loses its NUL. */
static void b_unterminated_prop_name(struct blob *b)
{
    build_good(b);
    set_hdr(b, H_SIZE_STRINGS, hdr(b, H_SIZE_STRINGS) - 1);
}

static void b_missing_end(struct blob *b)
{
    struct tree t;

    open_root(&t);
    close_root(&t);
    t.st_len -= 4;
    build(&t, b);
}

static void b_end_inside_node(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_u32(&t, TOK_END);
    close_root(&t);
    build(&t, b);
}

static void b_nested(struct blob *b, int levels)
{
    struct tree t;

    open_root(&t);
    for (int i = 0; i < levels; i++)
        t_begin(&t, "n");
    for (int i = 0; i < levels; i++)
        t_end(&t);
    close_root(&t);
    build(&t, b);
}

static void b_too_deep(struct blob *b) { b_nested(b, 40); }
static void b_deep_ok(struct blob *b) { b_nested(b, 10); }

static void b_root_cells(struct blob *b, const char *prop, const void *v, size_t n)
{
    struct tree t;

    memset(&t, 0, sizeof(t));
    t_begin(&t, "");
    t_prop(&t, prop, v, n);
    t_memory(&t, 0x80000000, 0x8000000);
    t_end(&t);
    t_u32(&t, TOK_END);
    build(&t, b);
}

static void b_address_cells_3(struct blob *b)
{
    static const uint8_t three[4] = { 0, 0, 0, 3 };
    b_root_cells(b, "#address-cells", three, 4);
}

static void b_size_cells_3(struct blob *b)
{
    static const uint8_t three[4] = { 0, 0, 0, 3 };
    b_root_cells(b, "#size-cells", three, 4);
}

static void b_address_cells_long(struct blob *b)
{
    static const uint8_t two[8] = { 0, 0, 0, 2, 0, 0, 0, 0 };
    b_root_cells(b, "#address-cells", two, 8);
}

static void b_reg_bad_length(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_begin(&t, "memory@0");
    t_str(&t, "device_type", "memory");
    T_CELLS(&t, "reg", 0, 0x80000000, 0);
    t_end(&t);
    close_root(&t);
    build(&t, b);
}

static void b_bad_token(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_u32(&t, 7);
    close_root(&t);
    build(&t, b);
}

static void b_no_root(struct blob *b)
{
    struct tree t;

    memset(&t, 0, sizeof(t));
    t_u32(&t, TOK_NOP);
    t_u32(&t, TOK_END);
    build(&t, b);
}

static void b_two_roots(struct blob *b)
{
    struct tree t;

    open_root(&t);
    close_root(&t);
    t.st_len -= 4;
    t_begin(&t, "");
    t_end(&t);
    t_u32(&t, TOK_END);
    build(&t, b);
}

static void b_extra_end_node(struct blob *b)
{
    struct tree t;

    open_root(&t);
    close_root(&t);
    t.st_len -= 4;
    t_end(&t);
    t_u32(&t, TOK_END);
    build(&t, b);
}

static void b_prop_outside_node(struct blob *b)
{
    struct tree t;

    open_root(&t);
    close_root(&t);
    t.st_len -= 4;
    T_CELLS(&t, "stray", 1);
    t_u32(&t, TOK_END);
    build(&t, b);
}

static void b_no_memory(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_end(&t);
    t_u32(&t, TOK_END);
    build(&t, b);
}

static void b_memory_zero_size(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_memory(&t, 0x80000000, 0);
    t_end(&t);
    t_u32(&t, TOK_END);
    build(&t, b);
}

static void b_region_wraps(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_memory(&t, 0xfffffffffffff000ull, 0x2000);
    close_root(&t);
    build(&t, b);
}

static void b_cpu_no_timebase(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_begin(&t, "cpus");
    T_CELLS(&t, "#address-cells", 1);
    T_CELLS(&t, "#size-cells", 0);
    t_begin(&t, "cpu@0");
    t_str(&t, "device_type", "cpu");
    T_CELLS(&t, "reg", 0);
    t_end(&t);
    t_end(&t);
    close_root(&t);
    build(&t, b);
}

static void b_bad_timebase(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_begin(&t, "cpus");
    t_prop(&t, "timebase-frequency", "\0\x98\x96\x80\0", 6);
    t_end(&t);
    close_root(&t);
    build(&t, b);
}

static void b_timebase_64(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_begin(&t, "cpus");
    T_CELLS(&t, "timebase-frequency", 1, 2);
    t_end(&t);
    close_root(&t);
    build(&t, b);
}

static void c_timebase_64(const struct boot_info *bi)
{
    expect_u64("timebase_freq", bi->timebase_freq, 0x100000002ull);
}

static void b_too_many_reserved(struct blob *b)
{
    struct tree t;

    open_root(&t);
    close_root(&t);
    t.nrsv = FDT_MAX_RESERVED + 1;
    for (int i = 0; i < t.nrsv; i++) {
        t.rsv[i][0] = 0x80000000 + 0x10000 * (uint64_t)i;
        t.rsv[i][1] = 0x1000;
    }
    build(&t, b);
}

/* NOPs wherever a token may be: before the root, between properties and
 * nodes, and before END. */
static void b_nops(struct blob *b)
{
    struct tree t;

    memset(&t, 0, sizeof(t));
    t_u32(&t, TOK_NOP);
    t_begin(&t, "");
    t_u32(&t, TOK_NOP);
    T_CELLS(&t, "#address-cells", 2);
    t_u32(&t, TOK_NOP);
    T_CELLS(&t, "#size-cells", 2);
    t_memory(&t, 0x80000000, 0x8000000);
    t_u32(&t, TOK_NOP);
    t_end(&t);
    t_u32(&t, TOK_NOP);
    t_u32(&t, TOK_END);
    build(&t, b);
}

/* A version 16 header has no size_dt_struct: the block runs to the end. */
static void b_version_16(struct blob *b)
{
    build_good(b);
    set_hdr(b, H_VERSION, 16);
    set_hdr(b, H_SIZE_STRUCT, 0xdeadbeef);
}

/* Bootargs of n characters: "abc...zab...". */
static void b_bootargs(struct blob *b, size_t n)
{
    struct tree t;
    char args[FDT_BOOTARGS_MAX + 64];

    need(n < sizeof(args), "bootargs");
    for (size_t i = 0; i < n; i++)
        args[i] = (char)('a' + i % 26);
    args[n] = '\0';
    open_root(&t);
    t_begin(&t, "chosen");
    t_str(&t, "bootargs", args);
    t_end(&t);
    close_root(&t);
    build(&t, b);
}

static void b_bootargs_fit(struct blob *b) { b_bootargs(b, FDT_BOOTARGS_MAX - 1); }
static void b_bootargs_one_over(struct blob *b) { b_bootargs(b, FDT_BOOTARGS_MAX); }
static void b_bootargs_long(struct blob *b) { b_bootargs(b, FDT_BOOTARGS_MAX + 50); }

/* All three keep the first FDT_BOOTARGS_MAX - 1 characters. */
static void c_long_bootargs(const struct boot_info *bi)
{
    if (!expect_u64("bootargs length", strlen(bi->bootargs), FDT_BOOTARGS_MAX - 1))
        return;
    for (size_t i = 0; i < FDT_BOOTARGS_MAX - 1; i++)
        if (!expect(bi->bootargs[i] == (char)('a' + i % 26), "bootargs changed"))
            return;
}

/* Bootargs whose property lacks its NUL still end inside the value. */
static void b_bootargs_unterminated(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_begin(&t, "chosen");
    t_prop(&t, "bootargs", "quiet", 5);
    t_end(&t);
    close_root(&t);
    build(&t, b);
}

static void c_bootargs_unterminated(const struct boot_info *bi)
{
    expect_str("bootargs", bi->bootargs, "quiet");
}

static void t_uarts(struct tree *t, const char *stdout_path)
{
    t_begin(t, "chosen");
    t_str(t, "stdout-path", stdout_path);
    t_end(t);
    t_begin(t, "soc");
    T_CELLS(t, "#address-cells", 2);
    T_CELLS(t, "#size-cells", 2);
    t_device(t, "com1@10000000", "ns16550a", 0x10000000, 0x100, 10);
    t_device(t, "uart@10000100", "ns16550a", 0x10000100, 0x100, 11);
    t_device(t, "uart@10000200", "ns16550", 0x10000200, 0x100, 12);
    t_end(t);
}

static void b_stdout_unknown_alias(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_uarts(&t, "serial7:9600");
    close_root(&t);
    build(&t, b);
}

static void b_stdout_unit_address(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_uarts(&t, "/soc/uart@10000100");
    close_root(&t);
    build(&t, b);
}

/* A path below the second UART names neither. */
static void b_stdout_below_uart(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_uarts(&t, "/soc/uart@10000100/port");
    close_root(&t);
    build(&t, b);
}

/* A component without a unit address matches a name with one; of two such
 * names, the first. */
static void b_stdout_no_unit_address(struct blob *b)
{
    struct tree t;

    open_root(&t);
    t_uarts(&t, "/soc/uart");
    close_root(&t);
    build(&t, b);
}

static void c_first_uart(const struct boot_info *bi)
{
    if (expect(bi->has_uart, "no uart"))
        expect_device("uart", bi->uart, 0x10000000, 0x100, 10);
}

static void c_second_uart(const struct boot_info *bi)
{
    if (expect(bi->has_uart, "no uart"))
        expect_device("uart", bi->uart, 0x10000100, 0x100, 11);
}

/* More virtio slots than fit: the lowest ones stay, whatever the order. */
static void b_virtio_slot(struct tree *t, int i)
{
    char name[32];

    snprintf(name, sizeof(name), "virtio_mmio@%x", 0x10000000 + 0x1000 * i);
    t_device(t, name, "virtio,mmio", 0x10000000 + 0x1000 * (uint64_t)i,
             0x1000, (uint32_t)i);
}

static void b_many_virtio_down(struct blob *b)
{
    struct tree t;

    open_root(&t);
    for (int i = FDT_MAX_VIRTIO + 4; i >= 1; i--)
        b_virtio_slot(&t, i);
    close_root(&t);
    build(&t, b);
}

static void b_many_virtio_up(struct blob *b)
{
    struct tree t;

    open_root(&t);
    for (int i = 1; i <= FDT_MAX_VIRTIO + 4; i++)
        b_virtio_slot(&t, i);
    close_root(&t);
    build(&t, b);
}

static void c_many_virtio(const struct boot_info *bi)
{
    char what[32];

    if (!expect_u64("nvirtio", (uint64_t)bi->nvirtio, FDT_MAX_VIRTIO))
        return;
    for (int i = 0; i < FDT_MAX_VIRTIO; i++) {
        snprintf(what, sizeof(what), "virtio[%d]", i);
        expect_device(what, bi->virtio[i], 0x10000000 + 0x1000 * (uint64_t)(i + 1),
                      0x1000, (uint32_t)(i + 1));
    }
}

/* More RAM regions than fit: the extras are dropped, not an error. */
static void b_many_ram(struct blob *b)
{
    struct tree t;

    open_root(&t);
    for (int i = 1; i <= FDT_MAX_RAM + 2; i++)
        t_memory(&t, 0x100000000ull * (uint64_t)i, 0x1000000);
    close_root(&t);
    build(&t, b);
}

static void c_many_ram(const struct boot_info *bi)
{
    if (expect_u64("nram", (uint64_t)bi->nram, FDT_MAX_RAM))
        expect_region("ram[0]", bi->ram[0], 0x100000000ull, 0x1000000);
}

static void c_minimal(const struct boot_info *bi)
{
    if (expect_u64("nram", (uint64_t)bi->nram, 1))
        expect_region("ram[0]", bi->ram[0], 0x80000000, 0x8000000);
    expect(!bi->has_uart && !bi->has_plic && !bi->has_clint && !bi->has_poweroff &&
           bi->nvirtio == 0 && bi->nreserved == 0, "found devices in a tree with none");
    expect_u64("plic_context", (uint64_t)bi->plic_context, (uint64_t)-1);
    expect_u64("uart_reg_io_width", bi->uart_reg_io_width, 1);
    expect_str("bootargs", bi->bootargs, "");
}

static const struct tree_case tree_cases[] = {
    { "minimal", build_good, NULL, c_minimal },
    { "nops", b_nops, NULL, c_minimal },
    { "version_16", b_version_16, NULL, c_minimal },
    { "nesting_10_deep", b_deep_ok, NULL, c_minimal },
    { "bootargs_fit", b_bootargs_fit, NULL, c_long_bootargs },
    { "bootargs_one_over", b_bootargs_one_over, NULL, c_long_bootargs },
    { "bootargs_long", b_bootargs_long, NULL, c_long_bootargs },
    { "bootargs_unterminated", b_bootargs_unterminated, NULL, c_bootargs_unterminated },
    { "stdout_unknown_alias", b_stdout_unknown_alias, NULL, c_first_uart },
    { "stdout_unit_address", b_stdout_unit_address, NULL, c_second_uart },
    { "stdout_below_uart", b_stdout_below_uart, NULL, c_first_uart },
    { "stdout_no_unit_address", b_stdout_no_unit_address, NULL, c_second_uart },
    { "many_virtio_descending", b_many_virtio_down, NULL, c_many_virtio },
    { "many_virtio_ascending", b_many_virtio_up, NULL, c_many_virtio },
    { "timebase_64_bit", b_timebase_64, NULL, c_timebase_64 },
    { "many_ram", b_many_ram, NULL, c_many_ram },
    { "len_0", b_len_0, "fdt: blob too small", NULL },
    { "len_8", b_len_8, "fdt: blob too small", NULL },
    { "bad_magic", b_bad_magic, "fdt: bad magic", NULL },
    { "version_15", b_version_15, "fdt: unsupported version", NULL },
    { "last_comp_version_18", b_last_comp_18, "fdt: unsupported version", NULL },
    { "totalsize_past_buffer", b_totalsize_past_buffer,
      "fdt: totalsize larger than the blob", NULL },
    { "buffer_short", b_buffer_short, "fdt: totalsize larger than the blob", NULL },
    { "totalsize_in_header", b_totalsize_in_header,
      "fdt: totalsize smaller than the header", NULL },
    { "struct_past_end", b_struct_past_end, "fdt: struct block out of range", NULL },
    { "struct_size_past_end", b_struct_size_past_end,
      "fdt: struct block out of range", NULL },
    { "struct_wraps", b_struct_wraps, "fdt: struct block out of range", NULL },
    { "struct_in_header", b_struct_in_header, "fdt: struct block out of range", NULL },
    { "struct_misaligned", b_struct_misaligned, "fdt: struct block misaligned", NULL },
    { "strings_past_end", b_strings_past_end, "fdt: strings block out of range", NULL },
    { "strings_size_past_end", b_strings_size_past_end,
      "fdt: strings block out of range", NULL },
    { "strings_wraps", b_strings_wraps, "fdt: strings block out of range", NULL },
    { "rsvmap_past_end", b_rsvmap_past_end,
      "fdt: memory reservation block out of range", NULL },
    { "rsvmap_in_header", b_rsvmap_in_header,
      "fdt: memory reservation block out of range", NULL },
    { "rsvmap_unterminated", b_rsvmap_unterminated,
      "fdt: memory reservation block not terminated", NULL },
    { "truncated_property", b_truncated_property, "fdt: truncated property", NULL },
    { "property_one_byte_over", b_property_one_byte_over, "fdt: truncated property",
      NULL },
    { "property_header_cut", b_property_header_cut, "fdt: truncated property", NULL },
    { "unterminated_node_name", b_unterminated_node_name,
      "fdt: unterminated node name", NULL },
    { "name_offset_out_of_range", b_name_offset_out_of_range,
      "fdt: property name out of range", NULL },
    { "name_offset_at_end", b_name_offset_at_end,
      "fdt: property name out of range", NULL },
    { "unterminated_property_name", b_unterminated_prop_name,
      "fdt: unterminated property name", NULL },
    { "missing_end", b_missing_end, "fdt: missing END token", NULL },
    { "end_inside_node", b_end_inside_node, "fdt: END token inside a node", NULL },
    { "too_deep", b_too_deep, "fdt: tree too deep", NULL },
    { "address_cells_3", b_address_cells_3, "fdt: #address-cells out of range", NULL },
    { "size_cells_3", b_size_cells_3, "fdt: #size-cells out of range", NULL },
    { "address_cells_8_bytes", b_address_cells_long,
      "fdt: #address-cells out of range", NULL },
    { "reg_bad_length", b_reg_bad_length, "fdt: bad reg property", NULL },
    { "bad_token", b_bad_token, "fdt: bad token", NULL },
    { "no_root", b_no_root, "fdt: no root node", NULL },
    { "two_roots", b_two_roots, "fdt: more than one root node", NULL },
    { "extra_end_node", b_extra_end_node, "fdt: END_NODE outside any node", NULL },
    { "property_outside_node", b_prop_outside_node,
      "fdt: property outside any node", NULL },
    { "no_memory", b_no_memory, "fdt: no memory node", NULL },
    { "memory_zero_size", b_memory_zero_size, "fdt: no memory node", NULL },
    { "region_wraps", b_region_wraps, "fdt: region wraps around", NULL },
    { "cpu_without_timebase", b_cpu_no_timebase, "fdt: no timebase-frequency", NULL },
    { "bad_timebase_length", b_bad_timebase, "fdt: bad timebase-frequency", NULL },
    { "too_many_reserved", b_too_many_reserved, "fdt: too many reserved regions", NULL },
};

static void run_tree_case(const struct tree_case *c, bool misalign)
{
    static struct blob b;
    struct boot_info bi;
    const char *err;
    int r;

    c->build(&b);
    r = parse_copy(b.buf, b.len, misalign, 0, &bi, &err);
    if (c->want_err != NULL) {
        if (expect(r == -1, "parsed, want an error") && expect(err != NULL, "no message"))
            expect_str("error", err, c->want_err);
        return;
    }
    if (!expect(r == 0, err != NULL ? err : "rejected without a message"))
        return;
    sane(&bi);
    c->check(&bi);
}

/* The trees read from files. */

struct file {
    uint8_t *data;
    size_t len;
};

static bool load(const char *path, struct file *f)
{
    FILE *fp = fopen(path, "rb");
    long n;

    f->data = NULL;
    f->len = 0;
    if (fp == NULL) {
        printf("FAIL cannot open %s\n", path);
        return false;
    }
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    f->data = n > 0 ? malloc((size_t)n) : NULL;
    if (f->data == NULL || fread(f->data, 1, (size_t)n, fp) != (size_t)n) {
        printf("FAIL cannot read %s\n", path);
        fclose(fp);
        free(f->data);
        f->data = NULL;
        return false;
    }
    fclose(fp);
    f->len = (size_t)n;
    return true;
}

/* Parses f for hartid, at an aligned and a misaligned address, which must
 * give the same result. */
static bool parse_file(const struct file *f, unsigned long hartid, struct boot_info *bi)
{
    struct boot_info again;
    const char *err;
    int r;

    if (!expect(f->data != NULL, "no file"))
        return false;
    r = parse_copy(f->data, f->len, false, hartid, bi, &err);
    if (!expect(r == 0, err != NULL ? err : "rejected without a message"))
        return false;
    r = parse_copy(f->data, f->len, true, hartid, &again, &err);
    if (!expect(r == 0, "rejected at a misaligned address") ||
        !expect(memcmp(bi, &again, sizeof(again)) == 0,
                "misaligned copy parsed differently"))
        return false;
    sane(bi);
    return case_failures == 0;
}

static char note[160];

static void check_virt_hart0(const struct file *f)
{
    struct boot_info bi;
    char what[32];

    if (!parse_file(f, 0, &bi))
        return;
    if (expect_u64("nram", (uint64_t)bi.nram, 1))
        expect_region("ram[0]", bi.ram[0], 0x80000000,
                      virt_ram != 0 ? virt_ram : bi.ram[0].size);
    expect(bi.ram[0].size != 0 && bi.ram[0].size % (1u << 20) == 0,
           "ram size not a whole number of MiB");
    expect_u64("nreserved", (uint64_t)bi.nreserved, 0);
    if (expect(bi.has_uart, "no uart")) {
        expect_device("uart", bi.uart, 0x10000000, 0x100, 10);
        expect_u64("uart_reg_shift", bi.uart_reg_shift, 0);
        expect_u64("uart_reg_io_width", bi.uart_reg_io_width, 1);
    }
    if (expect(bi.has_plic, "no plic")) {
        expect_region("plic", bi.plic, 0x0c000000, 0x600000);
        /* QEMU 7.2 says 0x60; later versions say 0x5f (sources 1..95). */
        expect(bi.plic_ndev == 0x5f || bi.plic_ndev == 0x60,
               "plic_ndev is neither 0x5f nor 0x60");
        expect_u64("plic_context", (uint64_t)bi.plic_context, 1);
    }
    if (expect(bi.has_clint, "no clint"))
        expect_region("clint", bi.clint, 0x2000000, 0x10000);
    expect_u64("timebase_freq", bi.timebase_freq, 10000000);
    expect(strncmp(bi.isa, "rv64", 4) == 0, "isa does not start with rv64");
    expect(bi.has_sstc, "no sstc");
    if (expect_u64("nvirtio", (uint64_t)bi.nvirtio, 8)) {
        for (int i = 0; i < 8; i++) {
            snprintf(what, sizeof(what), "virtio[%d]", i);
            expect_device(what, bi.virtio[i], 0x10001000 + 0x1000 * (uint64_t)i, 0x1000,
                          (uint32_t)i + 1);
        }
    }
    if (expect(bi.has_poweroff, "no poweroff"))
        expect_region("poweroff", bi.poweroff, 0x100000, 0x1000);
    expect_str("bootargs", bi.bootargs, virt_bootargs);
    snprintf(note, sizeof(note), "ram %#llx+%#llx, plic ndev %#x, isa %s",
             (unsigned long long)bi.ram[0].base, (unsigned long long)bi.ram[0].size,
             bi.plic_ndev, bi.isa);
}

/* A hart the tree does not have: no context, no isa, the /cpus timebase. */
static void check_virt_no_hart(const struct file *f)
{
    struct boot_info bi;

    if (!parse_file(f, 7, &bi))
        return;
    expect_u64("plic_context", (uint64_t)bi.plic_context, (uint64_t)-1);
    expect_str("isa", bi.isa, "");
    expect(!bi.has_sstc, "sstc without a cpu node");
    expect_u64("timebase_freq", bi.timebase_freq, 10000000);
}

/* QEMU dumps its whole 1 MiB tree buffer: totalsize is less than the file. */
static void check_total_size(const struct file *f)
{
    static const uint8_t junk[8] = { 0xd0, 0x0d, 0xfe, 0xee, 0, 0, 1, 0 };

    if (!expect(f->data != NULL && f->len >= 8, "no file"))
        return;
    expect_u64("fdt_total_size", fdt_total_size(f->data, f->len),
               get32(f->data + H_TOTALSIZE));
    expect(fdt_total_size(f->data, f->len) <= f->len, "totalsize beyond the file");
    expect_u64("fdt_total_size of 7 bytes", fdt_total_size(f->data, 7), 0);
    expect_u64("fdt_total_size of bad magic", fdt_total_size(junk, 8), 0);
    snprintf(note, sizeof(note), "%zu of %zu bytes", fdt_total_size(f->data, f->len),
             f->len);
}

static void check_reserved(const struct file *f)
{
    struct boot_info bi;

    if (!parse_file(f, 0, &bi))
        return;
    if (expect_u64("nram", (uint64_t)bi.nram, 3)) {
        expect_region("ram[0]", bi.ram[0], 0x80000000, 0x8000000);
        expect_region("ram[1]", bi.ram[1], 0x90000000, 0x1000000);
        expect_region("ram[2]", bi.ram[2], 0x100000000ull, 0x10000000);
    }
    /* /memreserve/ first, then the children with a nonzero reg in order. */
    if (expect_u64("nreserved", (uint64_t)bi.nreserved, 4)) {
        expect_region("reserved[0]", bi.reserved[0], 0x80000000, 0x20000);
        expect_region("reserved[1]", bi.reserved[1], 0x8fe00000, 0x200000);
        expect_region("reserved[2]", bi.reserved[2], 0x80000000, 0x40000);
        expect_region("reserved[3]", bi.reserved[3], 0x87000000, 0x800000);
    }
    expect_str("bootargs", bi.bootargs, "console=ttyS0 root=/dev/vda rw init=/sbin/init");
    if (expect(bi.has_uart, "no uart"))
        expect_device("uart", bi.uart, 0x10000000, 0x100, 10);
    if (expect(bi.has_plic, "no plic")) {
        expect_u64("plic_ndev", bi.plic_ndev, 53);
        expect_u64("plic_context", (uint64_t)bi.plic_context, 1);
    }
    expect_u64("timebase_freq", bi.timebase_freq, 10000000);
    expect_str("isa", bi.isa, "rv64imafdc_zicsr_zifencei");
    expect(!bi.has_sstc, "sstc in an isa without it");
    expect(!bi.has_clint && !bi.has_poweroff && bi.nvirtio == 0,
           "found devices the tree does not have");
}

/* Per hart: its PLIC and context, timebase, isa and whether it has sstc. */
struct hart_want {
    unsigned long hartid;
    uint64_t plic;
    uint32_t ndev;
    int context;
    uint64_t timebase;
    const char *isa;
    bool sstc;
};

/* Harts 2 and 3 have no timebase of their own and /cpus none: the first
 * cpu node's applies. Hart 3 does not exist: the first PLIC, no context. */
static const struct hart_want two_harts[] = {
    { 0, 0x0c000000, 0x5f, 1, 1000000, "rv64imac_zicsr_sst_sstcx_xsstc", false },
    { 1, 0x0c000000, 0x5f, 3, 2000000, "rv64imafdc_sstc_zicsr", true },
    { 2, 0x0d000000, 0x1f, 1, 1000000, "rv64imac", true },
    { 3, 0x0c000000, 0x5f, -1, 1000000, "", false },
};

static void check_two_harts(const struct file *f, const struct hart_want *h)
{
    struct boot_info bi;

    if (!parse_file(f, h->hartid, &bi))
        return;
    if (expect_u64("nram", (uint64_t)bi.nram, 1))
        expect_region("ram[0]", bi.ram[0], 0x80000000, 0x10000000);
    expect_u64("nreserved", (uint64_t)bi.nreserved, 0);
    /* stdout-path is the alias serial0: the second UART, not the first. */
    if (expect(bi.has_uart, "no uart")) {
        expect_device("uart", bi.uart, 0x10000100, 0x100, 12);
        expect_u64("uart_reg_shift", bi.uart_reg_shift, 2);
        expect_u64("uart_reg_io_width", bi.uart_reg_io_width, 4);
    }
    if (expect(bi.has_plic, "no plic")) {
        expect_region("plic", bi.plic, h->plic, 0x4000000);
        expect_u64("plic_ndev", bi.plic_ndev, h->ndev);
        expect_u64("plic_context", (uint64_t)bi.plic_context, (uint64_t)(int64_t)h->context);
    }
    if (expect(bi.has_clint, "no clint"))
        expect_region("clint", bi.clint, 0x2000000, 0x10000);
    expect_u64("timebase_freq", bi.timebase_freq, h->timebase);
    expect_str("isa", bi.isa, h->isa);
    expect_u64("has_sstc", bi.has_sstc, h->sstc);
    /* The slot without interrupts and the PCI device are not virtio slots. */
    if (expect_u64("nvirtio", (uint64_t)bi.nvirtio, 2)) {
        expect_device("virtio[0]", bi.virtio[0], 0x10001000, 0x1000, 1);
        expect_device("virtio[1]", bi.virtio[1], 0x10003000, 0x1000, 3);
    }
    if (expect(bi.has_poweroff, "no poweroff"))
        expect_region("poweroff", bi.poweroff, 0x100000, 0x1000);
    expect_str("bootargs", bi.bootargs, "");
}

/* QEMU's -m: a number of MiB, or one with a K, M, G or T suffix. */
static bool parse_size(const char *s, uint64_t *bytes)
{
    char *end;
    unsigned long long n = strtoull(s, &end, 0);
    int shift = 20;

    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    }
    *bytes = (uint64_t)n << shift;
    return end != s && *end == '\0' && n != 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: test_fdt [-m RAM] [-append ARGS] "
                    "VIRT_DTB RESERVED_DTB TWO_HARTS_DTB\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct file virt, reserved, harts;
    int ncases = 0, failed = 0, i = 1;
    char name[64];

    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "-m") == 0 && parse_size(argv[i + 1], &virt_ram))
            continue;
        if (strcmp(argv[i], "-append") == 0)
            virt_bootargs = argv[i + 1];
        else
            usage();
    }
    if (argc - i != 3)
        usage();
    setvbuf(stdout, NULL, _IOLBF, 0);

    for (size_t c = 0; c < sizeof(tree_cases) / sizeof(tree_cases[0]); c++) {
        start_case(tree_cases[c].name);
        /* Aligned and misaligned copies must give the same answer. */
        run_tree_case(&tree_cases[c], false);
        if (case_failures == 0)
            run_tree_case(&tree_cases[c], true);
        failed += !end_case(tree_cases[c].want_err);
        ncases++;
    }

    load(argv[i], &virt);
    load(argv[i + 1], &reserved);
    load(argv[i + 2], &harts);
    start_case("virt_hart0");
    check_virt_hart0(&virt);
    failed += !end_case(note);
    start_case("virt_no_such_hart");
    check_virt_no_hart(&virt);
    failed += !end_case(NULL);
    start_case("virt_total_size");
    check_total_size(&virt);
    failed += !end_case(note);
    start_case("reserved");
    check_reserved(&reserved);
    failed += !end_case(NULL);
    ncases += 4;
    for (size_t h = 0; h < sizeof(two_harts) / sizeof(two_harts[0]); h++) {
        snprintf(name, sizeof(name), "two_harts_hart%lu", two_harts[h].hartid);
        start_case(name);
        check_two_harts(&harts, &two_harts[h]);
        failed += !end_case(NULL);
        ncases++;
    }
    free(virt.data);
    free(reserved.data);
    free(harts.data);
    printf("test_fdt: %d cases, %d failed\n", ncases, failed);
    return failed ? 1 : 0;
}
