/*
 * Fuzz driver for kernel/fdt.c, built with ASan and UBSan.
 *
 *   fuzz_fdt DTB ITERATIONS SEED [FIRST]
 *
 * Each iteration copies the DTB (cut to its totalsize: QEMU dumps a 1 MiB
 * buffer around a 4 KiB tree), mutates it a few times and parses it from a
 * heap block of exactly the mutated length, so a read past the end is an
 * ASan report. A parse must either succeed with sane results or fail with an
 * "fdt: " message. Mutations: bit flips, random bytes, 32-bit big-endian
 * words with boundary values (mostly token-aligned, some on header fields),
 * copies of one stretch over another (duplicated tokens and names), and
 * truncation, with or without totalsize following it.
 *
 * Iteration i draws from a xorshift64 generator seeded from SEED and i alone,
 * so a failure at iteration i replays with ITERATIONS 1 and FIRST i.
 * Exits 0 when no iteration went wrong.
 */
#include "fdt.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR_SIZE        40
#define MAX_MUTATIONS   6

enum { H_TOTALSIZE = 4, H_OFF_STRUCT = 8, H_OFF_STRINGS = 12,
       H_SIZE_STRINGS = 32, H_SIZE_STRUCT = 36 };

static uint64_t rng;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t below(size_t n)
{
    return n == 0 ? 0 : (size_t)(next_random() % n);
}

/* splitmix64, which spreads nearby seeds apart; xorshift needs a nonzero
 * state, so a 0 is replaced. */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x != 0 ? x : 1;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

/* Values that sit on the parser's boundaries: tokens, cell counts,
 * extremes, and the sizes and offsets of this very blob. */
static uint32_t interesting(const uint8_t *orig, size_t orig_len)
{
    static const uint32_t fixed[] = {
        0, 1, 2, 3, 4, 5, 8, 9, 16, 17, 0x7f, 0x80, 0xff, 0x100, 0x1000,
        0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffc, 0xfffffffe,
        0xffffffff, 0xd00dfeed,
    };
    static const int fields[] = { H_TOTALSIZE, H_OFF_STRUCT, H_OFF_STRINGS,
                                  H_SIZE_STRINGS, H_SIZE_STRUCT };
    size_t pick = below(sizeof(fixed) / sizeof(fixed[0]) + 8);

    if (pick < sizeof(fixed) / sizeof(fixed[0]))
        return fixed[pick];
    if (pick % 2 == 0)
        return get32(orig + fields[below(5)]) + (uint32_t)below(9) - 4;
    return (uint32_t)orig_len + (uint32_t)below(9) - 4;
}

/* Where to put a word: 4-aligned, so on a token boundary in the struct
 * block, five times in eight; on a header field one in eight; anywhere
 * otherwise. Always inside the first len bytes. */
static size_t word_offset(size_t len)
{
    size_t r = below(8);

    if (r == 0)
        return 4 * below(HDR_SIZE / 4);
    if (r < 6)
        return below(len / 4) * 4;
    return below(len - 3);
}

