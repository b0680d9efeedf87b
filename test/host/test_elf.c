/*
 * Host unit test for kernel/elf.c.
 *
 * Each case starts from a good RISC-V executable built by hand in memory,
 * changes one thing, and checks that elf_check() accepts it or rejects it
 * with the message of the check that case aims at (so a case cannot pass
 * because some earlier check happened to fire). The image handed to
 * elf_check() is a heap copy of exactly its length, so ASan reports any
 * read past the end. An optional argv[1] names a real riscv64 static
 * executable that must pass.
 *
 *   test_elf [REAL_ELF]     exits 0 if every case passes
 */
#include "mica/elf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USER_TOP    (1ull << 38)   /* Sv39 lower half */
#define IMG_CAP     0x3000
#define PHOFF       64
#define PHENT       56
#define MAX_PH      12             /* header slots: 64 + 12 * 56 < 0x300 */

#define PT_LOAD     1
#define PT_DYNAMIC  2
#define PT_INTERP   3
#define PT_NOTE     4
#define PT_PHDR     6
#define PT_GNU_STACK         0x6474e551u
#define PT_RISCV_ATTRIBUTES  0x70000003u

#define RX (ELF_SEG_R | ELF_SEG_X)
#define RW (ELF_SEG_R | ELF_SEG_W)

/* The good image: text at 0x10000 (one page, from file offset 0), data at
 * 0x12000 (0x100 bytes from offset 0x2000, then bss to 0x14000), plus a
 * GNU_STACK and a NOTE header that must be ignored. */
#define TEXT_VADDR  0x10000u
#define DATA_VADDR  0x12000u
#define DATA_OFF    0x2000u
#define GOOD_LEN    0x2100u
#define GOOD_ENTRY  0x10400u

struct img {
    uint8_t buf[IMG_CAP];
    size_t len;
};

