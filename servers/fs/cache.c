/*
 * The block cache: a fixed set of block buffers (as many as fs's budget
 * allows), found by a hash of the block number, replaced least recently
 * used first (a doubly linked LRU list: O(1) per access). A miss right
 * after a miss on the previous block reads ahead up to READ_AHEAD blocks in
 * one blk request. Dirty blocks are kept on a list and written, sorted, in
 * runs of consecutive blocks by cache_flush().
 *
 * The index (entries, buckets, the dirty lists) is the heap root may
 * corrupt on purpose (service inject fs corrupt). Each entry carries a
 * check word over all its fields, and each pointer of the bucket and dirty
 * arrays one of its own; each is checked where it is used. A mismatch
 * stops fs with a breakpoint, so it is restarted instead of writing a
 * block where it does not belong, finding a block twice or forgetting a
 * dirty one (each of which a flipped pointer alone once did).
 */
#include "fs.h"

#include "mica/blk.h"
#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/spawn.h"
#include "mica/string.h"
#include "mica/sys.h"

#ifndef CACHE_VA                  /* the host fuzzer puts them elsewhere */
#define CACHE_VA   0x40000000ul
#define STAGING_VA 0x3ff0000000ul
#endif
#define READ_AHEAD 16            /* at most 32: fill() keeps a bit per block */
#define PAGE 4096ul
#define NO_BLOCK UINT64_MAX

enum { CLEAN, DIRTY, LOGGED };

/* An entry of the index. check seals all its other fields: an entry is
 * checked (valid()) before any of its fields is used, and resealed after
 * every change, so a flipped bit anywhere in it is caught. */
struct entry {
    uint64_t block;
    struct entry *hash_next;
    struct entry *lru_prev;    /* towards the most recently used */
    struct entry *lru_next;
    uint64_t dirty;            /* CLEAN, DIRTY, or LOGGED: dirty, and the journal
                                  holds what it holds now */
    uint64_t moved;            /* `moves` when it last went to the front */
    uint64_t range;            /* DIRTY: the bytes changed since logged, lo | hi << 32 */
    uint64_t check;            /* seal() */
};

/* A pointer in the bucket and dirty arrays, with a check of its own: a
 * flipped pointer could otherwise lead to another good entry (a block
 * found twice, or a dirty block never written). */
struct ref {
    struct entry *e;
    uint64_t check;            /* ref_seal(e) */
};

static long blk_ep;
static uint32_t bs, sectors_per_block;
static uint64_t nentries;
static struct entry *entries;
static struct entry *mru, *lru;        /* the ends of the LRU list */
static uint64_t moves;                 /* entries moved to the front so far */
static struct ref *dirty;              /* dirty entries, in no order */
static uint64_t ndirty;
static struct ref *fresh;              /* the DIRTY ones (not logged), in no order */
static uint64_t nfresh;
static struct ref *buckets;
static uint64_t nbuckets;
static uint8_t *data;          /* nentries blocks */
static uint64_t mapped_bytes;  /* data[0, mapped_bytes) is mapped */
static uint8_t *staging;       /* READ_AHEAD blocks */
static uint64_t last_miss = NO_BLOCK;

static uint64_t mix(uint64_t h, uint64_t v)
{
    return (h ^ v) * 0x9e3779b97f4a7c15ull;
}

static uint64_t seal(const struct entry *e)
{
    uint64_t h = mix(0x5bd1e995, e->block);
    h = mix(h, (uint64_t)e->hash_next);
    h = mix(h, (uint64_t)e->lru_prev);
    h = mix(h, (uint64_t)e->lru_next);
    h = mix(h, e->dirty);
    h = mix(h, e->moved);
    h = mix(h, e->range);
    return h ^ h >> 31;
}

static void reseal(struct entry *e)
{
    e->check = seal(e);
}

static uint64_t ref_seal(const struct entry *e)
{
    return (uint64_t)e * 0xbf58476d1ce4e5b9ull + 0x94d049bb133111ebull;
}

/* The index is not what fs wrote: stop before using it. */
static void corrupt(void)
{
    debug_printf("fs: block cache index corrupt\n");
    __builtin_trap();
}

/* e, about to be used: a sealed entry of the array (or NULL). */
static struct entry *valid(struct entry *e)
{
    if (!e)
        return e;
    uint64_t off = (uint64_t)((uintptr_t)e - (uintptr_t)entries);
    if (off >= nentries * sizeof *e || off % sizeof *e || e->check != seal(e))
        corrupt();
    return e;
}

