/*
 * Mutation fuzzer for elf_check().
 *
 *   fuzz_elf ITERATIONS SEED [SEED_ELF|- [FIRST]]
 *
 * Starts from a valid executable (built in memory, or SEED_ELF) and, each
 * iteration, applies a few random mutations: bit flips, random bytes,
 * header and program header fields overwritten with boundary values,
 * program headers swapped or copied, and truncation. The result goes to
 * elf_check() in a heap block of exactly its length, so ASan catches any
 * read past the end. Every accepted image must also satisfy the guarantees
 * in elf.h; a violation stops the run with exit status 1.
 *
 * Iteration i draws from a xorshift64 stream seeded from SEED and i alone,
 * so a failure at iteration i replays with ITERATIONS 1 and FIRST i; the
 * failing input is also written to fuzz_elf-fail.bin.
 */
#include "mica/elf.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/common_interface_defs.h>
#endif

#define USER_TOP   (1ull << 38)
#define PAGE       4096u
#define EHDR_LEN   64u
#define PHENT      56u
#define MAX_INPUT  (1u << 24)
#define MAX_ERRORS 64
#define FAIL_FILE  "fuzz_elf-fail.bin"

#include "fuzz_rng.h"

static void put(uint8_t *p, size_t off, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[off + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, size_t off, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = bytes; i-- > 0;)
        v = (v << 8) | p[off + i];
    return v;
}

/* The built-in seed, 0x400 bytes so most mutations land on headers: the
 * ELF_MAX_SEGMENTS loads out of order (text, bss, data, more bss), a
 * GNU_STACK, a NOTE and two PT_NULL slots that a mutation can turn into a
 * ninth load. */
static size_t build_seed(uint8_t *p)
{
    static const struct { uint32_t type, flags; uint64_t off, vaddr, filesz,
                          memsz; } ph[] = {
        {1, 5, 0, 0x10000, 0x300, 0x300},
        {1, 6, 0, 0x20000, 0, 0x2000},
        {1, 6, 0x300, 0x11300, 0x100, 0x1000},
        {0x6474e551u, 6, 0, 0, 0, 0},
        {1, 6, 0, 0x28000, 0, 0x1000},
        {1, 6, 0, 0x22000, 0, 0x1000},
        {0, 0, 0, 0, 0, 0},
        {1, 4, 0, 0x24000, 0, 0x1000},
        {4, 4, 0x2e0, 0x102e0, 0x20, 0x20},
        {1, 6, 0, 0x26000, 0, 0x1000},
        {1, 6, 0, 0x2a000, 0, 0x1000},
        {0, 0, 0, 0, 0, 0},
    };
    size_t n = sizeof(ph) / sizeof(ph[0]);
    _Static_assert(EHDR_LEN + sizeof(ph) / sizeof(ph[0]) * PHENT <= 0x2e0,
                   "seed headers overlap the note");

    memset(p, 0, 0x400);
    memcpy(p, "\x7f" "ELF\x02\x01\x01", 7);
    put(p, 16, 2, 2);            /* ET_EXEC */
    put(p, 18, 243, 2);          /* EM_RISCV */
    put(p, 20, 1, 4);
    put(p, 24, 0x10100, 8);      /* entry */
    put(p, 32, EHDR_LEN, 8);     /* phoff */
    put(p, 52, EHDR_LEN, 2);
    put(p, 54, PHENT, 2);
    put(p, 56, n, 2);
    for (size_t i = 0; i < n; i++) {
        size_t o = EHDR_LEN + i * PHENT;
        put(p, o, ph[i].type, 4);
        put(p, o + 4, ph[i].flags, 4);
        put(p, o + 8, ph[i].off, 8);
        put(p, o + 16, ph[i].vaddr, 8);
        put(p, o + 24, ph[i].vaddr, 8);
        put(p, o + 32, ph[i].filesz, 8);
        put(p, o + 40, ph[i].memsz, 8);
        put(p, o + 48, PAGE, 8);
    }
    return 0x400;
}

static uint8_t *load_seed(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    uint8_t *p = malloc(MAX_INPUT);
    *len = p ? fread(p, 1, MAX_INPUT, f) : 0;
    fclose(f);
    return p;
}

/* A field the mutator knows about: its offset and width in bytes. */
struct field {
    size_t off;
    unsigned width;
};

static struct field fields[16 + 8 * 64];
static size_t nfields;

static void add_field(size_t off, unsigned width)
{
    if (nfields < sizeof(fields) / sizeof(fields[0]))
        fields[nfields++] = (struct field){off, width};
}

/* Collects the header fields and those of each program header the seed
 * has (as far as they fit), so field mutations hit real fields. */
