/*
 * Mutation fuzzer for archive_next() and archive_find().
 *
 *   fuzz_archive ITERATIONS SEED [SEED_CPIO|- [FIRST]]
 *
 * Starts from a valid newc archive (built in memory, or SEED_CPIO) and,
 * each iteration, applies a few random mutations: bit flips, random bytes,
 * header fields rewritten with boundary values or single hex digits,
 * non-hex characters, a broken magic, and truncation. The result is walked
 * from a heap block of exactly its length, so ASan catches any read past
 * the end, and every entry returned must lie inside the block; an entry
 * the walk returned must also be found by archive_find(). A violation
 * stops the run with exit status 1.
 *
 * Iteration i draws from a xorshift64 stream seeded from SEED and i alone,
 * so a failure at iteration i replays with ITERATIONS 1 and FIRST i; the
 * failing input is also written to fuzz_archive-fail.bin.
 */
#include "mica/archive.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/common_interface_defs.h>
#endif

#define HDR_LEN     110u
#define FIELD_LEN   8u
#define NFIELDS     13u
#define F_MODE      1u
#define F_FILESIZE  6u
#define F_NAMESIZE  11u
#define MAX_INPUT   (1u << 24)
#define MAX_HEADERS 4096
#define MAX_ERRORS  32
#define FAIL_FILE   "fuzz_archive-fail.bin"

#include "fuzz_rng.h"

static size_t append_entry(uint8_t *p, size_t len, const char *name,
                           uint32_t mode, const char *data)
{
    size_t namesize = strlen(name) + 1, size = strlen(data);
    char hdr[HDR_LEN + 1];

    snprintf(hdr, sizeof(hdr),
             "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
             (unsigned)len, mode, 0u, 0u, 1u, 0u, (unsigned)size, 0u, 0u, 0u,
             0u, (unsigned)namesize, 0u);
    memcpy(p + len, hdr, HDR_LEN);
    memcpy(p + len + HDR_LEN, name, namesize);
    len = (len + HDR_LEN + namesize + 3) & ~(size_t)3;
    memcpy(p + len, data, size);
    return (len + size + 3) & ~(size_t)3;
}

/* The built-in seed: regular files, a directory and a symlink. */
static size_t build_seed(uint8_t *p)
{
    size_t len = 0;

    memset(p, 0, 1024);
    len = append_entry(p, len, ".", 0040755, "");
    len = append_entry(p, len, "root", 0100755, "\x7f" "ELF root");
    len = append_entry(p, len, "./init", 0100644, "");
    len = append_entry(p, len, "bin", 0040755, "");
    len = append_entry(p, len, "bin/sh", 0100755, "shell");
    len = append_entry(p, len, "link", 0120777, "root");
    return append_entry(p, len, "TRAILER!!!", 0, "");
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

/* Header offsets in the seed, so field mutations hit real fields. */
static size_t headers[MAX_HEADERS];
static size_t nheaders;

static void find_headers(const uint8_t *p, size_t len)
{
    for (size_t off = 0; off + HDR_LEN <= len && nheaders < MAX_HEADERS;
         off += 4) {
        if (memcmp(p + off, "070701", 6) == 0)
            headers[nheaders++] = off;
    }
}

static void write_hex(uint8_t *p, uint32_t v)
{
    static const char digits[] = "0123456789ABCDEF";
    for (int i = FIELD_LEN - 1; i >= 0; i--, v >>= 4)
        p[i] = (uint8_t)digits[v & 0xf];
}

static uint32_t read_hex(const uint8_t *p)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < FIELD_LEN; i++) {
        uint8_t c = p[i];
        uint32_t d = c >= '0' && c <= '9' ? (uint32_t)(c - '0') :
                     c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10) :
                     c >= 'A' && c <= 'F' ? (uint32_t)(c - 'A' + 10) : 0;
        v = (v << 4) | d;
    }
    return v;
}

static uint32_t interesting(uint32_t old, size_t len)
{
    static const uint32_t fixed[] = {
        0, 1, 2, 3, 4, 5, 10, 11, 12, 0x7f, 0x80, 0xff, 0x100, 0xffff,
        0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0040755, 0100644,
        0100000, 0120777, 0170000,
    };

    switch (below(4)) {
    case 0: return fixed[below(sizeof(fixed) / sizeof(fixed[0]))];
    case 1: return (uint32_t)(len + below(9) - 4);
    case 2: return old + (uint32_t)below(9) - 4;
    default: return (uint32_t)rnd();
    }
}

static uint8_t random_char(void)
{
    static const char odd[] = "gGxX -+\0\xff/.:@`";
    return below(2) ? (uint8_t)odd[below(sizeof(odd) - 1)] : (uint8_t)rnd();
}

/* Rewrites one field of one seed header; the header may be cut off. */
static void mutate_field(uint8_t *p, size_t len)
{
    if (nheaders == 0)
        return;
    size_t h = headers[below(nheaders)];
    unsigned f = below(3) ? (unsigned)below(NFIELDS) :
                 below(2) ? F_NAMESIZE : F_FILESIZE;
    size_t off = h + 6 + f * FIELD_LEN;
    if (off + FIELD_LEN > len)
        return;
    switch (below(4)) {
    case 0:
    case 1:
        write_hex(p + off, interesting(read_hex(p + off), len));
        break;
    case 2:
        p[off + below(FIELD_LEN)] = (uint8_t)"0123456789abcdefABCDEF"[below(22)];
        break;
    default:
        p[off + below(FIELD_LEN)] = random_char();
        break;
    }
}