/* ... and one that cannot be NULL. */
static struct entry *must(struct entry *e)
{
    if (!e)
        corrupt();
    return valid(e);
}

static struct entry *ref_get(const struct ref *r)
{
    if (r->check != ref_seal(r->e))
        corrupt();
    return valid(r->e);
}

static void ref_set(struct ref *r, struct entry *e)
{
    r->e = e;
    r->check = ref_seal(e);
}

static long map_memory(uint64_t va, uint64_t bytes)
{
    uint64_t pages = (bytes + PAGE - 1) / PAGE;
    for (uint64_t done = 0; done < pages;) {
        uint64_t n = pages - done > MICA_MAX_FRAME_PAGES ? MICA_MAX_FRAME_PAGES : pages - done;
        long f = slot_alloc();
        long err = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_FRAME, f, n);
        for (uint64_t i = 0; !err && i < n; i++)
            err = mica_map(MICA_SLOT_SELF, f, va + (done + i) * PAGE, MICA_R_READ | MICA_R_WRITE, i);
        slot_free(f);
        if (err)
            return err;
        done += n;
    }
    return 0;
}

int cache_init(long blk, uint32_t block_size, uint64_t max_blocks)
{
    blk_ep = blk;
    bs = block_size;
    sectors_per_block = bs / BLK_SECTOR;
    nentries = max_blocks;
    nbuckets = nentries * 2;
    uint64_t meta = nentries * sizeof(struct entry) + nbuckets * sizeof(struct ref) +
                    2 * nentries * sizeof(struct ref);
    meta = (meta + PAGE - 1) & ~(PAGE - 1);
    /* The blocks' memory is mapped as the cache fills (backed()), so a
     * new incarnation starts without mapping and zeroing all of it. */
    if (map_memory(CACHE_VA, meta) || map_memory(STAGING_VA, READ_AHEAD * (uint64_t)bs))
        return -ENOMEM;
    mapped_bytes = 0;
    entries = (struct entry *)CACHE_VA;
    buckets = (struct ref *)(entries + nentries);
    dirty = buckets + nbuckets;
    fresh = dirty + nentries;
    data = (uint8_t *)(CACHE_VA + meta);
    staging = (uint8_t *)STAGING_VA;
    for (uint64_t i = 0; i < nentries; i++) {
        entries[i].block = NO_BLOCK;
        entries[i].lru_prev = i + 1 < nentries ? &entries[i + 1] : NULL;
        entries[i].lru_next = i ? &entries[i - 1] : NULL;
        reseal(&entries[i]);
    }
    for (uint64_t i = 0; i < nbuckets; i++)
        ref_set(&buckets[i], NULL);
    mru = &entries[nentries - 1];
    lru = &entries[0];
    return 0;
}

/* Moves e (checked) to the most recently used end. */
static void to_front(struct entry *e)
{
    if (e == mru)
        return;
    struct entry *prev = must(e->lru_prev), *next = valid(e->lru_next);
    prev->lru_next = next;
    reseal(prev);
    if (next) {
        next->lru_prev = prev;
        reseal(next);
    } else {
        lru = prev;
    }
    struct entry *old = must(mru);
    e->lru_prev = NULL;
    e->lru_next = old;
    e->moved = ++moves;
    reseal(e);
    old->lru_prev = e;
    reseal(old);
    mru = e;
}

/* A use of e: to the front, unless it is still in the most recent three
 * quarters of the list. Then it is far from eviction, and a hot block (a
 * bitmap, a file read again and again, a file just written read back)
 * costs no relinking, as Linux's active list leaves its pages where they
 * are. A block in use survives as long as it is used once while three
 * quarters of the cache's entries are moved to the front. */
static void touch(struct entry *e)
{
    if (moves - e->moved >= nentries - nentries / 4)
        to_front(e);
}

/* Takes e off one of the lists of entries (dirty, fresh). */
static void unlist(struct ref *list, uint64_t *n, struct entry *e)
{
    for (uint64_t i = 0; i < *n; i++) {
        if (ref_get(&list[i]) == e) {
            list[i] = list[--*n];
            return;
        }
    }
    corrupt();                 /* its state says it is on the list */
}

/* e changed, len bytes at off: dirty, and the bytes the journal logs
 * reach from its first change since logged to its last. */
