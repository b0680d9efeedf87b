/*
 * The journal: what makes a request all-or-nothing on the disk, and
 * applied exactly once, however often fs dies.
 *
 * It lives in the state frame root keeps across fs's incarnations
 * (mica/service.h), not on the disk: it must survive fs, not a power
 * failure. At the end of a request that changed blocks, fs copies them
 * here with the request's answer, marks the record committed, writes the
 * blocks to blk, then files the answer and clears the mark. A new
 * incarnation finding the mark set writes the blocks again (writing a
 * block twice is harmless) before it mounts, so the disk never holds half
 * a request. Each client's last non-idempotent answer is kept, so a retry
 * of a request that was applied gets its answer without running again
 * (the request id is in fs_name.reqid; see mica/fs.h).
 */
#include "fs.h"

#include "mica/blk.h"
#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/string.h"

#define JOURNAL_MAGIC 0x6c6e72756f6a736dull   /* "msjournl" */
#define PAGE 4096ul
#define MAX_BLOCKS 256

struct answer {
    uint32_t reqid;          /* 0: none */
    uint32_t pad;
    int64_t result;
    uint64_t w[3];
};

struct journal {
    struct service_state head;     /* root's part */
    uint64_t magic;
    uint32_t committed;            /* blocks[] and the data are to be written */
    uint32_t nblocks;
    uint32_t client;               /* whose answer `pending` is */
    uint32_t pad;
    struct answer pending;
    struct answer answers[SERVICES];   /* by client badge */
    uint64_t blocks[MAX_BLOCKS];
};

_Static_assert(sizeof(struct journal) <= PAGE, "the journal's record fits its page");

static struct journal *j;
static uint8_t *jdata;           /* from the frame's second page */
static uint64_t capacity;        /* blocks */
static uint32_t block_size;
static long blk_ep;
static uint32_t reqid;           /* of the request being served, or 0 */

static bool once_only(uint64_t label)
{
    return label == FS_CREATE || label == FS_MKDIR || label == FS_SYMLINK ||
           label == FS_LINK || label == FS_UNLINK || label == FS_RMDIR || label == FS_RENAME;
}

static void file_answer(void)
{
    if (j->pending.reqid && j->client < SERVICES)
        j->answers[j->client] = j->pending;
    j->pending.reqid = 0;
}

/* Writes a committed record's blocks, from the record itself: they are
 * sorted, so consecutive ones go in one blk request. 0 or -EIO. */
static int replay(long blk)
{
    uint32_t spb = block_size / BLK_SECTOR, n;
    for (uint32_t i = 0; i < j->nblocks; i += n) {
        for (n = 1; i + n < j->nblocks && j->blocks[i + n] == j->blocks[i] + n &&
                    (n + 1) * spb <= BLK_MAX_SECTORS; n++)
            ;
        if (blk_write(blk, j->blocks[i] * spb, jdata + (uint64_t)i * block_size, n * spb))
            return -EIO;
    }
    return 0;
}

int journal_init(long blk, uint32_t bs)
{
    struct service_state *st = service_state();
    block_size = bs;
    blk_ep = blk;
    if (!st || st->pages < 2) {
        debug_printf("fs: no state frame: a restart may lose a request\n");
        return 0;
    }
    j = (struct journal *)st;
    jdata = (uint8_t *)st + PAGE;
    capacity = (st->pages - 1) * PAGE / bs;
    if (capacity > MAX_BLOCKS)
        capacity = MAX_BLOCKS;
    if (j->magic != JOURNAL_MAGIC) {
        memset((char *)j + sizeof j->head, 0, sizeof *j - sizeof j->head);
        j->magic = JOURNAL_MAGIC;
        return 0;
    }
    if (!j->committed)
        return 0;
    debug_printf("fs: finishing a request of the previous incarnation (%u blocks)\n",
                 j->nblocks);
    if (replay(blk))
        return -EIO;
    file_answer();
    j->committed = 0;
    return 0;
}

/* A retry of a request already applied: its recorded answer. */
bool journal_before(struct request *r, long *result)
{
    reqid = 0;
    if (!j || !once_only(r->label) || r->len < FS_ARG_WORD + FS_WORDS(struct fs_name))
        return false;
    reqid = ((const struct fs_name *)&r->mr[FS_ARG_WORD])->reqid;
    if (r->badge >= SERVICES || !reqid)
        return reqid = 0, false;
    const struct answer *a = &j->answers[r->badge];
    if (a->reqid != reqid)
        return false;
    debug_printf("fs: request %u of client %lu was applied before fs died: its answer "
                 "comes from the journal\n", reqid, (unsigned long)r->badge);
    *result = a->result;
    for (int i = 0; i < 3; i++)
        r->reply[i + 1] = a->w[i];
    reqid = 0;
    return true;
}

/* After the handler: the request's blocks reach the disk as one. */
void journal_after(struct request *r)
{
    if (ext2_slots_flush(fs_ext2))       /* each operation did; be sure */
        debug_printf("fs: cannot write the ext2 core's blocks to the cache\n");
    if (!j) {
        cache_flush();
        return;
    }
    if (j->committed && replay(blk_ep) == 0)   /* an earlier write failed */
        j->committed = 0;
    if (j->committed)
        return;                                /* the disk is failing: keep it */
    j->client = (uint32_t)r->badge;
    j->pending = (struct answer){ reqid, 0, (int64_t)r->reply[0],
                                  { r->reply[1], r->reply[2], r->reply[3] } };
    uint64_t n = cache_dirty(j->blocks, jdata, capacity);
    if (n > capacity) {
        /* Cannot happen with fs's requests; if it does, be loud. */
        debug_printf("fs: a request changed %lu blocks, more than the journal's %lu\n",
                     (unsigned long)n, (unsigned long)capacity);
        cache_flush();
        file_answer();
        return;
    }
    if (n == 0) {
        file_answer();
        return;
    }
    j->nblocks = (uint32_t)n;
    __atomic_store_n(&j->committed, 1, __ATOMIC_RELEASE);
    if (replay(blk_ep)) {
        debug_printf("fs: cannot write a request's blocks; the next incarnation retries\n");
        return;
    }
    cache_clean();
    file_answer();
    __atomic_store_n(&j->committed, 0, __ATOMIC_RELEASE);
}
