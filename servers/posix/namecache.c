/*
 * The name cache: (directory, name) -> (file, mode) for names fs has
 * found, so that a path costs fs one request per component only the first
 * time. Direct-mapped by a hash of the two; only found names are kept (a
 * miss always asks fs), names up to NC_NAME bytes.
 *
 * posix is fs's only client that changes names, so it keeps the cache
 * right itself: a removed name is forgotten (unlink), a change of a file's
 * mode or owner forgets the file's entries (their modes), and rmdir and
 * rename forget everything (a moved directory's ".." changes too). Names
 * added (create, mkdir, link, symlink) need nothing: a miss was not kept.
 */
#include "posix.h"

#include "mica/string.h"

#define NC_SIZE 512               /* entries, a power of two */
#define NC_NAME 40                /* longer names are not kept */

struct nc_entry {
    struct fs_fileid dir, file;
    uint32_t mode;
    uint8_t len;                  /* 0: empty */
    char name[NC_NAME];
};

static struct nc_entry cache[NC_SIZE];

static bool same(struct fs_fileid a, struct fs_fileid b)
{
    return a.ino == b.ino && a.gen == b.gen;
}

static struct nc_entry *slot_of(struct fs_fileid dir, const char *name, size_t len)
{
    /* FNV-1a over the name, the directory mixed in apart (neighbouring
     * inodes with neighbouring one-letter names must not collide). */
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    h ^= dir.ino * 0x9e3779b1u;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    return &cache[h & (NC_SIZE - 1)];
}

long nc_lookup(struct fs_fileid dir, const char *name, size_t len, struct fs_fileid *out,
               uint32_t *mode)
{
    struct nc_entry *e = len < NC_NAME ? slot_of(dir, name, len) : NULL;
    if (e && e->len == len && same(e->dir, dir) && !memcmp(e->name, name, len)) {
        *out = e->file;
        if (mode)
            *mode = e->mode;
        return 0;
    }
    uint32_t m;
    long err = fs_lookup(FS_EP, dir, name, len, out, &m);
    if (err)
        return err;
    if (mode)
        *mode = m;
    if (e) {
        e->dir = dir;
        e->file = *out;
        e->mode = m;
        e->len = (uint8_t)len;
        memcpy(e->name, name, len);
    }
    return 0;
}

void nc_forget(struct fs_fileid dir, const char *name, size_t len)
{
    struct nc_entry *e = len < NC_NAME ? slot_of(dir, name, len) : NULL;
    if (e && e->len == len && same(e->dir, dir) && !memcmp(e->name, name, len))
        e->len = 0;
}

void nc_forget_file(struct fs_fileid file)
{
    for (int i = 0; i < NC_SIZE; i++)
        if (cache[i].len && same(cache[i].file, file))
            cache[i].len = 0;
}

void nc_flush(void)
{
    for (int i = 0; i < NC_SIZE; i++)
        cache[i].len = 0;
}

/* ---- attributes ----
 * What FS_GETATTR answered, kept while posix (fs's only client) has made
 * no request since that could change a file (fs_changes): a stat of a
 * known path then costs fs nothing. Direct-mapped by inode. */

#define AC_SIZE 64                /* entries, a power of two */

static struct {
    uint64_t changes;             /* fs_changes when it was filled; 0: empty */
    struct fs_stat st;
} attrs[AC_SIZE];

long attr_get(struct fs_fileid f, struct fs_stat *st)
{
    __typeof__(attrs[0]) *a = &attrs[(f.ino * 2654435761u >> 8) % AC_SIZE];
    if (a->changes == fs_changes + 1 && a->st.ino == f.ino && a->st.gen == f.gen) {
        *st = a->st;
        return 0;
    }
    long err = fs_getattr(FS_EP, f, st);
    if (!err && st->ino == f.ino && st->gen == f.gen) {
        a->changes = fs_changes + 1;
        a->st = *st;
    }
    return err;
}