static void mutate_once(uint8_t *buf, size_t *len, const uint8_t *orig, size_t orig_len)
{
    size_t n = *len, a, b, span;

    if (n < 4)
        return;
    switch (below(8)) {
    case 0:
        buf[below(n)] ^= (uint8_t)(1u << below(8));
        break;
    case 1:
        buf[below(n)] = (uint8_t)next_random();
        break;
    case 2:
    case 3:
    case 4:
        put32(buf + word_offset(n), interesting(orig, orig_len));
        break;
    case 5:
        span = 1 + below(64);
        a = below(n);
        b = below(n);
        if (span > n - a)
            span = n - a;
        if (span > n - b)
            span = n - b;
        memmove(buf + b, buf + a, span);
        break;
    case 6:
        *len = below(n + 1);
        break;
    default:
        /* Truncate and fix totalsize, to get past the header check. */
        if (n > HDR_SIZE)
            *len = HDR_SIZE + below(n - HDR_SIZE + 1);
        put32(buf + H_TOTALSIZE, (uint32_t)*len);
        break;
    }
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* What any accepted tree must satisfy; the message of the first violation. */
static const char *insane(const struct boot_info *bi)
{
    if (bi->nram < 1 || bi->nram > FDT_MAX_RAM)
        return "nram out of range";
    if (bi->nreserved < 0 || bi->nreserved > FDT_MAX_RESERVED)
        return "nreserved out of range";
    if (bi->nvirtio < 0 || bi->nvirtio > FDT_MAX_VIRTIO)
        return "nvirtio out of range";
    for (int i = 1; i < bi->nvirtio; i++)
        if (bi->virtio[i - 1].reg.base > bi->virtio[i].reg.base)
            return "virtio not sorted";
    for (int i = 0; i < bi->nram; i++)
        if (bi->ram[i].size == 0 || bi->ram[i].base + bi->ram[i].size < bi->ram[i].base)
            return "bad ram region";
    for (int i = 0; i < bi->nreserved; i++)
        if (bi->reserved[i].size == 0 ||
            bi->reserved[i].base + bi->reserved[i].size < bi->reserved[i].base)
            return "bad reserved region";
    if (memchr(bi->bootargs, 0, FDT_BOOTARGS_MAX) == NULL)
        return "bootargs not terminated";
    if (memchr(bi->isa, 0, FDT_ISA_MAX) == NULL)
        return "isa not terminated";
    if (bi->plic_context < -1)
        return "plic_context below -1";
    if (bi->has_plic == false && bi->plic_context != -1)
        return "plic_context without a plic";
    return NULL;
}

static uint8_t *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    data = n > 0 ? malloc((size_t)n) : NULL;
    if (data != NULL && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *len = data != NULL ? (size_t)n : 0;
    return data;
}

/* One iteration; false if the parser misbehaved (ASan stops us first for
 * a bad read). */
static bool run_one(const uint8_t *orig, size_t orig_len, uint8_t *work,
                    uint64_t seed, unsigned long long iter, bool *parsed)
{
    size_t len = orig_len;
    int rounds;
    uint8_t *exact;
    struct boot_info bi;
    const char *err = NULL, *why;
    unsigned long hartid;
    int r;

    rng = mix(seed ^ mix(iter));
    memcpy(work, orig, orig_len);
    rounds = 1 + (int)below(MAX_MUTATIONS);
    for (int m = 0; m < rounds; m++)
        mutate_once(work, &len, orig, orig_len);
    hartid = below(4) == 0 ? below(3) : 0;

    exact = malloc(len > 0 ? len : 1);
    if (exact == NULL) {
        fprintf(stderr, "fuzz_fdt: out of memory\n");
        exit(2);
    }
    if (len > 0)
        memcpy(exact, work, len);
    r = fdt_parse(exact, len, hartid, &bi, &err);
    free(exact);

    *parsed = r == 0;
    if (r == 0 && (why = insane(&bi)) != NULL) {
        printf("fuzz_fdt: iteration %llu: accepted with %s\n", iter, why);
        return false;
    }
    if (r != 0 && (r != -1 || err == NULL || !starts_with(err, "fdt: "))) {
        printf("fuzz_fdt: iteration %llu: returned %d with message %s\n", iter, r,
               err != NULL ? err : "(null)");
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    unsigned long long iterations, first = 0, ok = 0;
    uint64_t seed;
    size_t len, total;
    uint8_t *orig, *work;
    char *end;
    bool bad = false;

    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: fuzz_fdt DTB ITERATIONS SEED [FIRST]\n");
        return 2;
    }
    iterations = strtoull(argv[2], &end, 0);
    bad |= *end != '\0';
    seed = strtoull(argv[3], &end, 0);
    bad |= *end != '\0';
    if (argc == 5) {
        first = strtoull(argv[4], &end, 0);
        bad |= *end != '\0';
    }
    if (bad) {
        fprintf(stderr, "fuzz_fdt: ITERATIONS, SEED and FIRST are numbers\n");
        return 2;
    }
    orig = load(argv[1], &len);
    if (orig == NULL || len < HDR_SIZE) {
        fprintf(stderr, "fuzz_fdt: cannot read a DTB from %s\n", argv[1]);
        return 2;
    }
    total = fdt_total_size(orig, len);
    if (total >= HDR_SIZE && total <= len)
        len = total;
    work = malloc(len);
    if (work == NULL)
        return 2;
    printf("fuzz_fdt: %s, %zu bytes, seed %llu\n", argv[1], len,
           (unsigned long long)seed);
    fflush(stdout);

    for (unsigned long long i = first; i < first + iterations; i++) {
        bool parsed;
        if (!run_one(orig, len, work, seed, i, &parsed)) {
            printf("fuzz_fdt: replay with: fuzz_fdt %s 1 %llu %llu\n", argv[1],
                   (unsigned long long)seed, i);
            return 1;
        }
        ok += parsed;
    }
    printf("fuzz_fdt: %llu iterations, seed %llu, %llu parsed ok\n", iterations,
           (unsigned long long)seed, ok);
    free(orig);
    free(work);
    return 0;
}
