/*
 * blktest: the block server's test client, started by root as a native
 * init (init=blktest CASE). Every written sector holds the pattern of
 * pattern_byte(), which test/blk/test_blk.py checks on the host in the
 * image file after QEMU exits. Prints `blktest: ok   CASE` per case and
 * exits with the number of failures.
 */
#include <stdint.h>

#include "mica/blk.h"
#include "mica/bootinfo.h"
#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/service.h"
#include "mica/spawn.h"
#include "mica/string.h"
#include "mica/sys.h"

#define BLK SERVICE_SLOT_CLIENT(SERVICE_BLK)
#define PAGE 4096
#define THREADS 8

static int failures;

#define EXPECT(cond)                                                         \
    do {                                                                     \
        if (!(cond)) {                                                       \
            debug_printf("blktest: %s:%d: failed: %s\n", __FILE__, __LINE__, \
                         #cond);                                             \
            failures++;                                                      \
        }                                                                    \
    } while (0)

/* Byte j of sector s, as test_blk.py computes it too. */
static uint8_t pattern_byte(uint64_t s, unsigned j)
{
    return (uint8_t)(s * 31 + j * 7 + 0x5a);
}

static void fill(uint8_t *buf, uint64_t sector, uint32_t count)
{
    for (uint32_t k = 0; k < count; k++)
        for (unsigned j = 0; j < BLK_SECTOR; j++)
            buf[k * BLK_SECTOR + j] = pattern_byte(sector + k, j);
}

static int check(const uint8_t *buf, uint64_t sector, uint32_t count)
{
    for (uint32_t k = 0; k < count; k++)
        for (unsigned j = 0; j < BLK_SECTOR; j++)
            if (buf[k * BLK_SECTOR + j] != pattern_byte(sector + k, j))
                return 0;
    return 1;
}

static struct blk_geometry geo;
/* Room for 64 KiB starting at any offset within a page. */
static uint8_t big[BLK_MAX_SECTORS * BLK_SECTOR + PAGE] __attribute__((aligned(PAGE)));
static uint8_t back[BLK_MAX_SECTORS * BLK_SECTOR + PAGE] __attribute__((aligned(PAGE)));

static void write_verify(uint64_t sector, uint32_t count, unsigned offset)
{
    uint8_t *w = big + offset, *r = back + offset;
    fill(w, sector, count);
    EXPECT(blk_write(BLK, sector, w, count) == 0);
    memset(r, 0, count * BLK_SECTOR);
    EXPECT(blk_read(BLK, sector, r, count) == 0);
    EXPECT(check(r, sector, count));
}

static void geometry(void)
{
    EXPECT(blk_geometry(BLK, &geo) == 0);
    EXPECT(geo.sectors > 0 && geo.block_size >= BLK_SECTOR);
    debug_printf("blktest: %lu sectors, block size %u, flags %u\n",
                 (unsigned long)geo.sectors, geo.block_size, geo.flags);
}

static void first_and_last(void)
{
    write_verify(0, 1, 0);
    write_verify(geo.sectors - 1, 1, 0);
    write_verify(geo.sectors - BLK_MAX_SECTORS, BLK_MAX_SECTORS, 0);
}

/* Buffers that start mid-page and cross several page boundaries. */
static void page_crossing(void)
{
    write_verify(1000, 9, 100);
    write_verify(2000, BLK_MAX_SECTORS, PAGE - BLK_SECTOR);
    write_verify(3000, 3, 3 * BLK_SECTOR + 7);
}

static volatile int done_threads;
static volatile int thread_failures;

static void writer(uint64_t n)
{
    static uint8_t bufs[THREADS][16 * BLK_SECTOR];
    static uint8_t reads[THREADS][16 * BLK_SECTOR];
    uint64_t base = 10000 + n * 1000;
    for (int round = 0; round < 20; round++) {
        uint64_t s = base + round * 16;
        fill(bufs[n], s, 16);
        if (blk_write(BLK, s, bufs[n], 16) != 0)
            thread_failures++;
        if (blk_read(BLK, s, reads[n], 16) != 0 || !check(reads[n], s, 16))
            thread_failures++;
    }
    __atomic_add_fetch(&done_threads, 1, __ATOMIC_SEQ_CST);
}

/* Eight clients at once: the requests are in flight together. */
static void many_in_flight(void)
{
    done_threads = thread_failures = 0;
    for (uint64_t i = 0; i < THREADS; i++)
        EXPECT(thread_spawn(MICA_SLOT_BUDGET, writer, i, 100, "writer") > 0);
    while (done_threads < THREADS)
        mica_yield();
    EXPECT(thread_failures == 0);
}

static void bad_requests(void)
{
    uint8_t *b = big;
    EXPECT(blk_read(BLK, 0, b, 0) == -EINVAL);
    EXPECT(blk_read(BLK, 0, b, BLK_MAX_SECTORS + 1) == -EINVAL);
    EXPECT(blk_read(BLK, geo.sectors, b, 1) == -ERANGE);
    EXPECT(blk_read(BLK, geo.sectors - 1, b, 2) == -ERANGE);
    EXPECT(blk_read(BLK, ~0ull, b, 1) == -ERANGE);
    EXPECT(blk_write(BLK, 0, (void *)0x7000000000ul, 1) == -EFAULT);   /* not user memory */
    EXPECT(blk_read(BLK, 5, (void *)0x100000000ul, 1) == -EFAULT);     /* unmapped */
    EXPECT(blk_read(BLK, 5, (void *)0x10000, 1) == -EFAULT);           /* read-only text */
    /* No grant at all, and a grant shorter than the request. */
    struct mica_msg m = { .info = MICA_INFO(BLK_READ, 2, 0, 0), .w = { 5, 1 } };
    EXPECT(mica_call(BLK, &m) == 0 && (long)m.w[0] == -EFAULT);
    struct mica_ipc_buffer *ib = mica_ipcbuf();
    ib->grant_base = (uint64_t)b;
    ib->grant_len = BLK_SECTOR;
    ib->grant_rights = MICA_R_WRITE;
    m = (struct mica_msg){ .info = MICA_INFO(BLK_READ, 2, 0, 1), .w = { 5, 2 } };
    EXPECT(mica_call(BLK, &m) == 0 && (long)m.w[0] == -EINVAL);
    m = (struct mica_msg){ .info = MICA_INFO(99, 0, 0, 0) };
    EXPECT(mica_call(BLK, &m) == 0 && (long)m.w[0] == -ENOSYS);
    EXPECT(blk_flush(BLK) == 0);
}

static void read_only(void)
{
    EXPECT(geo.flags & BLK_F_RO);
    EXPECT(blk_write(BLK, 0, big, 1) == -EROFS);
    EXPECT(blk_read(BLK, 0, big, 1) == 0);
}

/* Reads the sectors the host planted (io_error: the device fails them). */
static void io_error(void)
{
    EXPECT(blk_read(BLK, 0, big, 1) == 0);
    EXPECT(blk_read(BLK, 64, big, 8) == -EIO);
}

struct test_case {
    void (*fn)(void);
    const char *name;
};

static const struct test_case cases[] = {
    { first_and_last, "first_and_last" },
    { page_crossing, "page_crossing" },
    { many_in_flight, "many_in_flight" },
    { bad_requests, "bad_requests" },
    { read_only, "read_only" },
    { io_error, "io_error" },
};

int main(void *arg)
{
    (void)arg;
    const char *want = mica_args();
    geometry();
    int ran = 0;
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int all = !want[0] && i < 4;
        if (!all && strcmp(want, cases[i].name))
            continue;
        int before = failures;
        cases[i].fn();
        debug_printf("blktest: %s %s\n", failures == before ? "ok  " : "FAIL", cases[i].name);
        ran++;
    }
    EXPECT(blk_flush(BLK) == 0);
    debug_printf("blktest: %d case(s), %d failure(s)\n", ran, failures);
    return ran ? failures : 127;
}
