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
 * It is a log. At the end of a request that changed blocks, fs appends
 * copies of the blocks it changed and notes the request's answer; moving
 * `logged` past the copies is the one store that commits the request,
 * which is then answered. The blocks stay dirty in the cache, and reach
 * the disk at a checkpoint: before a request once the log is three
 * quarters full, and on FS_SYNC, the newest copy of each logged block goes
 * to the disk, the cache marks them clean and the log starts again. A new
 * incarnation does the same with the log it finds before it mounts (a
 * checkpoint cut short by fs's death is done again whole), so the disk
 * never holds half a request and nothing acknowledged is lost. Each
 * client's last non-idempotent answer is kept, so a retry of a request
 * that was applied gets its answer without running again (the request id
 * is in fs_name.reqid; see mica/fs.h).
 */
#include "fs.h"

#include "mica/blk.h"
#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/string.h"

#define JOURNAL_MAGIC 0x32306c6e72736a6dull   /* "mjsrnl02": the log */
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
    uint32_t logged;               /* blocks[0, logged) and their copies: the
                                      committed requests' blocks, oldest first */
    uint32_t pending_at;           /* `pending` is filed once logged reaches it */
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

/* Where the newest copy of each logged block is: open addressing on the
 * block number, an index into the log plus one. */
#define NEWEST_SLOTS (2 * MAX_BLOCKS)
static uint16_t newest[NEWEST_SLOTS];

static uint16_t *newest_slot(uint64_t block)
{
    uint32_t h = (uint32_t)(block * 0x9e3779b97f4a7c15ull >> 40) % NEWEST_SLOTS;
    while (newest[h] && j->blocks[newest[h] - 1] != block)
        h = (h + 1) % NEWEST_SLOTS;
    return &newest[h];
}

static bool is_newest(uint32_t i)
{
    return *newest_slot(j->blocks[i]) == i + 1;
}

/* Writes the log to the disk: each block once, its newest copy (a bitmap
 * logged by every request of a batch goes to the disk once), consecutive
 * blocks lying together in the log in one blk request. 0 or -EIO. */
static int replay(long blk)
{
    uint32_t spb = block_size / BLK_SECTOR, n;
    memset(newest, 0, sizeof newest);
    for (uint32_t i = 0; i < j->logged; i++)
        *newest_slot(j->blocks[i]) = (uint16_t)(i + 1);
    for (uint32_t i = 0; i < j->logged; i += n) {
        n = 1;
        if (!is_newest(i))
            continue;
        while (i + n < j->logged && j->blocks[i + n] == j->blocks[i] + n && is_newest(i + n) &&
               (n + 1) * spb <= BLK_MAX_SECTORS)
            n++;
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
    if (j->logged > capacity)
        return -EIO;
    if (j->logged) {
        debug_printf("fs: writing the %u blocks the previous incarnation logged\n", j->logged);
        if (replay(blk))
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
    if (ext2_sync(fs_ext2))
        return -EIO;
    if (j) {
        if (replay(blk_ep))
            return -EIO;
        cache_clean_logged();
        __atomic_store_n(&j->logged, 0, __ATOMIC_RELEASE);
    }
    /* What is dirty and not logged: the superblock just stamped (one
     * block, with the committed counts). */
    return cache_flush();
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

/* Appends what the request changed to the log; the count, or more than
 * room if it does not fit. */
static uint64_t append(void)
{
    uint64_t room = capacity - j->logged;
    return cache_dirty(j->blocks + j->logged, jdata + j->logged * (uint64_t)block_size, room);
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
    if (n > capacity - j->logged && replay(blk_ep) == 0) {
        /* The log is on the disk now (it holds committed requests only):
         * it starts again, with this request. */
        cache_clean_logged();
        __atomic_store_n(&j->logged, 0, __ATOMIC_RELEASE);
        n = append();
    }
    if (n > capacity - j->logged) {
        /* Cannot happen with fs's requests (the disk failing aside); if it
         * does, be loud: the blocks go to the disk unlogged. */
        debug_printf("fs: a request changed %lu blocks, more than the log's %lu left\n",
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