static void mark_range(struct entry *e, uint32_t off, uint32_t len)
{
    uint64_t lo = off, hi = (uint64_t)off + len;
    if (e->dirty == DIRTY) {
        uint64_t was_lo = e->range & 0xffffffff, was_hi = e->range >> 32;
        lo = lo < was_lo ? lo : was_lo;
        hi = hi > was_hi ? hi : was_hi;
    } else {
        if (e->dirty == CLEAN)
            ref_set(&dirty[ndirty++], e);
        ref_set(&fresh[nfresh++], e);
        e->dirty = DIRTY;
    }
    e->range = lo | hi << 32;
    reseal(e);
}

static void mark_dirty(struct entry *e)
{
    mark_range(e, 0, bs);
}

static void mark_clean(struct entry *e)
{
    if (e->dirty == CLEAN)
        return;
    if (e->dirty == DIRTY)
        unlist(fresh, &nfresh, e);
    unlist(dirty, &ndirty, e);
    e->dirty = CLEAN;
    reseal(e);
}

static uint8_t *data_of(const struct entry *e)
{
    return data + (uint64_t)(e - entries) * bs;
}

static struct ref *bucket(uint64_t block)
{
    return &buckets[(block * 0x9e3779b97f4a7c15ull >> 20) % nbuckets];
}

static struct entry *find(uint64_t block)
{
    struct ref *b = bucket(block);
    for (struct entry *e = ref_get(b); e; e = valid(e->hash_next)) {
        if (bucket(e->block) != b)
            corrupt();
        if (e->block == block)
            return e;
    }
    return NULL;
}

static void unhash(struct entry *e)
{
    struct ref *b = bucket(e->block);
    struct entry *p = ref_get(b);
    if (p == e) {
        ref_set(b, e->hash_next);
        return;
    }
    for (; p; p = valid(p->hash_next)) {
        if (p->hash_next == e) {
            p->hash_next = e->hash_next;
            reseal(p);
            return;
        }
    }
    corrupt();                 /* not in the chain of its block */
}

static int write_run(uint64_t first, uint64_t count, const uint8_t *buf)
{
    long r = blk_write(blk_ep, first * sectors_per_block, buf,
                       (uint32_t)(count * sectors_per_block));
    if (r)
        debug_printf("fs: writing blocks %lu+%lu to blk failed: %ld\n", (unsigned long)first,
                     (unsigned long)count, r);
    return r ? -EIO : 0;
}

/* e no longer holds a block. */
static void forget(struct entry *e)
{
    mark_clean(e);
    if (e->block != NO_BLOCK)
        unhash(e);
    e->block = NO_BLOCK;
    e->hash_next = NULL;
    reseal(e);
}

static bool viewed(const struct entry *e);

/* The least recently used entry not viewed or pinned now, written back
 * first if dirty. (Such a one goes to the front: a write's claimed blocks
 * are filled after the misses between them, and the ext2 core's slots are
 * the blocks themselves.) */
static struct entry *victim(void)
{
    struct entry *e = must(lru);
    for (int tries = 0; tries < CACHE_VIEWS + CACHE_PINS && viewed(e); tries++) {
        to_front(e);
        e = must(lru);
    }
    if (e->dirty && write_run(e->block, 1, data_of(e)))
        return NULL;
    forget(e);
    return e;
}

/* e's block memory is mapped. The LRU list starts with the entries in
 * ascending order, so they are first used in that order and the mapped
 * part grows up, BACK_CHUNK blocks at a time: the blocks of a file read or
 * written in order then lie in a row in memory, and a grant copy moves
 * them in one piece. */
#define BACK_CHUNK 16

static bool backed(const struct entry *e)
{
    uint64_t i = (uint64_t)(e - entries);
    if ((i + 1) * bs <= mapped_bytes)
        return true;
    uint64_t to = i + BACK_CHUNK < nentries ? i + BACK_CHUNK : nentries;
    uint64_t end = (to * bs + PAGE - 1) & ~(PAGE - 1);
    if (map_memory((uint64_t)data + mapped_bytes, end - mapped_bytes))
        return false;
    mapped_bytes = end;
    return true;
}

static struct entry *insert(uint64_t block, const uint8_t *src)
{
    struct entry *e = victim();
    if (!e)
        return NULL;
    if (!backed(e)) {
        debug_printf("fs: no memory for the block cache\n");
        return NULL;
    }
    struct ref *b = bucket(block);
    e->block = block;
    e->hash_next = ref_get(b);
    reseal(e);
    ref_set(b, e);
    to_front(e);
    if (src)
        memcpy(data_of(e), src, bs);
    return e;
}

