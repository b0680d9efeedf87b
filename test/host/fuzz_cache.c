/*
 * Fuzzer for the block cache's self-checks (servers/fs/cache.c), the way
 * `service inject fs corrupt` tries them: flip bits in the index.
 *
 *   fuzz_cache ITERATIONS SEED [FIRST]
 *
 * Each iteration runs in a child of its own: a cache of 48 blocks over a
 * memory disk of 96 runs random writes, reads, views, claims and pins (checked
 * against a model of what each block holds), flushes, and the journal's way of
 * writing (cache_dirty's records go to the disk at once), and at a random
 * moment between two of them flips 1 to 8 random bits of the
 * heap cache_heap() names. Then it flushes and compares every block of the
 * disk with the model. Two outcomes are right: the cache stops itself
 * (corrupt(): __builtin_trap, SIGILL here), or every read and every block on
 * the disk is what was written. A read or a disk block that differs, or any
 * other crash, is a failure: fs would have lost or misplaced data silently.
 *
 * Iteration i draws from its own stream (fuzz_rng.h): a failure replays
 * with ITERATIONS 1 and FIRST i.
 */
#define _DEFAULT_SOURCE

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* mica/sys.h's system calls are RISC-V ecalls and mica/runtime.h is a
 * server's start-up: the shims below stand in for what cache.c uses, and
 * the cache lives where ASan leaves room. */
#define MICA_SYS_H
#define MICA_RUNTIME_H
#include "mica/syscall.h"
void debug_printf(const char *fmt, ...);
static long mica_create(long budget, enum mica_type type, long dest, uint64_t arg);
static long mica_map(long proc, long frame, uint64_t va, unsigned rights, uint64_t page);
#define CACHE_VA   0x40000000ul
#define STAGING_VA 0x60000000ul

#include "../../servers/fs/cache.c"

#include "fuzz_rng.h"

#define BS       1024u
#define NBLOCKS  96u
#define NCACHE   48u
#define OPS      400

static uint8_t disk[NBLOCKS][BS];
static uint32_t model[NBLOCKS];     /* the stamp each block should hold */

static long mica_create(long budget, enum mica_type type, long dest, uint64_t arg)
{
    (void)budget, (void)type, (void)dest, (void)arg;
    return 0;
}