static void put(uint8_t *p, size_t off, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[off + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, size_t off, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = (v << 8) | p[off + i];
    return v;
}

/* ELF64 header field offsets. */
enum { E_TYPE = 16, E_MACHINE = 18, E_VERSION = 20, E_ENTRY = 24,
       E_PHOFF = 32, E_EHSIZE = 52, E_PHENTSIZE = 54, E_PHNUM = 56 };
/* Program header field offsets. */
enum { P_TYPE = 0, P_FLAGS = 4, P_OFFSET = 8, P_VADDR = 16, P_PADDR = 24,
       P_FILESZ = 32, P_MEMSZ = 40, P_ALIGN = 48 };

static size_t ph_at(int i)
{
    return PHOFF + (size_t)i * PHENT;
}

static void set_ph(struct img *m, int i, uint32_t type, uint32_t flags,
                   uint64_t offset, uint64_t vaddr, uint64_t filesz,
                   uint64_t memsz)
{
    size_t o = ph_at(i);
    put(m->buf, o + P_TYPE, type, 4);
    put(m->buf, o + P_FLAGS, flags, 4);
    put(m->buf, o + P_OFFSET, offset, 8);
    put(m->buf, o + P_VADDR, vaddr, 8);
    put(m->buf, o + P_PADDR, vaddr, 8);
    put(m->buf, o + P_FILESZ, filesz, 8);
    put(m->buf, o + P_MEMSZ, memsz, 8);
    put(m->buf, o + P_ALIGN, 0x1000, 8);
}

static void set_ph_field(struct img *m, int i, size_t field, uint64_t v)
{
    put(m->buf, ph_at(i) + field, v, field < P_OFFSET ? 4 : 8);
}

static int phnum(const struct img *m)
{
    return (int)get(m->buf, E_PHNUM, 2);
}

/* Appends a header after the current ones and bumps e_phnum. */
static void add_ph(struct img *m, uint32_t type, uint32_t flags,
                   uint64_t offset, uint64_t vaddr, uint64_t filesz,
                   uint64_t memsz)
{
    int n = phnum(m);
    set_ph(m, n, type, flags, offset, vaddr, filesz, memsz);
    put(m->buf, E_PHNUM, (uint64_t)n + 1, 2);
}

static void build_good(struct img *m)
{
    memset(m, 0, sizeof(*m));
    memcpy(m->buf, "\x7f" "ELF", 4);
    m->buf[4] = 2;    /* ELFCLASS64 */
    m->buf[5] = 1;    /* ELFDATA2LSB */
    m->buf[6] = 1;    /* EV_CURRENT */
    put(m->buf, E_TYPE, 2, 2);          /* ET_EXEC */
    put(m->buf, E_MACHINE, 243, 2);     /* EM_RISCV */
    put(m->buf, E_VERSION, 1, 4);
    put(m->buf, E_ENTRY, GOOD_ENTRY, 8);
    put(m->buf, E_PHOFF, PHOFF, 8);
    put(m->buf, E_EHSIZE, 64, 2);
    put(m->buf, E_PHENTSIZE, PHENT, 2);
    add_ph(m, PT_LOAD, RX, 0, TEXT_VADDR, 0x1000, 0x1000);
    add_ph(m, PT_LOAD, RW, DATA_OFF, DATA_VADDR, 0x100, 0x2000);
    add_ph(m, PT_GNU_STACK, RW, 0, 0, 0, 0);
    add_ph(m, PT_NOTE, ELF_SEG_R, 0x300, 0x10300, 0x20, 0x20);
    /* Code and notes sit past the MAX_PH header slots. */
    memset(m->buf + (GOOD_ENTRY - TEXT_VADDR), 0x13, 0x10);
    memset(m->buf + DATA_OFF, 0xaa, 0x100);
    m->len = GOOD_LEN;
}

/* Runs elf_check on an exact-length heap copy, at a misaligned address
 * when asked, so both ASan and UBSan see what it reads. */
static int run_check(const uint8_t *data, size_t len, bool misalign,
                     struct elf_image *out, const char **err)
{
    size_t shift = misalign ? 1 : 0;
    uint8_t *block = malloc(len + shift);
    if (block == NULL) {
        fprintf(stderr, "test_elf: out of memory\n");
        exit(2);
    }
    if (len > 0)
        memcpy(block + shift, data, len);
    int r = elf_check(block + shift, len, USER_TOP, out, err);
    free(block);
    return r;
}

static bool expect(bool cond, const char *name, const char *what)
{
    if (!cond)
        printf("FAIL %s: %s\n", name, what);
    return cond;
}

/* Output invariants every accepted image must satisfy. */
static bool image_sane(const char *name, const struct elf_image *im,
                       size_t len)
{
    if (!expect(im->nseg >= 1 && im->nseg <= ELF_MAX_SEGMENTS, name,
                "nseg out of range"))
        return false;
    for (int i = 0; i < im->nseg; i++) {
        const struct elf_segment *s = &im->seg[i];
        if (!expect(s->filesz <= s->memsz && s->memsz > 0 &&
                    s->offset <= len && s->filesz <= len - s->offset &&
                    s->vaddr >= 4096 && s->vaddr + s->memsz <= USER_TOP,
                    name, "segment out of bounds"))
            return false;
        if (i > 0 && !expect((im->seg[i - 1].vaddr + im->seg[i - 1].memsz -
                              1) / 4096 < s->vaddr / 4096,
                             name, "segments not sorted and disjoint"))
            return false;
    }
    return true;
}

/* Mutations: each takes the good image and changes one thing. */
static void m_none(struct img *m) { (void)m; }
static void m_len_0(struct img *m) { m->len = 0; }
static void m_len_63(struct img *m) { m->len = 63; }
static void m_magic(struct img *m) { m->buf[1] = 'e'; }
static void m_class32(struct img *m) { m->buf[4] = 1; }
static void m_big_endian(struct img *m) { m->buf[5] = 2; }
static void m_ident_version(struct img *m) { m->buf[6] = 0; }
static void m_version(struct img *m) { put(m->buf, E_VERSION, 2, 4); }
static void m_type_dyn(struct img *m) { put(m->buf, E_TYPE, 3, 2); }
static void m_machine_x86(struct img *m) { put(m->buf, E_MACHINE, 62, 2); }
static void m_ehsize(struct img *m) { put(m->buf, E_EHSIZE, 52, 2); }
static void m_phentsize(struct img *m) { put(m->buf, E_PHENTSIZE, 32, 2); }
static void m_phoff_beyond(struct img *m) { put(m->buf, E_PHOFF, GOOD_LEN + 8, 8); }

static void m_phtable_past_end(struct img *m)
{
    put(m->buf, E_PHOFF, GOOD_LEN - PHENT, 8);
}

/* phoff + phnum * 56 wraps to a small number if computed naively. */
static void m_phtable_wraps(struct img *m)
{
    put(m->buf, E_PHOFF, UINT64_MAX - 2 * PHENT + 1, 8);
}

static void m_phnum_xnum(struct img *m) { put(m->buf, E_PHNUM, 0xffff, 2); }
static void m_phnum_huge(struct img *m) { put(m->buf, E_PHNUM, 0xfffe, 2); }

static void m_no_load(struct img *m)
{
    set_ph_field(m, 0, P_TYPE, PT_NOTE);
    set_ph_field(m, 1, P_TYPE, PT_NOTE);
}

static void m_only_empty_loads(struct img *m)
{
    set_ph(m, 0, PT_LOAD, RX, 0, TEXT_VADDR, 0, 0);
    set_ph(m, 1, PT_LOAD, RW, 0, DATA_VADDR, 0, 0);
}

static void m_phnum_0(struct img *m) { put(m->buf, E_PHNUM, 0, 2); }

static void m_filesz_gt_memsz(struct img *m)
{
    set_ph_field(m, 1, P_FILESZ, 0x2001);
}

static void m_data_past_end(struct img *m)
{
    set_ph_field(m, 1, P_FILESZ, GOOD_LEN - DATA_OFF + 1);
}

static void m_offset_past_end(struct img *m)
{
    set_ph(m, 1, PT_LOAD, RW, 0x3000, 0x13000, 0, 0x1000);
}

/* offset + filesz wraps below len if computed naively. */
static void m_offset_filesz_wraps(struct img *m)
{
    set_ph_field(m, 1, P_FILESZ, UINT64_MAX - DATA_OFF + 0x10);
    set_ph_field(m, 1, P_MEMSZ, UINT64_MAX - DATA_OFF + 0x10);
}

/* A small filesz at an offset near 2^64: the naive sum wraps below len. */
static void m_offset_wraps(struct img *m)
{
    set_ph_field(m, 1, P_OFFSET, 0xfffffffffffff000ull);
}

static void m_vaddr_memsz_wraps(struct img *m)
{
    set_ph(m, 1, PT_LOAD, RW, DATA_OFF, 0xfffffffffffff000ull, 0x100,
           0x2000);
}

static void m_vaddr_0(struct img *m)
{
    set_ph(m, 0, PT_LOAD, RX, 0, 0, 0x1000, 0x1000);
    put(m->buf, E_ENTRY, 0x100, 8);
}

static void m_vaddr_below_page(struct img *m)
{
    set_ph(m, 0, PT_LOAD, RX, 0x100, 0x100, 0xf00, 0xf00);
    put(m->buf, E_ENTRY, 0x100, 8);
}

static void m_above_user_top(struct img *m)
{
    set_ph_field(m, 1, P_VADDR, USER_TOP - 0x1000);
}

static void m_ends_at_user_top(struct img *m)
{
    set_ph_field(m, 1, P_VADDR, USER_TOP - 0x2000);
}

static void m_starts_at_user_top(struct img *m)
{
    set_ph_field(m, 1, P_VADDR, USER_TOP);
}

static void m_not_congruent(struct img *m)
{
    set_ph_field(m, 1, P_VADDR, DATA_VADDR + 0x10);
}

static void m_bad_flags(struct img *m)
{
    set_ph_field(m, 1, P_FLAGS, RW | 0x8);
}

static void m_overlap(struct img *m)
{
    set_ph(m, 1, PT_LOAD, RW, 0x800, TEXT_VADDR + 0x800, 0x10, 0x10);
}

/* Text ends one byte into the page where data starts. */
static void m_share_page(struct img *m)
{
    set_ph_field(m, 1, P_VADDR, TEXT_VADDR + 0x1000);
    set_ph_field(m, 0, P_MEMSZ, 0x1001);
}

static void m_adjacent_pages(struct img *m)
{
    set_ph_field(m, 1, P_VADDR, TEXT_VADDR + 0x1000);
}

static void m_same_vaddr(struct img *m)
{
    set_ph(m, 1, PT_LOAD, RW, 0, TEXT_VADDR, 0x10, 0x10);
}

/* Overlap that only shows after sorting: the later header comes first. */
static void m_overlap_unsorted(struct img *m)
{
    add_ph(m, PT_LOAD, RW, DATA_OFF, 0x9000 + DATA_OFF, 0x10, 0x8000);
}

static void swap_ph(struct img *m, int a, int b)
{
    uint8_t tmp[PHENT];
    memcpy(tmp, m->buf + ph_at(a), PHENT);
    memcpy(m->buf + ph_at(a), m->buf + ph_at(b), PHENT);
    memcpy(m->buf + ph_at(b), tmp, PHENT);
}

static void m_unsorted(struct img *m) { swap_ph(m, 0, 1); }
static void m_entry_in_data(struct img *m) { put(m->buf, E_ENTRY, DATA_VADDR, 8); }
static void m_entry_nowhere(struct img *m) { put(m->buf, E_ENTRY, 0x50000, 8); }
static void m_entry_text_end(struct img *m) { put(m->buf, E_ENTRY, TEXT_VADDR + 0x1000, 8); }
static void m_entry_text_last(struct img *m) { put(m->buf, E_ENTRY, TEXT_VADDR + 0xffc, 8); }

static void m_ignored_types(struct img *m)
{
    add_ph(m, PT_RISCV_ATTRIBUTES, ELF_SEG_R, 0x320, 0, 0x40, 0);
    add_ph(m, PT_PHDR, ELF_SEG_R, PHOFF, TEXT_VADDR + PHOFF, 0x100, 0x100);
    add_ph(m, 0x12345678u, 0xffffffffu, UINT64_MAX, UINT64_MAX, 1, 0);
}

/* memsz == 0 loads are skipped, wherever they claim to be. */
static void m_empty_load(struct img *m)
{
    add_ph(m, PT_LOAD, RW, 0x10, 0x10, 0, 0);
}

/* n loads in all: the good two plus bss-only pages above the data. */
static void add_bss_loads(struct img *m, int n)
{
    for (int i = 2; i < n; i++)
        add_ph(m, PT_LOAD, RW, 0, 0x20000 + (uint64_t)i * 0x1000, 0, 0x1000);
}

static void m_max_segments(struct img *m) { add_bss_loads(m, ELF_MAX_SEGMENTS); }
static void m_too_many(struct img *m) { add_bss_loads(m, ELF_MAX_SEGMENTS + 1); }

static void m_interp(struct img *m)
{
    add_ph(m, PT_INTERP, ELF_SEG_R, 0x300, 0x10300, 0x10, 0x10);
}

static void m_dynamic(struct img *m)
{
    add_ph(m, PT_DYNAMIC, RW, DATA_OFF, DATA_VADDR, 0x10, 0x10);
}

/* An interpreter header with no loads at all is still called dynamic. */
static void m_interp_only(struct img *m)
{
    put(m->buf, E_PHNUM, 0, 2);
    add_ph(m, PT_INTERP, ELF_SEG_R, 0x300, 0x10300, 0x10, 0x10);
}

struct test_case {
    const char *name;
    void (*mutate)(struct img *m);
    const char *want_err;    /* NULL: must be accepted */
    int want_nseg;           /* checked when accepted */
};

static const struct test_case cases[] = {
    {"good", m_none, NULL, 2},
    {"good_unsorted_headers", m_unsorted, NULL, 2},
    {"good_ignored_types", m_ignored_types, NULL, 2},
    {"good_empty_load_skipped", m_empty_load, NULL, 2},
    {"good_adjacent_pages", m_adjacent_pages, NULL, 2},
    {"good_ends_at_user_top", m_ends_at_user_top, NULL, 2},
    {"good_max_segments", m_max_segments, NULL, ELF_MAX_SEGMENTS},
    {"good_entry_last_word", m_entry_text_last, NULL, 2},
    {"empty_file", m_len_0, "shorter than the ELF header", 0},
    {"truncated_header", m_len_63, "shorter than the ELF header", 0},
    {"bad_magic", m_magic, "bad magic", 0},
    {"wrong_class", m_class32, "not a 64-bit", 0},
    {"big_endian", m_big_endian, "not a little-endian", 0},
    {"bad_ident_version", m_ident_version, "unknown ELF version", 0},
    {"bad_e_version", m_version, "unknown ELF version", 0},
    {"not_exec", m_type_dyn, "not an executable", 0},
    {"wrong_machine", m_machine_x86, "not a RISC-V", 0},
    {"bad_ehsize", m_ehsize, "bad e_ehsize", 0},
    {"bad_phentsize", m_phentsize, "bad e_phentsize", 0},
    {"phoff_beyond_file", m_phoff_beyond, "program header table outside", 0},
    {"phtable_past_end", m_phtable_past_end, "program header table outside", 0},
    {"phoff_phnum_overflow", m_phtable_wraps, "program header table outside", 0},
    {"phnum_huge", m_phnum_huge, "program header table outside", 0},
    {"phnum_xnum", m_phnum_xnum, "extended program header count", 0},
    {"phnum_0", m_phnum_0, "no loadable segment", 0},
    {"no_load", m_no_load, "no loadable segment", 0},
    {"only_empty_loads", m_only_empty_loads, "no loadable segment", 0},
    {"filesz_gt_memsz", m_filesz_gt_memsz, "filesz larger than memsz", 0},
    {"offset_filesz_past_end", m_data_past_end, "data outside the file", 0},
    {"offset_past_end", m_offset_past_end, "data outside the file", 0},
    {"offset_filesz_overflow", m_offset_filesz_wraps, "data outside the file", 0},
    {"offset_near_2_64", m_offset_wraps, "data outside the file", 0},
    {"vaddr_memsz_overflow", m_vaddr_memsz_wraps, "end overflows", 0},
    {"vaddr_0", m_vaddr_0, "below the first page", 0},
    {"vaddr_below_page", m_vaddr_below_page, "below the first page", 0},
    {"above_user_top", m_above_user_top, "above the user address range", 0},
    {"starts_at_user_top", m_starts_at_user_top, "above the user address range", 0},
    {"vaddr_offset_not_congruent", m_not_congruent, "not congruent", 0},
    {"unknown_flags", m_bad_flags, "unknown flags", 0},
    {"overlapping_segments", m_overlap, "overlap or share a page", 0},
    {"segments_share_page", m_share_page, "overlap or share a page", 0},
    {"same_vaddr", m_same_vaddr, "overlap or share a page", 0},
    {"overlap_after_sort", m_overlap_unsorted, "overlap or share a page", 0},
    {"entry_in_data", m_entry_in_data, "entry point not in an executable", 0},
    {"entry_outside_segments", m_entry_nowhere, "entry point not in an executable", 0},
    {"entry_at_text_end", m_entry_text_end, "entry point not in an executable", 0},
    {"too_many_segments", m_too_many, "too many PT_LOAD", 0},
    {"pt_interp", m_interp, "dynamic executables are not supported", 0},
    {"pt_interp_only", m_interp_only, "dynamic executables are not supported", 0},
    {"pt_dynamic", m_dynamic, "dynamic executables are not supported", 0},
};

/* Extra checks on the unmodified good image's output. */
static bool good_fields(const char *name, const struct elf_image *im)
{
    const struct elf_segment *t = &im->seg[0], *d = &im->seg[1];
    return expect(im->entry == GOOD_ENTRY, name, "wrong entry") &&
           expect(t->vaddr == TEXT_VADDR && t->memsz == 0x1000 &&
                  t->offset == 0 && t->filesz == 0x1000 && t->flags == RX,
                  name, "wrong text segment") &&
           expect(d->vaddr == DATA_VADDR && d->memsz == 0x2000 &&
                  d->offset == DATA_OFF && d->filesz == 0x100 &&
                  d->flags == RW, name, "wrong data segment");
}

static bool run_case(const struct test_case *tc, bool misalign)
{
    static struct img m;
    struct elf_image out;
    const char *err = NULL;
    char what[256];

    build_good(&m);
    tc->mutate(&m);
    int r = run_check(m.buf, m.len, misalign, &out, &err);
    if (tc->want_err == NULL) {
        snprintf(what, sizeof(what), "rejected: %s", err ? err : "(null)");
        if (!expect(r == 0, tc->name, what) ||
            !image_sane(tc->name, &out, m.len) ||
            !expect(out.nseg == tc->want_nseg, tc->name, "wrong nseg"))
            return false;
        bool plain = tc->mutate == m_none || tc->mutate == m_unsorted;
        return !plain || good_fields(tc->name, &out);
    }
    snprintf(what, sizeof(what), "want \"%s\", got r=%d err=\"%s\"",
             tc->want_err, r, err ? err : "(null)");
    return expect(r == -1 && err != NULL && strstr(err, tc->want_err),
                  tc->name, what);
}

static bool null_data(void)
{
    struct elf_image out;
    const char *err = NULL;
    int r = elf_check(NULL, 0, USER_TOP, &out, &err);
    return expect(r == -1 && err != NULL, "null_data", "NULL accepted");
}

static bool real_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        printf("FAIL real_elf: cannot open %s\n", path);
        return false;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *data = n > 0 ? malloc((size_t)n) : NULL;
    bool ok = data != NULL && fread(data, 1, (size_t)n, f) == (size_t)n;
    fclose(f);
    if (!expect(ok, "real_elf", "cannot read file")) {
        free(data);
        return false;
    }
    struct elf_image out;
    const char *err = NULL;
    int r = elf_check(data, (size_t)n, USER_TOP, &out, &err);
    free(data);
    if (!expect(r == 0, "real_elf", err ? err : "rejected") ||
        !image_sane("real_elf", &out, (size_t)n))
        return false;
    printf("ok   real_elf %s: entry %#llx, %d segments\n", path,
           (unsigned long long)out.entry, out.nseg);
    for (int i = 0; i < out.nseg; i++)
        printf("       vaddr %#llx memsz %#llx offset %#llx filesz %#llx "
               "flags %c%c%c\n", (unsigned long long)out.seg[i].vaddr,
               (unsigned long long)out.seg[i].memsz,
               (unsigned long long)out.seg[i].offset,
               (unsigned long long)out.seg[i].filesz,
               out.seg[i].flags & ELF_SEG_R ? 'r' : '-',
               out.seg[i].flags & ELF_SEG_W ? 'w' : '-',
               out.seg[i].flags & ELF_SEG_X ? 'x' : '-');
    return true;
}

int main(int argc, char **argv)
{
    int ncases = 0, failed = 0;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* Aligned and misaligned copies must give the same answer. */
        bool ok = run_case(&cases[i], false) && run_case(&cases[i], true);
        if (ok)
            printf("ok   %s\n", cases[i].name);
        ncases++;
        failed += !ok;
    }
    ncases++;
    if (null_data())
        printf("ok   null_data\n");
    else
        failed++;
    if (argc > 1) {
        ncases++;
        failed += !real_file(argv[1]);
    }
    printf("test_elf: %d cases, %d failed\n", ncases, failed);
    return failed ? 1 : 0;
}