/* One random mutation of p[0..*len); *len may shrink. */
static void mutate(uint8_t *p, size_t *len)
{
    switch (below(8)) {
    case 0:
        if (*len)
            p[below(*len)] ^= (uint8_t)(1u << below(8));
        break;
    case 1:
        if (*len)
            p[below(*len)] = random_char();
        break;
    case 2:
    case 3:
    case 4:
        mutate_field(p, *len);
        break;
    case 5:
        if (nheaders) {
            size_t h = headers[below(nheaders)];
            if (h + 6 <= *len)
                p[h + below(6)] = (uint8_t)"0127x"[below(5)];
        }
        break;
    default:
        *len = below(*len + 1);
        break;
    }
}

static const uint8_t *cur_input;
static size_t cur_len;
static uint64_t cur_seed, cur_iter;
static const char *cur_path;

static void save_failure(void)
{
    fprintf(stderr, "fuzz_archive: failure at iteration %llu; replay: fuzz_archive 1 %llu "
            "%s %llu; input (%zu bytes) in " FAIL_FILE "\n",
            (unsigned long long)cur_iter, (unsigned long long)cur_seed,
            cur_path, (unsigned long long)cur_iter, cur_len);
    FILE *f = fopen(FAIL_FILE, "wb");
    if (f != NULL) {
        fwrite(cur_input, 1, cur_len, f);
        fclose(f);
    }
}

static void fail(const char *why)
{
    fprintf(stderr, "fuzz_archive: %s\n", why);
    save_failure();
    exit(1);
}

struct tally {
    const char *msg[MAX_ERRORS];
    unsigned long count[MAX_ERRORS];
    int n;
    unsigned long ended, failed, entries;
};

static void count_error(struct tally *t, const char *msg)
{
    t->failed++;
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

static bool inside(const uint8_t *base, size_t len,
                   const struct archive_entry *e)
{
    const uint8_t *name = (const uint8_t *)e->name, *data = e->data;
    if (name < base || name >= base + len || data < base ||
        data > base + len || e->size > (size_t)(base + len - data))
        return false;
    return memchr(name, 0, (size_t)(base + len - name)) != NULL;
}

static void walk(const uint8_t *p, size_t len, struct tally *t)
{
    struct archive_entry e, first = {0}, found;
    size_t pos = 0, prev = 0;
    const char *err = NULL;
    unsigned long n = 0;
    int r;

    while ((r = archive_next(p, len, &pos, &e, &err)) == 1) {
        if (!inside(p, len, &e))
            fail("entry outside the archive");
        if (pos <= prev || pos > len)
            fail("position did not advance within the archive");
        prev = pos;
        if (n++ == 0)
            first = e;
    }
    if (r == 0) {
        t->ended++;
    } else if (r == -1 && err != NULL) {
        count_error(t, err);
    } else {
        fail("result not 1, 0 or -1 with a message");
    }
    t->entries += n;
    if (n > 0 && (archive_find(p, len, first.name, &found) != 0 ||
                  !inside(p, len, &found)))
        fail("archive_find misses an entry archive_next returned");
}

static bool seed_valid(const uint8_t *p, size_t len)
{
    struct archive_entry e;
    size_t pos = 0;
    int r;

    while ((r = archive_next(p, len, &pos, &e, NULL)) == 1)
        ;
    return r == 0;
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
        fprintf(stderr, "usage: fuzz_archive ITERATIONS SEED "
                "[SEED_CPIO|- [FIRST]]\n");
        return 2;
    }
    cur_seed = a.seed;
    cur_path = a.path ? a.path : "-";

    size_t seed_len;
    uint8_t *seed = a.path ? load_seed(a.path, &seed_len) : malloc(1024);
    if (seed == NULL) {
        fprintf(stderr, "fuzz_archive: cannot read %s\n", a.path);
        return 2;
    }
    if (a.path == NULL)
        seed_len = build_seed(seed);
    find_headers(seed, seed_len);
    if (!seed_valid(seed, seed_len)) {
        fprintf(stderr, "fuzz_archive: the seed itself is malformed\n");
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
    printf("fuzz_archive: seed %llu, %llu iterations from %llu, seed input "
           "%zu bytes, %zu headers\n", a.seed, a.iters, a.first, seed_len,
           nheaders);
    struct tally t = {0};
    clock_t start = clock();
    for (cur_iter = a.first; cur_iter < a.first + a.iters; cur_iter++) {
        seed_iteration(a.seed, cur_iter);
        size_t len = seed_len;
        memcpy(work, seed, seed_len);
        for (uint64_t k = 1 + below(4); k > 0; k--)
            mutate(work, &len);
        cur_len = len;
        uint8_t *block = malloc(len ? len : 1);
        if (block == NULL)
            return 2;
        memcpy(block, work, len);
        walk(block, len, &t);
        free(block);
    }
    double secs = (double)(clock() - start) / CLOCKS_PER_SEC;

    for (int i = 0; i < t.n; i++)
        printf("  %8lu  %s\n", t.count[i], t.msg[i]);
    printf("fuzz_archive: seed %llu: %llu iterations, %lu ended at the "
           "trailer, %lu malformed, %lu entries, %d distinct errors, "
           "%.2f s\n", a.seed, a.iters, t.ended, t.failed, t.entries, t.n,
           secs);
    free(work);
    free(seed);
    return 0;
}