/* Reads block (and, when the access is sequential, the blocks after it). */
static struct entry *fill(uint64_t block)
{
    uint64_t n = block == last_miss + 1 ? READ_AHEAD : 1;
    last_miss = block;
    /* A block cached now may be newer than the disk's copy, and may be
     * evicted (written back) by the inserts below: the read-ahead must
     * leave it alone even then, or it would bring the old copy back. */
    uint32_t cached = 0;
    for (uint64_t i = 1; i < n; i++)
        if (find(block + i))
            cached |= 1u << i;
    long r = blk_read(blk_ep, block * sectors_per_block, staging,
                      (uint32_t)(n * sectors_per_block));
    if (r && n > 1) {              /* past the end of the disk: just the one */
        n = 1;
        r = blk_read(blk_ep, block * sectors_per_block, staging, sectors_per_block);
    }
    if (r) {
        debug_printf("fs: reading block %lu from blk failed: %ld\n", (unsigned long)block, r);
        return NULL;
    }
    /* The block asked for goes in last: the read-ahead's inserts could
     * evict it otherwise (victim() moves viewed blocks to the front). */
    for (uint64_t i = 1; i < n; i++)
        if (!(cached & 1u << i) && !find(block + i) && !insert(block + i, staging + i * bs))
            break;
    return insert(block, staging);
}

int cache_read(void *ctx, uint64_t block, void *buf)
{
    (void)ctx;
    struct entry *e = find(block);
    if (!e && !(e = fill(block)))
        return -EIO;
    touch(e);
    memcpy(buf, data_of(e), bs);
    return 0;
}

/* The blocks viewed (or claimed) since cache_views_forget(); more than
 * CACHE_VIEWS counts as lost. victim() passes over them. */
struct view {
    struct entry *e;
    uint64_t block;
    bool inserted;             /* claimed, and not in the cache before */
};
static struct view views[CACHE_VIEWS];
static unsigned nviews;

/* The blocks pinned (the ext2 core's slots), one record per pin. */
static struct view pins[CACHE_PINS];
static unsigned npins;

static bool viewed(const struct entry *e)
{
    for (unsigned i = 0; i < nviews && i < CACHE_VIEWS; i++)
        if (views[i].e == e)
            return true;
    for (unsigned i = 0; i < npins; i++)
        if (pins[i].e == e)
            return true;
    return false;
}

static void note_view(struct entry *e, uint64_t block, bool inserted)
{
    if (nviews < CACHE_VIEWS)
        views[nviews] = (struct view){ e, block, inserted };
    nviews += nviews <= CACHE_VIEWS;
}

const void *cache_view(void *ctx, uint64_t block)
{
    (void)ctx;
    struct entry *e = find(block);
    if (!e && !(e = fill(block)))
        return NULL;
    touch(e);
    note_view(e, block, false);
    return data_of(e);
}

void *cache_claim(void *ctx, uint64_t block)
{
    (void)ctx;
    if (nviews >= CACHE_VIEWS)
        return NULL;               /* it could not stay put */
    struct entry *e = find(block);
    bool inserted = !e;
    if (e)
        touch(e);
    else if (!(e = insert(block, NULL)))
        return NULL;
    mark_dirty(e);
    note_view(e, block, inserted);
    return data_of(e);
}

void cache_claim_failed(const void *buf)
{
    /* The latest claim of buf's block is the one that failed. */
    for (unsigned i = nviews < CACHE_VIEWS ? nviews : CACHE_VIEWS; i-- > 0;) {
        struct entry *e = must(views[i].e);
        if (data_of(e) != buf)
            continue;
        if (views[i].inserted && e->block == views[i].block)
            forget(e);
        return;
    }
}

void *cache_pin(void *ctx, uint64_t block, bool whole)
{
    (void)ctx;
    if (npins == CACHE_PINS)
        return NULL;
    struct entry *e = find(block);
    if (e)
        touch(e);
    else if (!(e = whole ? insert(block, NULL) : fill(block)))
        return NULL;
    if (whole)
        mark_dirty(e);
    pins[npins++] = (struct view){ e, block, false };
    return data_of(e);
}

void cache_unpin(void *ctx, uint64_t block)
{
    (void)ctx;
    for (unsigned i = 0; i < npins; i++) {
        if (pins[i].block == block) {
            pins[i] = pins[--npins];
            return;
        }
    }
}