static void find_fields(const uint8_t *p, size_t len)
{
    static const struct field ehdr[] = {
        {4, 1}, {5, 1}, {6, 1}, {16, 2}, {18, 2}, {20, 4}, {24, 8}, {32, 8},
        {52, 2}, {54, 2}, {56, 2},
    };
    static const struct field phdr[] = {
        {0, 4}, {4, 4}, {8, 8}, {16, 8}, {32, 8}, {40, 8},
    };

    for (size_t i = 0; i < sizeof(ehdr) / sizeof(ehdr[0]); i++)
        add_field(ehdr[i].off, ehdr[i].width);
    if (len < EHDR_LEN)
        return;
    uint64_t phoff = get(p, 32, 8), phnum = get(p, 56, 2);
    for (uint64_t i = 0; i < phnum && i < 64; i++) {
        if (phoff > len || (i + 1) * PHENT > len - phoff)
            break;
        for (size_t j = 0; j < sizeof(phdr) / sizeof(phdr[0]); j++)
            add_field(phoff + i * PHENT + phdr[j].off, phdr[j].width);
    }
}

/* Where the ELF header and program header table end in the seed. */
static size_t headers_end(const uint8_t *p, size_t len)
{
    if (len < EHDR_LEN)
        return len;
    uint64_t phoff = get(p, 32, 8), size = get(p, 56, 2) * PHENT;
    if (phoff > len || size > len - phoff)
        return len;
    return phoff + size > EHDR_LEN ? phoff + size : EHDR_LEN;
}

static uint64_t interesting(uint64_t old, size_t len)
{
    static const uint64_t fixed[] = {
        0, 1, 2, 3, 4, 5, 6, 7, 56, 64, 243, 0x7f, 0x80, 0xff, 0xfff,
        PAGE, PAGE + 1, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
        USER_TOP, USER_TOP - 1, USER_TOP - PAGE, USER_TOP + PAGE,
        1ull << 63, UINT64_MAX, UINT64_MAX - 1, UINT64_MAX - 0xfff,
        UINT64_MAX - PAGE + 1, 0x6474e551u, 0x70000003u,
    };
    size_t n = sizeof(fixed) / sizeof(fixed[0]);

    switch (below(6)) {
    case 0: return fixed[below(n)];
    case 1: return len + below(3) - 1;
    case 2: return UINT64_MAX - len + below(3);
    case 3: return old + below(17) - 8;
    case 4: return old + (below(2) ? PAGE : -(uint64_t)PAGE);
    default: return rnd();
    }
}

/* One random mutation of p[0..*len); *len may shrink. */
static void mutate(uint8_t *p, size_t *len, size_t meta_len)
{
    /* Most byte-level mutations go to the headers, where the checks are. */
    size_t span = below(4) ? meta_len : *len;
    if (span > *len)
        span = *len;

    switch (below(8)) {
    case 0:
        if (span)
            p[below(span)] ^= (uint8_t)(1u << below(8));
        break;
    case 1:
        if (span)
            p[below(span)] = (uint8_t)rnd();
        break;
    case 2:
    case 3:
    case 4: {
        const struct field *f = &fields[below(nfields)];
        if (f->off + f->width <= *len)
            put(p, f->off, interesting(get(p, f->off, f->width), *len),
                f->width);
        break;
    }
    case 5:
        if (span >= 8) {
            size_t off = below(span - 7) & ~(size_t)7;
            put(p, off, interesting(get(p, off, 8), *len), 8);
        }
        break;
    case 6: {
        /* Swap or copy whole program headers: exercises sorting and
         * overlap with otherwise valid segments. */
        uint64_t phoff = get(p, 32, 8), phnum = get(p, 56, 2);
        if (*len < EHDR_LEN || phnum < 2 || phoff > *len ||
            phnum * PHENT > *len - phoff)
            break;
        uint8_t tmp[PHENT];
        uint8_t *a = p + phoff + below(phnum) * PHENT;
        uint8_t *b = p + phoff + below(phnum) * PHENT;
        memcpy(tmp, a, PHENT);
        memmove(a, b, PHENT);
        if (below(2))
            memcpy(b, tmp, PHENT);
        break;
    }
    default:
        *len = below(4) ? below(meta_len + 1) : below(*len + 1);
        break;
    }
}

/* Checks the promises elf.h makes about an accepted image. */
static const char *violation(const struct elf_image *im, size_t len)
{
    bool entry_ok = false;

    if (im->nseg < 1 || im->nseg > ELF_MAX_SEGMENTS)
        return "nseg out of range";
    for (int i = 0; i < im->nseg; i++) {
        const struct elf_segment *s = &im->seg[i];
        if (s->memsz == 0 || s->filesz > s->memsz)
            return "bad sizes";
        if (s->offset > len || s->filesz > len - s->offset)
            return "segment data outside the file";
        if (s->vaddr < PAGE || s->memsz > USER_TOP - s->vaddr)
            return "segment outside [page, user_top)";
        if (s->vaddr % PAGE != s->offset % PAGE)
            return "not congruent";
        if (s->flags & ~(uint32_t)(ELF_SEG_R | ELF_SEG_W | ELF_SEG_X))
            return "unknown flags";
        if (i > 0 && (im->seg[i - 1].vaddr + im->seg[i - 1].memsz - 1) /
                     PAGE >= s->vaddr / PAGE)
            return "segments not sorted or share a page";
        if ((s->flags & ELF_SEG_X) && im->entry >= s->vaddr &&
            im->entry - s->vaddr < s->memsz)
            entry_ok = true;
    }
    return entry_ok ? NULL : "entry not in an executable segment";
}

