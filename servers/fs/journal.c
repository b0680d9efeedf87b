/*
 * The journal: what makes a request all-or-nothing on the disk, applied
 * exactly once however often fs dies, and what lets fs answer a request
 * before the disk has its blocks.
 *
 * It lives in the state frame root keeps across fs's incarnations
 * (mica/service.h), not on the disk: it must survive fs, not a power
 * failure. (As with Linux's page cache, what was not synced may go with
 * the power; fsync and sync put it on the disk.)
 *
 * It is a log of bytes changed. At the end of a request that changed
 * blocks, fs appends a record of each block it changed (the bytes from its
 * first change to its last: an inode, a bitmap's byte, a directory entry,
 * a whole block of file data) and notes the request's answer; moving
 * `logged` past the records is the one store that commits the request,
 * which is then answered. The blocks stay dirty in the cache, and reach
 * the disk at a checkpoint: before a request once the log is three
 * quarters full, and on FS_SYNC, the cache writes its dirty blocks and the
 * log starts again. A new incarnation applies the records it finds, in
 * order, to the blocks as the disk has them, and writes them before it
 * mounts: a record holds the new bytes, not a change to them, so applying
 * the log again over blocks a cut-short checkpoint already wrote gives
 * the same blocks. The disk never holds half a request and nothing
 * acknowledged is lost. Each client's last non-idempotent answer is kept,
 * so a retry of a request that was applied gets its answer without running
 * again (the request id is in fs_name.reqid; see mica/fs.h).
 */
#include "fs.h"

#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/string.h"

#define JOURNAL_MAGIC 0x33306c6e72736a6dull   /* "mjsrnl03": the log of records */
#define PAGE 4096ul

struct answer {
    uint32_t reqid;          /* 0: none */
    uint32_t pad;
    int64_t result;
    uint64_t w[3];
};

struct journal {
    struct service_state head;     /* root's part */
    uint64_t magic;
    uint32_t logged;               /* bytes of records: the committed
                                      requests' changes, oldest first */
    uint32_t pending_at;           /* `pending` is filed once logged reaches it */
    uint32_t client;               /* whose answer `pending` is */
    uint32_t pad;
    struct answer pending;
    struct answer answers[SERVICES];   /* by client badge */
};

_Static_assert(sizeof(struct journal) <= PAGE, "the journal's record fits its page");

static struct journal *j;
static uint8_t *jdata;           /* the records, from the frame's second page */
static uint64_t capacity;        /* bytes */
static uint32_t block_size;
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

/* Applies the log's records, in order, to the blocks through the cache
 * (which reads what it does not hold), and writes them: 0, or -EIO if the
 * disk fails or a record is not one fs wrote. */
static int replay(void)
{
    for (uint64_t at = 0; at < j->logged;) {
        struct log_record r;
        if (j->logged - at < sizeof r)
            return -EIO;
        memcpy(&r, jdata + at, sizeof r);
        uint64_t size = sizeof r + ((r.len + 7ull) & ~7ull);
        if (r.off > block_size || r.len > block_size - r.off || size > j->logged - at)
            return -EIO;
        uint8_t *p = cache_pin(0, r.block, r.off == 0 && r.len == block_size);
        if (!p)
            return -EIO;
        memcpy(p + r.off, jdata + at + sizeof r, r.len);
        int err = cache_mark(0, r.block, r.off, r.len);
        cache_unpin(0, r.block);
        if (err)
            return -EIO;
        at += size;
    }
    return cache_flush();
}

int journal_init(uint32_t bs)
{
    struct service_state *st = service_state();
    block_size = bs;
    if (!st || st->pages < 2) {
        debug_printf("fs: no state frame: a restart may lose a request\n");
        return 0;
    }
    j = (struct journal *)st;
    jdata = (uint8_t *)st + PAGE;
    capacity = (st->pages - 1) * PAGE;
    if (capacity > UINT32_MAX)
        capacity = UINT32_MAX;
    if (j->magic != JOURNAL_MAGIC) {
        memset((char *)j + sizeof j->head, 0, sizeof *j - sizeof j->head);
        j->magic = JOURNAL_MAGIC;
        return 0;
    }
    if (j->logged > capacity)
        return -EIO;
    if (j->logged) {
        debug_printf("fs: applying the %u bytes of records the previous incarnation logged\n",
                     j->logged);
        if (replay())
            return -EIO;
    }
    if (j->pending_at && j->logged >= j->pending_at)
        file_answer();
    j->pending.reqid = 0;
    j->pending_at = 0;
    j->logged = 0;
    return 0;
}

int journal_checkpoint(void)
{
    /* The superblock's free counts go with the blocks (ext2.c keeps them). */
    if (ext2_sync(fs_ext2) || cache_flush())
        return -EIO;
    /* Between requests, every dirty block holds committed bytes only. */
    if (j)
        __atomic_store_n(&j->logged, 0, __ATOMIC_RELEASE);
    return 0;
}

/* A retry of a request already applied: its recorded answer. */
bool journal_before(struct request *r, long *result)
{
    reqid = 0;
    /* Room for this request's blocks, made while nothing is uncommitted. */
    if (j && j->logged > capacity * 3 / 4 && journal_checkpoint())
        debug_printf("fs: cannot write the logged blocks; the log stays\n");
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

/* Appends what the request changed to the log; its bytes, or more than
 * room if it does not fit. */
static uint64_t append(void)
{
    return cache_dirty(jdata + j->logged, capacity - j->logged);
}

/* After the handler: the request's blocks are committed as one. */
void journal_after(struct request *r)
{
    if (ext2_slots_flush(fs_ext2))       /* each operation did; be sure */
        debug_printf("fs: cannot write the ext2 core's blocks to the cache\n");
    if (!j) {
        cache_flush();
        return;
    }
    j->client = (uint32_t)r->badge;
    j->pending = (struct answer){ reqid, 0, (int64_t)r->reply[0],
                                  { r->reply[1], r->reply[2], r->reply[3] } };
    uint64_t n = append();
    if (n > capacity - j->logged) {
        /* A request changing more than the quarter of the log
         * journal_before leaves: not one of fs's (the disk failing aside).
         * Be loud: its blocks go to the disk unlogged, with the logged. */
        debug_printf("fs: a request changed %lu bytes, more than the log's %lu left\n",
                     (unsigned long)n, (unsigned long)(capacity - j->logged));
        if (journal_checkpoint() == 0)
            file_answer();
        return;
    }
    j->pending_at = j->logged + (uint32_t)n;
    __atomic_store_n(&j->logged, j->logged + (uint32_t)n, __ATOMIC_RELEASE);
    file_answer();
    j->pending_at = 0;
}
