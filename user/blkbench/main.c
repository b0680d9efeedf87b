/*
 * blkbench: sequential I/O through the block server, started by root as a
 * native init (init=blkbench) under QEMU with -icount shift=0. Prints
 * `name value unit` lines: guest instructions per KiB and MiB/s of guest
 * time, for one request at a time and for 8 in flight.
 */
#include <stdint.h>

#include "mica/blk.h"
#include "mica/runtime.h"
#include "mica/service.h"
#include "mica/spawn.h"
#include "mica/sys.h"

#define BLK SERVICE_SLOT_CLIENT(SERVICE_BLK)
#define TOTAL (8ul << 20)            /* bytes per figure */
#define STREAMS 8

static uint8_t bufs[STREAMS][BLK_MAX_SECTORS * BLK_SECTOR] __attribute__((aligned(4096)));

struct stream {
    int write;
    uint32_t sectors;                /* per request */
    uint64_t first, count;           /* requests */
    int n;
};

static volatile int finished;
static volatile long errors;
static long done_ntfn;               /* a stream signals it when it ends */

static void run_stream(uint64_t arg)
{
    struct stream *s = (struct stream *)arg;
    for (uint64_t i = 0; i < s->count; i++) {
        uint64_t sector = (s->first + i) * s->sectors;
        long r = s->write ? blk_write(BLK, sector, bufs[s->n], s->sectors)
                          : blk_read(BLK, sector, bufs[s->n], s->sectors);
        if (r)
            errors++;
    }
    __atomic_add_fetch(&finished, 1, __ATOMIC_SEQ_CST);
    mica_signal(done_ntfn);
}

static void report(const char *name, uint64_t instret, uint64_t ticks)
{
    uint64_t kib = TOTAL / 1024;
    /* MiB/s = (TOTAL / 2^20) / (ticks / freq), in hundredths. */
    uint64_t centi = ticks ? (TOTAL >> 20) * mica_timebase_freq * 100 / ticks : 0;
    debug_printf("%s %lu instructions/KiB\n", name, (unsigned long)(instret / kib));
    debug_printf("%s_rate %lu.%02lu MiB/s\n", name, (unsigned long)(centi / 100),
                 (unsigned long)(centi % 100));
}

static void bench(const char *name, int write, uint32_t sectors, int streams)
{
    static struct stream st[STREAMS];
    uint64_t per_req = sectors * BLK_SECTOR;
    uint64_t reqs = TOTAL / per_req / streams;
    finished = 0;
    uint64_t i0 = mica_instret(), t0 = mica_time();
    if (streams == 1) {
        st[0] = (struct stream){ write, sectors, 0, reqs, 0 };
        run_stream((uint64_t)&st[0]);
    } else {
        for (int k = 0; k < streams; k++) {
            st[k] = (struct stream){ write, sectors, k * reqs, reqs, k };
            thread_spawn(MICA_SLOT_BUDGET, run_stream, (uint64_t)&st[k], 100, "stream");
        }
        /* Wait without spinning, so only the I/O path is counted. */
        while (finished < streams)
            mica_wait(done_ntfn);
    }
    report(name, mica_instret() - i0, mica_time() - t0);
}

int main(void *arg)
{
    (void)arg;
    struct blk_geometry g;
    if (blk_geometry(BLK, &g) || g.sectors * BLK_SECTOR < TOTAL) {
        debug_printf("blkbench: need a disk of at least %lu MiB\n", TOTAL >> 20);
        return 1;
    }
    done_ntfn = slot_alloc();
    if (mica_create(MICA_SLOT_BUDGET, MICA_OBJ_NOTIFICATION, done_ntfn, 0))
        return 1;
    bench("blk_seq_write_4k", 1, 8, 1);
    bench("blk_seq_read_4k", 0, 8, 1);
    bench("blk_seq_read_64k", 0, 128, 1);
    bench("blk_seq_write_4k_x8", 1, 8, STREAMS);
    bench("blk_seq_read_4k_x8", 0, 8, STREAMS);
    bench("blk_seq_read_64k_x8", 0, 128, STREAMS);
    debug_printf("blkbench: done, %ld errors\n", errors);
    return errors != 0;
}