static const uint8_t *cur_input;
static size_t cur_len;
static uint64_t cur_seed, cur_iter;
static const char *cur_path;

static void save_failure(void)
{
    fprintf(stderr, "fuzz_elf: failure at iteration %llu; replay: fuzz_elf 1 %llu "
            "%s %llu; input (%zu bytes) in " FAIL_FILE "\n",
            (unsigned long long)cur_iter, (unsigned long long)cur_seed,
            cur_path, (unsigned long long)cur_iter, cur_len);
    FILE *f = fopen(FAIL_FILE, "wb");
    if (f != NULL) {
        fwrite(cur_input, 1, cur_len, f);
        fclose(f);
    }
}

struct tally {
    const char *msg[MAX_ERRORS];
    unsigned long count[MAX_ERRORS];
    int n;
    unsigned long accepted, rejected;
};

static void count_error(struct tally *t, const char *msg)
{
    t->rejected++;
    for (int i = 0; i < t->n; i++) {
        if (t->msg[i] == msg) {
            t->count[i]++;
            return;
        }
    }
    if (t->n < MAX_ERRORS) {
        t->msg[t->n] = msg;
        t->count[t->n++] = 1;
    }
}

static void run_one(const uint8_t *input, size_t len, struct tally *t)
{
    uint8_t *block = malloc(len ? len : 1);
    struct elf_image out;
    const char *err = NULL;

    if (block == NULL) {
        fprintf(stderr, "fuzz_elf: out of memory\n");
        exit(2);
    }
    memcpy(block, input, len);
    int r = elf_check(block, len, USER_TOP, &out, &err);
    free(block);
    const char *bad = r == 0 ? violation(&out, len) :
                      r != -1 ? "result not 0 or -1" :
                      err == NULL ? "no error message" : NULL;
    if (bad != NULL) {
        fprintf(stderr, "fuzz_elf: %s\n", bad);
        save_failure();
        exit(1);
    }
    if (r == 0)
        t->accepted++;
    else
        count_error(t, err);
}

struct args {
    unsigned long long iters, seed, first;
    const char *path;    /* NULL: the built-in seed */
};

static bool parse_number(const char *s, unsigned long long *v)
{
    char *end;
    *v = strtoull(s, &end, 0);
    return *s != '\0' && *end == '\0';
}

static bool parse_args(int argc, char **argv, struct args *a)
{
    a->first = 0;
    a->path = argc > 3 && strcmp(argv[3], "-") != 0 ? argv[3] : NULL;
    return argc >= 3 && argc <= 5 && parse_number(argv[1], &a->iters) &&
           parse_number(argv[2], &a->seed) &&
           (argc < 5 || parse_number(argv[4], &a->first));
}

int main(int argc, char **argv)
{
    struct args a;
    if (!parse_args(argc, argv, &a)) {
        fprintf(stderr, "usage: fuzz_elf ITERATIONS SEED "
                "[SEED_ELF|- [FIRST]]\n");
        return 2;
    }
    cur_seed = a.seed;
    cur_path = a.path ? a.path : "-";

    size_t seed_len;
    uint8_t *seed = a.path ? load_seed(a.path, &seed_len) : malloc(0x400);
    if (seed == NULL) {
        fprintf(stderr, "fuzz_elf: cannot read %s\n", a.path);
        return 2;
    }
    if (a.path == NULL)
        seed_len = build_seed(seed);
    find_fields(seed, seed_len);
    size_t meta_len = headers_end(seed, seed_len);

    struct tally t = {0};
    const char *err = "?";
    struct elf_image out;
    if (elf_check(seed, seed_len, USER_TOP, &out, &err) != 0) {
        fprintf(stderr, "fuzz_elf: the seed itself is rejected: %s\n", err);
        free(seed);
        return 2;
    }

    uint8_t *work = malloc(seed_len ? seed_len : 1);
    if (work == NULL)
        return 2;
    cur_input = work;
#ifdef __SANITIZE_ADDRESS__
    __sanitizer_set_death_callback(save_failure);
#endif
    printf("fuzz_elf: seed %llu, %llu iterations from %llu, seed input %zu "
           "bytes\n", a.seed, a.iters, a.first, seed_len);
    clock_t start = clock();
    for (cur_iter = a.first; cur_iter < a.first + a.iters; cur_iter++) {
        seed_iteration(a.seed, cur_iter);
        size_t len = seed_len;
        memcpy(work, seed, seed_len);
        for (uint64_t k = 1 + below(4); k > 0; k--)
            mutate(work, &len, meta_len);
        cur_len = len;
        run_one(work, len, &t);
    }
    double secs = (double)(clock() - start) / CLOCKS_PER_SEC;

    for (int i = 0; i < t.n; i++)
        printf("  %8lu  %s\n", t.count[i], t.msg[i]);
    printf("fuzz_elf: seed %llu: %llu iterations, %lu accepted, %lu "
           "rejected, %d distinct errors, %.2f s\n", a.seed, a.iters,
           t.accepted, t.rejected, t.n, secs);
    free(work);
    free(seed);
    return 0;
}
