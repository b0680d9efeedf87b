/*
 * fstest: the fs server's test client, started by root as a native init
 * (init=fstest CASE). It works through the file protocol only; the files
 * it leaves are checked on the host by test/fs/test_fs_server.py with
 * debugfs and e2fsck after QEMU exits. Prints `fstest: ok   CASE` per case
 * and exits with the number of failures.
 */
#include <stdint.h>

#include "mica/errno.h"
#include "mica/fs.h"
#include "mica/runtime.h"
#include "mica/service.h"
#include "mica/string.h"
#include "mica/sys.h"

#define FS SERVICE_SLOT_CLIENT(SERVICE_FS)
#define S_IFREG 0100000u
#define S_IFDIR 0040000u
#define S_IFLNK 0120000u

static int failures;
static struct fs_fileid root;

#define EXPECT(cond)                                                        \
    do {                                                                    \
        if (!(cond)) {                                                      \
            debug_printf("fstest: %s:%d: failed: %s\n", __FILE__, __LINE__, \
                         #cond);                                            \
            failures++;                                                     \
        }                                                                   \
    } while (0)

#define NAME(s) s, sizeof(s) - 1

static uint8_t buf[256 * 1024], back[256 * 1024];

/* Byte i of the big file, as the host test computes it too. */
static uint8_t big_byte(uint64_t i)
{
    return (uint8_t)(i * 131 + (i >> 12) * 7);
}

static void hello(void)
{
    struct fs_fileid f;
    EXPECT(fs_create(FS, root, NAME("hello.txt"), S_IFREG | 0644, 0, 0, 0, &f) == 0);
    EXPECT(fs_write(FS, f, 0, "hello, mica\n", 12) == 12);
    char got[32] = { 0 };
    EXPECT(fs_read(FS, f, 0, got, sizeof got) == 12);
    EXPECT(memcmp(got, "hello, mica\n", 12) == 0);
    struct fs_stat st;
    EXPECT(fs_getattr(FS, f, &st) == 0 && st.size == 12 && (st.mode & 0777) == 0644);
    struct fs_fileid g;
    EXPECT(fs_lookup(FS, root, NAME("hello.txt"), &g, 0) == 0 && g.ino == f.ino);
    EXPECT(fs_create(FS, root, NAME("hello.txt"), S_IFREG | 0644, 0, 0, 0, &g) == -EEXIST);
    EXPECT(fs_lookup(FS, root, NAME("nothere"), &g, 0) == -ENOENT);
}

/* 5 MiB written in uneven pieces: direct, single and double indirect. */
static void big_file(void)
{
    struct fs_fileid f;
    EXPECT(fs_create(FS, root, NAME("big.bin"), S_IFREG | 0600, 0, 0, 0, &f) == 0);
    uint64_t total = 5 << 20;
    for (uint64_t off = 0; off < total;) {
        uint64_t n = total - off < 200000 ? total - off : 200000;
        for (uint64_t i = 0; i < n; i++)
            buf[i] = big_byte(off + i);
        EXPECT(fs_write(FS, f, off, buf, n) == (long)n);
        off += n;
    }
    for (uint64_t off = 0; off < total; off += sizeof back) {
        EXPECT(fs_read(FS, f, off, back, sizeof back) == (long)sizeof back);
        for (uint64_t i = 0; i < sizeof back; i += 97)
            if (back[i] != big_byte(off + i)) {
                EXPECT(back[i] == big_byte(off + i));
                return;
            }
    }
}

static void tree(void)
{
    struct fs_fileid d, e, f, l;
    EXPECT(fs_mkdir(FS, root, NAME("dir"), S_IFDIR | 0755, 0, 0, &d) == 0);
    EXPECT(fs_mkdir(FS, d, NAME("sub"), S_IFDIR | 0755, 0, 0, &e) == 0);
    EXPECT(fs_create(FS, e, NAME("a"), S_IFREG | 0644, 0, 0, 0, &f) == 0);
    EXPECT(fs_write(FS, f, 0, "A", 1) == 1);
    EXPECT(fs_link(FS, f, d, NAME("a-link")) == 0);
    EXPECT(fs_symlink(FS, d, NAME("to-a"), NAME("sub/a"), 0, 0, &l) == 0);
    char target[16] = { 0 };
    EXPECT(fs_readlink(FS, l, target, sizeof target) == 5 && !memcmp(target, "sub/a", 5));
    EXPECT(fs_rmdir(FS, d, NAME("sub")) == -ENOTEMPTY);
    EXPECT(fs_create(FS, e, NAME("gone"), S_IFREG | 0644, 0, 0, 0, &f) == 0);
    EXPECT(fs_unlink(FS, e, NAME("gone")) == 0);
    EXPECT(fs_rename(FS, d, NAME("a-link"), root, NAME("moved"), 0) == 0);
    EXPECT(fs_rename(FS, root, NAME("dir"), e, NAME("loop"), 0) == -EINVAL);
    /* readdir of dir: ., .., sub, to-a */
    struct fs_dirent de;
    int n = 0;
    for (uint64_t c = 0; fs_readdir(FS, d, c, &de) == 1; c = de.next)
        n++;
    EXPECT(n == 4);
}

static void bad_requests(void)
{
    struct fs_fileid f, stale = { 2, 12345 };
    char name[300];
    memset(name, 'x', sizeof name);
    EXPECT(fs_create(FS, root, name, 256, S_IFREG | 0644, 0, 0, 0, &f) == -ENAMETOOLONG);
    EXPECT(fs_create(FS, root, "a/b", 3, S_IFREG | 0644, 0, 0, 0, &f) == -EINVAL);
    EXPECT(fs_lookup(FS, stale, NAME("x"), &f, 0) == -ESTALE);
    EXPECT(fs_read(FS, root, 0, (void *)0x7000000000ul, 10) < 0);
    struct mica_msg m = { .info = MICA_INFO(99, 0, 0, 0) };
    EXPECT(mica_call(FS, &m) == 0 && (long)m.w[0] == -ENOSYS);
}

struct test_case {
    void (*fn)(void);
    const char *name;
};

static const struct test_case cases[] = {
    { hello, "hello" },
    { big_file, "big_file" },
    { tree, "tree" },
    { bad_requests, "bad_requests" },
};

int main(void *arg)
{
    (void)arg;
    const char *want = mica_args();
    EXPECT(fs_root(FS, &root) == 0);
    int ran = 0;
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (want[0] && strcmp(want, cases[i].name))
            continue;
        int before = failures;
        cases[i].fn();
        debug_printf("fstest: %s %s\n", failures == before ? "ok  " : "FAIL", cases[i].name);
        ran++;
    }
    EXPECT(fs_sync(FS) == 0);
    debug_printf("fstest: %d case(s), %d failure(s)\n", ran, failures);
    return ran ? failures : 127;
}
