/*
 * fsbench: the file-system server's benchmarks, started by root as a
 * native init (init=fsbench) under -icount shift=0. Prints `name value
 * unit` lines: a 16 MiB file written and read back (cold cache for the
 * read: it is read after fs has written enough other data to push it
 * out), create + write 1 KiB + unlink per file, and a stat of a path 8
 * components deep.
 */
#include <stdint.h>

#include "mica/fs.h"
#include "mica/runtime.h"
#include "mica/service.h"
#include "mica/string.h"
#include "mica/sys.h"

#define FS SERVICE_SLOT_CLIENT(SERVICE_FS)
#define S_IFREG 0100000u
#define S_IFDIR 0040000u
#define MIB (1ul << 20)
#define FILE_SIZE (16 * MIB)
#define PIECE (64 * 1024)
#define FILES 1000

static uint8_t buf[PIECE];
static struct fs_fileid root;
static int errors;

static void report(const char *name, uint64_t instret, uint64_t ops, const char *unit)
{
    debug_printf("%s %lu %s\n", name, (unsigned long)(instret / ops), unit);
}

static struct fs_fileid write_file(const char *name, size_t len, uint64_t size)
{
    struct fs_fileid f;
    if (fs_create(FS, root, name, len, S_IFREG | 0644, 0, 0, 0, &f))
        errors++;
    for (uint64_t off = 0; off < size; off += PIECE)
        if (fs_write(FS, f, off, buf, PIECE) != PIECE)
            errors++;
    return f;
}

static void bench_seq(void)
{
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)i;
    uint64_t i0 = mica_instret();
    struct fs_fileid f = write_file("seq.bin", 7, FILE_SIZE);
    if (fs_sync(FS))
        errors++;
    report("fs_write_seq", mica_instret() - i0, FILE_SIZE / 1024, "instructions/KiB");
    /* Push seq.bin out of the cache with as much other data as fs caches. */
    struct fs_stat st;
    write_file("evict.bin", 9, 24 * MIB);
    i0 = mica_instret();
    for (uint64_t off = 0; off < FILE_SIZE; off += PIECE)
        if (fs_read(FS, f, off, buf, PIECE) != PIECE)
            errors++;
    report("fs_read_seq", mica_instret() - i0, FILE_SIZE / 1024, "instructions/KiB");
    fs_getattr(FS, f, &st);
    fs_unlink(FS, root, "seq.bin", 7);
    fs_unlink(FS, root, "evict.bin", 9);
}

static void bench_create_unlink(void)
{
    struct fs_fileid d;
    if (fs_mkdir(FS, root, "many", 4, S_IFDIR | 0755, 0, 0, &d))
        errors++;
    uint64_t i0 = mica_instret();
    for (int i = 0; i < FILES; i++) {
        char name[16];
        int n = 0;
        for (int v = i; n == 0 || v; v /= 10)
            name[n++] = (char)('0' + v % 10);
        struct fs_fileid f;
        if (fs_create(FS, d, name, n, S_IFREG | 0644, 0, 0, 0, &f) ||
            fs_write(FS, f, 0, buf, 1024) != 1024 || fs_unlink(FS, d, name, n))
            errors++;
    }
    report("fs_create_unlink", mica_instret() - i0, FILES, "instructions/file");
    fs_rmdir(FS, root, "many", 4);
}

/* Looks up the 8 components of /d1/d2/.../d8 from the root, as a client
 * resolving a path does, and stats the last. */
static void bench_lookup(void)
{
    struct fs_fileid dir = root, next;
    for (int i = 0; i < 8; i++)
        if (fs_mkdir(FS, dir, "d", 1, S_IFDIR | 0755, 0, 0, &next) == 0)
            dir = next;
        else
            errors++;
    uint64_t i0 = mica_instret();
    for (int r = 0; r < 1000; r++) {
        struct fs_fileid f = root;
        for (int i = 0; i < 8; i++)
            if (fs_lookup(FS, f, "d", 1, &f, 0))
                errors++;
        struct fs_stat st;
        if (fs_getattr(FS, f, &st))
            errors++;
    }
    report("fs_lookup_deep", mica_instret() - i0, 1000, "instructions/stat");
}

int main(void *arg)
{
    (void)arg;
    if (fs_root(FS, &root))
        return 1;
    bench_seq();
    bench_create_unlink();
    bench_lookup();
    debug_printf("fsbench: done, %d errors\n", errors);
    return errors != 0;
}
