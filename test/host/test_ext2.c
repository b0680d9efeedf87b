/*
 * Host tests of the ext2 core (servers/fs/ext2*.c) over images made by
 * mkfs.ext2, each checked afterwards by e2fsck -fn and, where it says more,
 * by debugfs.
 *
 *   test_ext2 SCRATCHDIR [CASE]
 *
 * Images go to SCRATCHDIR; one line per case; exit status 1 on a failure.
 * This file has the basic operations; ext2/cases_*.h the rest.
 */
#include "ext2/harness.h"

static void mount_features(void)
{
    struct img im;
    const char *msg;
    /* mkfs.ext2's defaults: dir_index, ext_attr, resize_inode. */
    img_make(&im, "defaults", 4096, "8M", "", NULL);
    CHECK(img_mount(&im) == 0);
    img_close(&im);

    static const struct {
        const char *features, *msg;
    } refused[] = {
        { "none,filetype,has_journal", "unsupported feature has_journal" },
        { "none,filetype,extent", "unsupported feature extent" },
        { "none,filetype,flex_bg", "unsupported feature flex_bg" },
        { "none,filetype,metadata_csum", "unsupported feature metadata_csum" },
        { "none,filetype,huge_file", "unsupported feature huge_file" },
        { "none,filetype,meta_bg", "unsupported feature meta_bg" },
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        img_make(&im, "refused", 4096, "8M", refused[i].features, NULL);
        CHECK(img_mount_msg(&im, &msg) == -EINVAL);
        CHECK(msg && strcmp(msg, refused[i].msg) == 0);
        if (msg && strcmp(msg, refused[i].msg))
            fprintf(stderr, "  %s: got '%s'\n", refused[i].features, msg);
        img_close(&im);
    }

    /* Not ext2 at all. */
    img_make(&im, "zero", 1024, "1M", NULL, NULL);
    sh("dd if=/dev/zero of='%s' bs=1024 count=4 conv=notrunc 2>/dev/null", im.path);
    CHECK(img_mount_msg(&im, &msg) == -EINVAL);
    CHECK(msg && strstr(msg, "magic"));
    img_close(&im);
}