static long mica_map(long proc, long frame, uint64_t va, unsigned rights, uint64_t page)
{
    (void)proc, (void)frame, (void)rights, (void)page;
    void *p = mmap((void *)va, PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    return p == (void *)va ? 0 : -ENOMEM;
}

long slot_alloc(void)
{
    return 1;
}

void slot_free(long slot)
{
    (void)slot;
}

void debug_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

/* The disk: blk's requests go to memory. */
static long disk_io(uint64_t sector, void *buf, uint32_t count, bool write)
{
    uint64_t off = sector * BLK_SECTOR, len = (uint64_t)count * BLK_SECTOR;
    if (off + len > sizeof disk)
        return -ERANGE;
    if (write)
        memcpy((uint8_t *)disk + off, buf, len);
    else
        memcpy(buf, (uint8_t *)disk + off, len);
    return 0;
}

long blk_read(long ep, uint64_t sector, void *buf, uint32_t count)
{
    (void)ep;
    return disk_io(sector, buf, count, false);
}

long blk_write(long ep, uint64_t sector, const void *buf, uint32_t count)
{
    (void)ep;
    return disk_io(sector, (void *)buf, count, true);
}

/* A block's contents: its number and the n-th write's stamp, repeated. */
static void stamp(uint8_t *buf, uint32_t block, uint32_t n)
{
    for (uint32_t i = 0; i < BS; i += 8) {
        memcpy(buf + i, &block, 4);
        memcpy(buf + i + 4, &n, 4);
    }
}

static bool holds(const uint8_t *buf, uint32_t block, uint32_t n)
{
    uint8_t want[BS];
    stamp(want, block, n);
    return memcmp(buf, want, BS) == 0;
}

static void flip_bits(void)
{
    void *heap;
    uint64_t len;
    cache_heap(&heap, &len);
    for (uint64_t n = 1 + below(8); n > 0; n--) {
        uint64_t bit = below(len * 8);
        ((uint8_t *)heap)[bit / 8] ^= (uint8_t)(1u << bit % 8);
        if (getenv("FUZZ_CACHE_VERBOSE")) printf("flip byte %lu bit %lu (len %lu)\n", (unsigned long)(bit / 8), (unsigned long)(bit % 8), (unsigned long)len);
    }
}

/* One iteration, in the child: 0 when every block is right. */
static int run(void)
{
    static uint8_t buf[BS], copy[NCACHE * (BS + sizeof(struct log_record))];
    static uint8_t *pinned[CACHE_PINS];
    static uint32_t pinned_block[CACHE_PINS];
    unsigned npinned = 0;
    for (uint32_t b = 0; b < NBLOCKS; b++)
        stamp(disk[b], b, model[b] = 0);
    if (cache_init(1, BS, NCACHE))
        return 2;
    int flip_at = (int)below(OPS);
    for (int op = 0; op < OPS; op++) {
        if (op == flip_at)
            flip_bits();
        uint32_t b = (uint32_t)below(NBLOCKS);
        uint64_t kind = below(15);
        if ((kind == 9 || kind == 10) && nviews >= CACHE_VIEWS)
            cache_views_forget();  /* as fs does, CACHE_VIEWS at a time */
        if (getenv("FUZZ_CACHE_VERBOSE"))
            printf("op %d kind %lu block %u\n", op, (unsigned long)kind, b);
        switch (kind) {
        case 0:
            cache_flush();
            break;
        case 1: {
            /* The journal's way: the records of what changed go to the
             * disk at once (as a replay would put them). */
            uint64_t n = cache_dirty(copy, sizeof copy);
            for (uint64_t at = 0; n <= sizeof copy && at < n;) {
                struct log_record r;
                memcpy(&r, copy + at, sizeof r);
                if (r.block >= NBLOCKS || r.off + r.len > BS) {
                    printf("op %d: a record of block %lu past the disk\n", op,
                           (unsigned long)r.block);
                    return 1;
                }
                memcpy(disk[r.block] + r.off, copy + at + sizeof r, r.len);
                at += sizeof r + ((r.len + 7) & ~7u);
            }
            break;
        }
        case 5: {
            const uint8_t *v = cache_view(0, b);
            if (!v || !holds(v, b, model[b])) {
                printf("op %d: block %u viewed wrong\n", op, b);
                return 1;
            }
            break;
        }
        case 9:
        case 10: {
            /* A write's claim, filled in place (9), or whose copy failed
             * before it began (10): the block then holds what it held. */
            uint8_t *v = cache_claim(0, b);
            if (!v) {
                printf("op %d: claiming block %u fails\n", op, b);
                return 1;
            }
            if (kind == 9)
                stamp(v, b, ++model[b]);
            else
                cache_claim_failed(v);
            break;
        }
        case 11:
            cache_views_forget();
            break;
        case 12: {
            /* A slot of the ext2 core pins a block (whole: a new one). */
            bool whole = below(2);
            uint8_t *v = npinned < CACHE_PINS ? cache_pin(0, b, whole) : NULL;
            if (npinned < CACHE_PINS && !v) {
                printf("op %d: pinning block %u fails\n", op, b);
                return 1;
            }
            if (v) {
                pinned[npinned] = v;
                pinned_block[npinned++] = b;
                if (whole)
                    stamp(v, b, ++model[b]);
            }
            break;
        }
        case 13:
            if (npinned) {
                unsigned i = (unsigned)below(npinned);
                cache_unpin(0, pinned_block[i]);
                pinned[i] = pinned[--npinned];
                pinned_block[i] = pinned_block[npinned];
            }
            break;
        case 14:
            /* A change in place of a pinned block, marked. */
            if (npinned) {
                unsigned i = (unsigned)below(npinned);
                uint32_t pb = pinned_block[i];
                stamp(pinned[i], pb, ++model[pb]);
                if (cache_mark(0, pb, 0, BS)) {
                    printf("op %d: marking block %u fails\n", op, pb);
                    return 1;
                }
            }
            break;
        case 2:
        case 3:
        case 4:
            stamp(buf, b, ++model[b]);
            if (cache_write(0, b, buf)) {
                printf("op %d: writing block %u fails\n", op, b);
                return 1;
            }
            break;
        default:
            if (cache_read(0, b, buf)) {
                printf("op %d: reading block %u fails\n", op, b);
                return 1;
            }
            if (!holds(buf, b, model[b])) {
                printf("op %d: block %u reads back wrong\n", op, b);
                return 1;
            }
        }
    }
    cache_flush();
    for (uint32_t b = 0; b < NBLOCKS; b++) {
        if (!holds(disk[b], b, model[b])) {
            printf("block %u is wrong on the disk\n", b);
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: fuzz_cache ITERATIONS SEED [FIRST]\n");
        return 2;
    }
    uint64_t iterations = strtoull(argv[1], 0, 0), seed = strtoull(argv[2], 0, 0);
    uint64_t first = argc > 3 ? strtoull(argv[3], 0, 0) : 0;
    unsigned long caught = 0, harmless = 0;
    for (uint64_t i = first; i < first + iterations; i++) {
        seed_iteration(seed, i);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            /* corrupt()'s own message is expected; keep the output short. */
            if (!freopen("/dev/null", "w", stderr))
                _exit(2);
            int r = run();
            fflush(stdout);
            _exit(r);
        }
        int status;
        if (pid < 0 || waitpid(pid, &status, 0) != pid) {
            perror("fuzz_cache");
            return 2;
        }
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGILL) {
            caught++;
        } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            harmless++;
        } else {
            fprintf(stderr, "fuzz_cache: iteration %lu fails (%s %d); replay: fuzz_cache 1 %lu %lu\n",
                    (unsigned long)i, WIFSIGNALED(status) ? "signal" : "exit",
                    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
                    (unsigned long)seed, (unsigned long)i);
            return 1;
        }
    }
    printf("fuzz_cache: %lu iterations: %lu flips caught, %lu harmless\n",
           (unsigned long)iterations, caught, harmless);
    return 0;
}