int cache_mark(void *ctx, uint64_t block, uint32_t off, uint32_t len)
{
    (void)ctx;
    struct entry *e = find(block);
    if (!e || off > bs || len > bs - off)
        return -EIO;               /* a pinned block is always there */
    mark_range(e, off, len);
    return 0;
}

bool cache_views_intact(void)
{
    if (nviews > CACHE_VIEWS)
        return false;
    /* views[] is fs's own, not the index: its entries need no check here
     * (one that changed, corrupt or not, stops fs: request_io.c). */
    for (unsigned i = 0; i < nviews; i++)
        if (views[i].e->block != views[i].block)
            return false;
    return true;
}

void cache_views_forget(void)
{
    nviews = 0;
}

int cache_write(void *ctx, uint64_t block, const void *buf)
{
    (void)ctx;
    struct entry *e = find(block);
    if (!e) {
        if (!(e = insert(block, buf)))      /* which copies it in */
            return -EIO;
    } else {
        memcpy(data_of(e), buf, bs);
        touch(e);
    }
    mark_dirty(e);
    return 0;
}

/* A list, checked: sealed entries, dirty (the dirty list) or
 * DIRTY (the fresh list). */
static void check_list(const struct ref *list, uint64_t n, bool fresh_only)
{
    if (n > nentries)
        corrupt();
    for (uint64_t i = 0; i < n; i++) {
        struct entry *e = must(ref_get(&list[i]));
        bool ok = e->dirty == DIRTY || (e->dirty == LOGGED && !fresh_only);
        if (!ok || e->block == NO_BLOCK)
            corrupt();
    }
}

static void check_dirty(void)
{
    check_list(dirty, ndirty, false);
}

static void sort_refs(struct ref *list, uint64_t n)
{
    for (uint64_t i = 1; i < n; i++) {
        struct ref r = list[i];
        uint64_t j = i;
        for (; j > 0 && list[j - 1].e->block > r.e->block; j--)
            list[j] = list[j - 1];
        list[j] = r;
    }
}

/* The bytes e's record holds: its range, checked. */
static uint64_t range_of(const struct entry *e, uint64_t *lo)
{
    uint64_t hi = e->range >> 32;
    *lo = e->range & 0xffffffff;
    if (*lo >= hi || hi > bs)
        corrupt();
    return hi - *lo;
}

uint64_t cache_dirty(uint8_t *log, uint64_t room)
{
    check_list(fresh, nfresh, true);
    uint64_t need = 0, lo;
    for (uint64_t i = 0; i < nfresh; i++)
        need += sizeof(struct log_record) + ((range_of(ref_get(&fresh[i]), &lo) + 7) & ~7ull);
    if (need > room)
        return need;
    for (uint64_t i = 0; i < nfresh; i++) {
        struct entry *e = must(ref_get(&fresh[i]));
        uint64_t len = range_of(e, &lo);
        struct log_record r = { e->block, (uint32_t)lo, (uint32_t)len };
        memcpy(log, &r, sizeof r);
        memcpy(log + sizeof r, data_of(e) + lo, len);
        log += sizeof r + ((len + 7) & ~7ull);
        e->dirty = LOGGED;
        reseal(e);
    }
    nfresh = 0;
    return need;
}

void cache_heap(void **base, uint64_t *len)
{
    *base = entries;
    *len = (uint64_t)((uint8_t *)(fresh + nentries) - (uint8_t *)entries);
}

int cache_flush(void)
{
    int err = 0;
    check_dirty();
    sort_refs(dirty, ndirty);
    for (uint64_t i = 0; i < ndirty;) {
        /* A run of consecutive blocks, up to READ_AHEAD, in one request:
         * from where they lie when they lie in a row (a file written in
         * order), else through staging. */
        struct entry *e0 = must(ref_get(&dirty[i])), *e;
        uint64_t n = 0, first = e0->block;
        bool in_place = true;
        while (i + n < ndirty && n < READ_AHEAD &&
               (e = must(ref_get(&dirty[i + n])))->block == first + n) {
            in_place = in_place && data_of(e) == data_of(e0) + n * bs;
            e->dirty = CLEAN;
            reseal(e);
            n++;
        }
        for (uint64_t k = 0; !in_place && k < n; k++)
            memcpy(staging + k * bs, data_of(ref_get(&dirty[i + k])), bs);
        if (write_run(first, n, in_place ? data_of(e0) : staging))
            err = -EIO;
        i += n;
    }
    ndirty = nfresh = 0;
    return err;
}