static void root_and_lost_found(void)
{
    struct img im;
    img_make(&im, "root", 4096, "32M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    struct ext2_stat st = stat_of(&im, root_of());
    CHECK(st.ino == EXT2_ROOT_INO && (st.mode & 0170000) == 0040000 && st.nlink == 3);
    CHECK(ext2_block_size(im.fs) == 4096);

    /* readdir: ".", "..", "lost+found", with cookies that advance. */
    struct ext2_dirent de;
    const char *want[] = { ".", "..", "lost+found" };
    uint64_t cookie = 0;
    for (int i = 0; i < 3; i++) {
        CHECK(ext2_readdir(im.fs, root_of(), cookie, &de) == 1);
        CHECK(strcmp(de.name, want[i]) == 0 && de.type == 4 && de.next > cookie);
        cookie = de.next;
    }
    CHECK(ext2_readdir(im.fs, root_of(), cookie, &de) == 0);

    struct ext2_fileid lf, f;
    CHECK(walk(&im, "/lost+found", &lf) == 0 && lf.ino == 11);
    CHECK(walk(&im, "/lost+found/..", &f) == 0 && f.ino == EXT2_ROOT_INO);
    CHECK(walk(&im, "/..", &f) == 0 && f.ino == EXT2_ROOT_INO);
    put_file(&im, lf, "found", "x", 1);
    CHECK(ext2_unlink(im.fs, lf, "found", 5) == 0);
    CHECK(ext2_rmdir(im.fs, root_of(), "lost+found", 10) == 0);
    CHECK(stat_of(&im, root_of()).nlink == 2);
    make_dir(&im, root_of(), "lost+found");
    CHECK(img_fsck(&im));
    img_close(&im);
}

static void files(void)
{
    struct img im;
    img_make(&im, "files", 4096, "32M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    static uint8_t data[100000], back[100000];
    pattern(data, sizeof data, 0, 1);
    struct ext2_fileid d = make_dir(&im, root_of(), "dir");
    struct ext2_fileid f = put_file(&im, d, "data", data, sizeof data);
    struct ext2_fileid e = put_file(&im, d, "empty", NULL, 0);
    struct ext2_fileid g;
    CHECK(ext2_lookup(im.fs, d, "data", 4, &g) == 0 && g.ino == f.ino && g.gen == f.gen);
    CHECK(ext2_lookup(im.fs, d, "nope", 4, &g) == -ENOENT);
    CHECK(ext2_read(im.fs, f, 0, back, sizeof back) == (int64_t)sizeof back);
    CHECK(memcmp(data, back, sizeof data) == 0);
    /* Unaligned pieces, and reads that stop at the end. */
    CHECK(ext2_read(im.fs, f, 4095, back, 3) == 3 && memcmp(back, data + 4095, 3) == 0);
    CHECK(ext2_read(im.fs, f, 99990, back, 100) == 10);
    CHECK(ext2_read(im.fs, f, 100000, back, 100) == 0);
    CHECK(ext2_read(im.fs, e, 0, back, 100) == 0);
    /* Overwrite in the middle, append past the end. */
    CHECK(ext2_write(im.fs, f, 5000, "hello", 5) == 5);
    memcpy(data + 5000, "hello", 5);
    CHECK(ext2_write(im.fs, e, 0, "abc", 3) == 3);
    CHECK(ext2_write(im.fs, e, 3, "def", 3) == 3);
    struct ext2_stat st = stat_of(&im, f);
    CHECK(st.size == sizeof data && st.nlink == 1 && (st.mode & 0777) == 0644);
    CHECK(st.blocks == ((sizeof data + 4095) / 4096 + 1) * 8);    /* and an indirect block */
    CHECK(stat_of(&im, d).nlink == 2 && stat_of(&im, root_of()).nlink == 4);
    /* Wrong kinds of file. */
    CHECK(ext2_read(im.fs, d, 0, back, 10) == -EISDIR);
    CHECK(ext2_write(im.fs, d, 0, back, 10) == -EISDIR);
    CHECK(ext2_lookup(im.fs, f, "x", 1, &g) == -ENOTDIR);
    CHECK(ext2_create(im.fs, f, "x", 1, 0100644, 0, 0, 0, &g) == -ENOTDIR);
    CHECK(ext2_readlink(im.fs, f, (char *)back, 10) == -EINVAL);
    img_close(&im);
    CHECK(img_fsck(&im));
    CHECK(cat_is(&im, "/dir/data", data, sizeof data));
    CHECK(cat_is(&im, "/dir/empty", "abcdef", 6));
    CHECK(stat_field(&im, "/dir", "Links: ") == 2);
}

static void names(void)
{
    struct img im;
    img_make(&im, "names", 1024, "8M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    char name[300];
    struct ext2_fileid f, g;
    memset(name, 'n', sizeof name);
    CHECK(ext2_create(im.fs, root_of(), name, 255, 0100600, 0, 0, 0, &f) == 0);
    CHECK(ext2_create(im.fs, root_of(), name, 256, 0100600, 0, 0, 0, &g) == -ENAMETOOLONG);
    CHECK(ext2_mkdir(im.fs, root_of(), name, 256, 0700, 0, 0, &g) == -ENAMETOOLONG);
    CHECK(ext2_lookup(im.fs, root_of(), name, 256, &g) == -ENAMETOOLONG);
    CHECK(ext2_lookup(im.fs, root_of(), name, 255, &g) == 0 && g.ino == f.ino);
    CHECK(ext2_create(im.fs, root_of(), name, 255, 0100600, 0, 0, 0, &g) == -EEXIST);
    CHECK(ext2_mkdir(im.fs, root_of(), name, 255, 0700, 0, 0, &g) == -EEXIST);
    CHECK(ext2_create(im.fs, root_of(), "a/b", 3, 0100600, 0, 0, 0, &g) == -EINVAL);
    CHECK(ext2_create(im.fs, root_of(), "a\0b", 3, 0100600, 0, 0, 0, &g) == -EINVAL);
    CHECK(ext2_create(im.fs, root_of(), "", 0, 0100600, 0, 0, 0, &g) == -ENOENT);
    CHECK(ext2_create(im.fs, root_of(), ".", 1, 0100600, 0, 0, 0, &g) == -EEXIST);
    CHECK(ext2_mkdir(im.fs, root_of(), "..", 2, 0700, 0, 0, &g) == -EEXIST);
    CHECK(ext2_unlink(im.fs, root_of(), ".", 1) == -EISDIR);
    CHECK(ext2_rmdir(im.fs, root_of(), ".", 1) == -EINVAL);
    CHECK(ext2_rmdir(im.fs, root_of(), "..", 2) == -ENOTEMPTY);
    /* Every length from 1 to 255, so records of every size split and merge. */
    for (size_t len = 1; len <= 255; len++) {
        memset(name, 'a' + len % 26, len);
        CHECK(ext2_create(im.fs, root_of(), name, len, 0100600, 0, 0, 0, &g) == 0);
    }
    for (size_t len = 1; len <= 255; len += 2) {
        memset(name, 'a' + len % 26, len);
        CHECK(ext2_unlink(im.fs, root_of(), name, len) == 0);
    }
    for (size_t len = 1; len <= 255; len++) {
        memset(name, 'a' + len % 26, len);
        CHECK(ext2_lookup(im.fs, root_of(), name, len, &g) == (len % 2 ? -ENOENT : 0));
    }
    CHECK(img_fsck(&im));
    img_close(&im);
    memset(name, 'n', 255);
    name[255] = 0;
    char req[320];
    snprintf(req, sizeof req, "/%s", name);
    CHECK(stat_field(&im, req, "Links: ") == 1);
}

static void mkdir_rmdir(void)
{
    struct img im;
    img_make(&im, "dirs", 4096, "32M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    struct ext2_fileid a = make_dir(&im, root_of(), "a");
    struct ext2_fileid b = make_dir(&im, a, "b");
    struct ext2_fileid c = make_dir(&im, a, "c");
    put_file(&im, b, "f", "data", 4);
    struct ext2_fileid g;
    CHECK(stat_of(&im, a).nlink == 4 && stat_of(&im, b).nlink == 2);
    CHECK(walk(&im, "/a/b/..", &g) == 0 && g.ino == a.ino);
    CHECK(ext2_rmdir(im.fs, a, "b", 1) == -ENOTEMPTY);
    CHECK(ext2_rmdir(im.fs, b, "f", 1) == -ENOTDIR);
    CHECK(ext2_unlink(im.fs, a, "c", 1) == -EISDIR);
    CHECK(ext2_rmdir(im.fs, a, "x", 1) == -ENOENT);
    uint64_t blocks = free_blocks(&im), inodes = free_inodes(&im);
    CHECK(ext2_rmdir(im.fs, a, "c", 1) == 0);
    CHECK(free_blocks(&im) == blocks + 1 && free_inodes(&im) == inodes + 1);
    CHECK(ext2_getattr(im.fs, c, &(struct ext2_stat){ 0 }) == -ESTALE);
    CHECK(stat_of(&im, a).nlink == 3);
    CHECK(ext2_unlink(im.fs, b, "f", 1) == 0);
    CHECK(ext2_rmdir(im.fs, a, "b", 1) == 0);
    CHECK(stat_of(&im, a).nlink == 2);
    /* mkdir through create, a directory inside the new one. */
    CHECK(ext2_create(im.fs, a, "viacreate", 9, 0040750, 1, 2, 0, &g) == 0);
    CHECK((stat_of(&im, g).mode & 0170777) == 0040750 && stat_of(&im, a).nlink == 3);
    make_dir(&im, g, "inner");
    CHECK(img_fsck(&im));
    img_close(&im);
    CHECK(stat_field(&im, "/a", "Links: ") == 3);
    CHECK(stat_field(&im, "/a/viacreate", "Links: ") == 3);
}

static void links(void)
{
    struct img im;
    img_make(&im, "links", 4096, "32M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    uint64_t blocks = free_blocks(&im), inodes = free_inodes(&im);
    static uint8_t data[50000];
    pattern(data, sizeof data, 0, 2);
    struct ext2_fileid d = make_dir(&im, root_of(), "d");
    struct ext2_fileid f = put_file(&im, root_of(), "f", data, sizeof data);
    CHECK(ext2_link(im.fs, f, d, "g", 1) == 0);
    CHECK(ext2_link(im.fs, f, root_of(), "h", 1) == 0);
    CHECK(ext2_link(im.fs, f, root_of(), "h", 1) == -EEXIST);
    CHECK(ext2_link(im.fs, d, root_of(), "dd", 2) == -EPERM);
    CHECK(stat_of(&im, f).nlink == 3);
    CHECK(img_fsck(&im));
    CHECK(stat_field(&im, "/d/g", "Links: ") == 3);
    CHECK(ext2_unlink(im.fs, root_of(), "f", 1) == 0);
    CHECK(ext2_unlink(im.fs, root_of(), "f", 1) == -ENOENT);
    CHECK(ext2_unlink(im.fs, root_of(), "h", 1) == 0);
    CHECK(stat_of(&im, f).nlink == 1);
    CHECK(cat_is(&im, "/d/g", data, sizeof data));
    /* The last link: blocks and inode come back. */
    CHECK(ext2_unlink(im.fs, d, "g", 1) == 0);
    CHECK(ext2_getattr(im.fs, f, &(struct ext2_stat){ 0 }) == -ESTALE);
    CHECK(ext2_rmdir(im.fs, root_of(), "d", 1) == 0);
    CHECK(free_blocks(&im) == blocks && free_inodes(&im) == inodes);
    CHECK(img_fsck(&im));
    img_close(&im);
    /* The superblock's counts agree with dumpe2fs's group sums. */
    char *out = sh_out(NULL, NULL, "dumpe2fs -h '%s' 2>/dev/null", im.path);
    CHECK(field_of(out, "Free blocks:") == (long long)blocks);
    CHECK(field_of(out, "Free inodes:") == (long long)inodes);
    free(out);
}

static void symlinks(void)
{
    struct img im;
    img_make(&im, "symlinks", 1024, "8M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    char target[1100], back[1100];
    struct ext2_fileid f, g;
    memset(target, 't', sizeof target);
    CHECK(ext2_symlink(im.fs, root_of(), "fast", 4, "a/b/c", 5, 0, 0, &f) == 0);
    CHECK(ext2_symlink(im.fs, root_of(), "fast59", 6, target, 59, 0, 0, &g) == 0);
    CHECK(ext2_symlink(im.fs, root_of(), "slow60", 6, target, 60, 0, 0, &g) == 0);
    CHECK(ext2_symlink(im.fs, root_of(), "slow", 4, target, 1023, 0, 0, &g) == 0);
    CHECK(ext2_symlink(im.fs, root_of(), "long", 4, target, 1024, 0, 0, &g) == -ENAMETOOLONG);
    CHECK(ext2_symlink(im.fs, root_of(), "empty", 5, target, 0, 0, 0, &g) == -ENOENT);
    CHECK(ext2_symlink(im.fs, root_of(), "fast", 4, "x", 1, 0, 0, &g) == -EEXIST);
    CHECK(ext2_readlink(im.fs, f, back, sizeof back) == 5 && memcmp(back, "a/b/c", 5) == 0);
    CHECK(ext2_readlink(im.fs, f, back, 2) == 2);
    CHECK(ext2_readlink(im.fs, g, back, sizeof back) == 1023 && memcmp(back, target, 1023) == 0);
    struct ext2_stat st = stat_of(&im, f);
    CHECK((st.mode & 0170000) == 0120000 && st.size == 5 && st.blocks == 0);
    st = stat_of(&im, g);
    CHECK(st.size == 1023 && st.blocks == 2);
    CHECK(ext2_read(im.fs, f, 0, back, 10) == -EINVAL);
    CHECK(img_fsck(&im));
    img_close(&im);
    char *out = img_debugfs(&im, "stat /fast", NULL);
    CHECK(strstr(out, "Fast link dest: \"a/b/c\"") != NULL);
    free(out);
    /* Unlinking the slow ones frees their blocks. */
    CHECK(img_mount(&im) == 0);
    uint64_t blocks = free_blocks(&im);
    CHECK(ext2_unlink(im.fs, root_of(), "slow", 4) == 0);
    CHECK(ext2_unlink(im.fs, root_of(), "slow60", 6) == 0);
    CHECK(ext2_unlink(im.fs, root_of(), "fast", 4) == 0);
    CHECK(free_blocks(&im) == blocks + 2);
    CHECK(img_fsck(&im));
    img_close(&im);
}

/* The same small workload with each block size: 2 KiB puts the superblock
 * inside block 0 as 4 KiB does, and gives other indirect ranges. */
static void block_sizes(void)
{
    static uint8_t data[300000], back[300000];
    pattern(data, sizeof data, 0, 9);
    for (uint32_t bs = 1024; bs <= 4096; bs *= 2) {
        struct img im;
        img_make(&im, "blocksize", bs, "16M", NULL, NULL);
        CHECK(img_mount(&im) == 0 && ext2_block_size(im.fs) == bs);
        struct ext2_fileid d = make_dir(&im, root_of(), "d"), g;
        struct ext2_fileid f = put_file(&im, d, "data", data, sizeof data);
        for (int i = 0; i < 200; i++) {
            char name[32];
            snprintf(name, sizeof name, "entry%03d", i);
            CHECK(ext2_create(im.fs, d, name, strlen(name), 0100644, 0, 0, 0, &g) == 0);
        }
        CHECK(ext2_read(im.fs, f, 0, back, sizeof back) == (int64_t)sizeof back);
        CHECK(memcmp(data, back, sizeof data) == 0);
        CHECK(ext2_rename(im.fs, d, "data", 4, root_of(), "moved", 5, false) == 0);
        CHECK(ext2_unlink(im.fs, d, "entry100", 8) == 0);
        CHECK(img_fsck(&im));
        img_close(&im);
        CHECK(cat_is(&im, "/moved", data, sizeof data));
    }
}

/* Unlinked while open: the orphan list keeps the file usable until its
 * release, e2fsck agrees at every step, and orphans_free empties it. */
static void orphans(void)
{
    struct img im;
    img_make(&im, "orphans", 4096, "32M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    static uint8_t data[50000], back[50000];
    pattern(data, sizeof data, 0, 3);
    uint64_t blocks = free_blocks(&im), inodes = free_inodes(&im);
    struct ext2_fileid a = put_file(&im, root_of(), "a", data, sizeof data);
    struct ext2_fileid b = put_file(&im, root_of(), "b", "bb", 2);
    struct ext2_fileid c = put_file(&im, root_of(), "c", "cc", 2);
    struct ext2_fileid gone, g;
    /* A name left: no orphan. */
    CHECK(ext2_link(im.fs, c, root_of(), "c2", 2) == 0);
    CHECK(ext2_unlink_keep(im.fs, root_of(), "c2", 2, &gone) == 0);
    CHECK(gone.ino == c.ino && stat_of(&im, c).nlink == 1);
    /* Three orphans; the middle one goes first. */
    CHECK(ext2_unlink_keep(im.fs, root_of(), "a", 1, &gone) == 1 && gone.ino == a.ino);
    CHECK(ext2_unlink_keep(im.fs, root_of(), "b", 1, &gone) == 1 && gone.ino == b.ino);
    CHECK(ext2_unlink_keep(im.fs, root_of(), "c", 1, &gone) == 1 && gone.ino == c.ino);
    CHECK(ext2_lookup(im.fs, root_of(), "a", 1, &g) == -ENOENT);
    CHECK(stat_of(&im, a).nlink == 0);
    CHECK(ext2_write(im.fs, a, 100, "xyz", 3) == 3);
    memcpy(data + 100, "xyz", 3);
    CHECK(ext2_read(im.fs, a, 0, back, sizeof back) == (int64_t)sizeof back);
    CHECK(memcmp(back, data, sizeof data) == 0);
    CHECK(ext2_link(im.fs, a, root_of(), "again", 5) == -ENOENT);
    CHECK(ext2_orphan_release(im.fs, b) == 0);
    CHECK(ext2_read(im.fs, b, 0, back, 2) == -ESTALE);
    CHECK(ext2_orphan_release(im.fs, b) == -ESTALE);
    img_close(&im);
    CHECK(stat_field(&im, "<12>", "Links") == 0);   /* debugfs still sees orphan a */
    CHECK(img_mount(&im) == 0);
    CHECK(ext2_read(im.fs, c, 0, back, 2) == 2 && memcmp(back, "cc", 2) == 0);
    CHECK(ext2_orphan_release(im.fs, a) == 0);
    CHECK(ext2_read(im.fs, c, 0, back, 2) == 2);
    /* A rename that replaces an open file orphans it too. */
    struct ext2_fileid x = put_file(&im, root_of(), "x", "xx", 2);
    put_file(&im, root_of(), "y", "yy", 2);
    CHECK(ext2_rename_keep(im.fs, root_of(), "y", 1, root_of(), "x", 1, false, &gone) == 1);
    CHECK(gone.ino == x.ino && ext2_read(im.fs, x, 0, back, 2) == 2 && !memcmp(back, "xx", 2));
    CHECK(ext2_orphan_release(im.fs, x) == 0);
    CHECK(ext2_unlink(im.fs, root_of(), "x", 1) == 0);
    /* What a crash left open: freed at the next start. */
    CHECK(ext2_orphans_free(im.fs) == 0);
    CHECK(ext2_read(im.fs, c, 0, back, 2) == -ESTALE);
    CHECK(free_blocks(&im) == blocks && free_inodes(&im) == inodes);
    img_close(&im);
    CHECK(img_fsck(&im));
}

#include "ext2/cases_data.h"
#include "ext2/cases_dirs.h"
#include "ext2/cases_tree.h"

static const struct {
    void (*fn)(void);
    const char *name;
} cases[] = {
    { mount_features, "mount_features" },
    { root_and_lost_found, "root_and_lost_found" },
    { files, "files" },
    { block_sizes, "block_sizes" },
    { names, "names" },
    { mkdir_rmdir, "mkdir_rmdir" },
    { links, "links" },
    { symlinks, "symlinks" },
    { rename_files, "rename_files" },
    { rename_dirs, "rename_dirs" },
    { deep_tree, "deep_tree" },
    { dotdot_loop, "dotdot_loop" },
    { stale, "stale" },
    { link_max, "link_max" },
    { sparse_indirect, "sparse_indirect" },
    { truncate_sizes, "truncate_sizes" },
    { full_disk, "full_disk" },
    { large_file, "large_file" },
    { times, "times" },
    { owners_and_devices, "owners_and_devices" },
    { dir_summary, "dir_summary" },
    { readdir_cookies, "readdir_cookies" },
    { dir_index, "dir_index" },
    { no_filetype, "no_filetype" },
    { ext_attr, "ext_attr" },
    { statfs_counts, "statfs_counts" },
    { big_dir, "big_dir" },
    { orphans, "orphans" },
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SCRATCHDIR [CASE]\n", argv[0]);
        return 2;
    }
    scratch = argv[1];
    mkdir(scratch, 0755);
    int ran = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (argc > 2 && strcmp(argv[2], cases[i].name))
            continue;
        int before = check_failures;
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        cases[i].fn();
        printf("%s %s (%.1f s)\n", check_failures == before ? "ok  " : "FAIL", cases[i].name,
               seconds_since(&t0));
        fflush(stdout);
        ran++;
    }
    if (!ran) {
        fprintf(stderr, "no case %s\n", argv[2]);
        return 2;
    }
    printf("%d failure%s\n", check_failures, check_failures == 1 ? "" : "s");
    return check_failures ? 1 : 0;
}
