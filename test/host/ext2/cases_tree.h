/*
 * ext2 host test cases about the tree: rename of files and directories,
 * a deep tree, stale file ids, link limits. Included by test_ext2.c.
 */
#ifndef TEST_EXT2_CASES_TREE_H
#define TEST_EXT2_CASES_TREE_H

#include "harness.h"

static int ren(struct img *im, struct ext2_fileid a, const char *from, struct ext2_fileid b,
               const char *to, bool noreplace)
{
    return ext2_rename(im->fs, a, from, strlen(from), b, to, strlen(to), noreplace);
}

static void rename_files(void)
{
    struct img im;
    img_make(&im, "rename_files", 4096, "32M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    struct ext2_fileid r = root_of(), g;
    struct ext2_fileid a = put_file(&im, r, "a", "AAAA", 4);
    put_file(&im, r, "b", "BBBBBBBB", 8);
    put_file(&im, r, "e", "E", 1);
    struct ext2_fileid d1 = make_dir(&im, r, "d1");
    struct ext2_fileid d2 = make_dir(&im, r, "d2");
    CHECK(ren(&im, r, "a", r, "c", false) == 0);
    CHECK(ext2_lookup(im.fs, r, "a", 1, &g) == -ENOENT);
    CHECK(ext2_lookup(im.fs, r, "c", 1, &g) == 0 && g.ino == a.ino);
    /* Over an existing file: the old target is freed. */
    uint64_t inodes = free_inodes(&im), blocks = free_blocks(&im);
    CHECK(ren(&im, r, "c", r, "b", false) == 0);
    CHECK(free_inodes(&im) == inodes + 1 && free_blocks(&im) == blocks + 1);
    CHECK(ext2_lookup(im.fs, r, "b", 1, &g) == 0 && g.ino == a.ino);
    CHECK(ren(&im, r, "b", r, "e", true) == -EEXIST);
    /* Two names of one file: nothing happens. */
    CHECK(ext2_link(im.fs, a, r, "b2", 2) == 0);
    CHECK(ren(&im, r, "b", r, "b2", false) == 0);
    CHECK(ext2_lookup(im.fs, r, "b", 1, &g) == 0 && stat_of(&im, a).nlink == 2);
    CHECK(ren(&im, r, "b", r, "d1", false) == -EISDIR);
    CHECK(ren(&im, r, "d1", r, "b", false) == -ENOTDIR);
    CHECK(ren(&im, r, "zz", r, "y", false) == -ENOENT);
    CHECK(ren(&im, r, ".", r, "y", false) == -EINVAL);
    CHECK(ren(&im, r, "b", r, "..", false) == -EINVAL);
    CHECK(ren(&im, r, "b", a, "y", false) == -ENOTDIR);
    char longname[300];
    memset(longname, 'l', sizeof longname);
    longname[256] = 0;
    CHECK(ren(&im, r, "b", r, longname, false) == -ENAMETOOLONG);
    /* Across directories, over a file with another link. */
    struct ext2_fileid h = put_file(&im, d2, "h", "H", 1);
    CHECK(ext2_link(im.fs, h, d1, "h1", 2) == 0);
    CHECK(ren(&im, r, "b", d2, "h", false) == 0);
    CHECK(stat_of(&im, h).nlink == 1 && stat_of(&im, a).nlink == 2);
    CHECK(ren(&im, d2, "h", d1, "moved", false) == 0);
    CHECK(walk(&im, "/d1/moved", &g) == 0 && g.ino == a.ino);
    CHECK(stat_of(&im, d1).nlink == 2 && stat_of(&im, d2).nlink == 2);
    CHECK(img_fsck(&im));
    img_close(&im);
    CHECK(cat_is(&im, "/d1/moved", "AAAA", 4) && cat_is(&im, "/d1/h1", "H", 1));
}

static void rename_dirs(void)
{
    struct img im;
    img_make(&im, "rename_dirs", 1024, "16M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    struct ext2_fileid r = root_of(), g;
    struct ext2_fileid p1 = make_dir(&im, r, "p1");
    struct ext2_fileid child = make_dir(&im, p1, "child");
    struct ext2_fileid grand = make_dir(&im, child, "grand");
    struct ext2_fileid p2 = make_dir(&im, r, "p2");
    struct ext2_fileid p3 = make_dir(&im, r, "p3");
    struct ext2_fileid p4 = make_dir(&im, r, "p4");
    struct ext2_fileid full = make_dir(&im, p4, "full");
    put_file(&im, full, "f", "f", 1);
    put_file(&im, grand, "leaf", "leaf", 4);
    CHECK(ren(&im, p1, "child", grand, "x", false) == -EINVAL);
    CHECK(ren(&im, p1, "child", child, "y", false) == -EINVAL);
    CHECK(ren(&im, r, "p1", grand, "z", false) == -EINVAL);
    CHECK(ren(&im, r, "p1", p1, "z", false) == -EINVAL);
    /* To another parent: ".." and both parents' counts follow. */
    CHECK(ren(&im, p1, "child", p2, "child", false) == 0);
    CHECK(walk(&im, "/p2/child/..", &g) == 0 && g.ino == p2.ino);
    CHECK(walk(&im, "/p2/child/grand/leaf", &g) == 0);
    CHECK(stat_of(&im, p1).nlink == 2 && stat_of(&im, p2).nlink == 3);
    CHECK(img_fsck(&im));
    /* Over an empty directory, which is freed; over a full one, refused. */
    uint64_t inodes = free_inodes(&im);
    uint32_t root_links = stat_of(&im, r).nlink;
    CHECK(ren(&im, p2, "child", r, "p3", false) == 0);
    CHECK(free_inodes(&im) == inodes + 1);
    CHECK(ext2_getattr(im.fs, p3, &(struct ext2_stat){ 0 }) == -ESTALE);
    CHECK(stat_of(&im, r).nlink == root_links && stat_of(&im, p2).nlink == 2);
    CHECK(walk(&im, "/p3/..", &g) == 0 && g.ino == EXT2_ROOT_INO);
    CHECK(ren(&im, r, "p3", p4, "full", false) == -ENOTEMPTY);
    CHECK(ren(&im, r, "p3", p4, "full", true) == -EEXIST);
    /* Within one directory: no count changes. */
    CHECK(ren(&im, r, "p3", r, "q3", false) == 0);
    CHECK(stat_of(&im, r).nlink == root_links);
    /* Up to an ancestor. */
    CHECK(ren(&im, child, "grand", r, "top", false) == 0);
    CHECK(stat_of(&im, child).nlink == 2);
    CHECK(stat_of(&im, r).nlink == root_links + 1);
    CHECK(img_fsck(&im));
    img_close(&im);
    char *out = img_debugfs(&im, "ls -l /top", NULL);
    CHECK(strstr(out, "leaf") != NULL);
    free(out);
    CHECK(stat_field(&im, "/q3", "Links: ") == 2);
    CHECK(stat_field(&im, "/", "Links: ") == (long long)root_links + 1);
}

static void deep_tree(void)
{
    struct img im;
    img_make(&im, "deep", 1024, "8M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    char path[1024] = "";
    struct ext2_fileid d = root_of(), g, dirs[100];
    for (int i = 0; i < 100; i++) {
        char name[16];
        snprintf(name, sizeof name, "l%02d", i % 100);
        dirs[i] = d = make_dir(&im, d, name);
        strcat(path, "/");
        strcat(path, name);
    }
    put_file(&im, d, "bottom", "deep", 4);
    strcat(path, "/bottom");
    CHECK(walk(&im, path, &g) == 0);
    CHECK(ren(&im, root_of(), "l00", dirs[99], "loop", false) == -EINVAL);
    CHECK(ren(&im, dirs[50], "l51", dirs[99], "loop", false) == -EINVAL);
    /* Take the bottom out, then the top can go under it. */
    CHECK(ren(&im, dirs[98], "l99", root_of(), "l99", false) == 0);
    CHECK(ren(&im, root_of(), "l00", dirs[99], "l00", false) == 0);
    CHECK(walk(&im, "/l99/l00/l01/l02", &g) == 0 && g.ino == dirs[2].ino);
    CHECK(img_fsck(&im));
    img_close(&im);
}

/* A ".." loop that misses the root (made with debugfs): moving a
 * directory under it ends with -EUCLEAN, not a hang. */
static void dotdot_loop(void)
{
    struct img im;
    img_make(&im, "dotdot", 1024, "4M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    struct ext2_fileid x = make_dir(&im, root_of(), "x");
    struct ext2_fileid y = make_dir(&im, x, "y");
    make_dir(&im, root_of(), "z");
    img_close(&im);
    sh("debugfs -w -R 'unlink /x/..' '%s' >/dev/null 2>&1", im.path);
    sh("debugfs -w -R 'link /x/y /x/..' '%s' >/dev/null 2>&1", im.path);
    CHECK(img_mount(&im) == 0);
    CHECK(ren(&im, root_of(), "z", y, "z", false) == -EUCLEAN);
    CHECK(ren(&im, root_of(), "z", x, "z", false) == -EUCLEAN);
    img_close(&im);
}

static void stale(void)
{
    struct img im;
    img_make(&im, "stale", 4096, "8M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    struct ext2_fileid r = root_of(), g;
    struct ext2_fileid d = make_dir(&im, r, "d");
    struct ext2_fileid f = put_file(&im, d, "f", "data", 4);
    CHECK(ext2_unlink(im.fs, d, "f", 1) == 0);
    CHECK(ext2_rmdir(im.fs, r, "d", 1) == 0);
    /* The numbers come back, with new generations. */
    struct ext2_fileid f2 = put_file(&im, r, "f2", "x", 1);
    struct ext2_fileid d2 = make_dir(&im, r, "d2");
    CHECK((f2.ino == f.ino || f2.ino == d.ino) && (d2.ino == f.ino || d2.ino == d.ino));
    CHECK(f2.gen != f.gen && f2.gen != d.gen && d2.gen != d.gen && d2.gen != f.gen);
    struct ext2_stat st;
    char buf[8];
    struct ext2_setattr sa = { .mask = EXT2_SET_MODE, .mode = 0600 };
    struct ext2_dirent de;
    CHECK(ext2_getattr(im.fs, f, &st) == -ESTALE);
    CHECK(ext2_read(im.fs, f, 0, buf, 4) == -ESTALE);
    CHECK(ext2_write(im.fs, f, 0, buf, 4) == -ESTALE);
    CHECK(ext2_setattr(im.fs, f, &sa) == -ESTALE);
    CHECK(ext2_readlink(im.fs, f, buf, 4) == -ESTALE);
    CHECK(ext2_link(im.fs, f, r, "l", 1) == -ESTALE);
    CHECK(ext2_lookup(im.fs, d, "x", 1, &g) == -ESTALE);
    CHECK(ext2_readdir(im.fs, d, 0, &de) == -ESTALE);
    CHECK(ext2_create(im.fs, d, "x", 1, 0100644, 0, 0, 0, &g) == -ESTALE);
    CHECK(ext2_mkdir(im.fs, d, "x", 1, 0755, 0, 0, &g) == -ESTALE);
    CHECK(ext2_unlink(im.fs, d, "x", 1) == -ESTALE);
    CHECK(ext2_rename(im.fs, d, "x", 1, r, "y", 1, false) == -ESTALE);
    CHECK(ext2_rename(im.fs, r, "f2", 2, d, "y", 1, false) == -ESTALE);
    CHECK(ext2_getattr(im.fs, (struct ext2_fileid){ 0, 0 }, &st) == -ESTALE);
    CHECK(ext2_getattr(im.fs, (struct ext2_fileid){ 5, 0 }, &st) == -ESTALE);
    CHECK(ext2_getattr(im.fs, (struct ext2_fileid){ 1u << 30, 0 }, &st) == -ESTALE);
    CHECK(ext2_getattr(im.fs, (struct ext2_fileid){ EXT2_ROOT_INO, 7 }, &st) == -ESTALE);
    CHECK(ext2_getattr(im.fs, f2, &st) == 0 && st.gen == f2.gen);
    CHECK(img_fsck(&im));
    img_close(&im);
}

/* EXT2_LINK_MAX: counts set near it with debugfs. */
static void link_max(void)
{
    struct img im;
    img_make(&im, "linkmax", 4096, "8M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    struct ext2_fileid g;
    make_dir(&im, root_of(), "d");
    put_file(&im, root_of(), "f", "f", 1);
    img_close(&im);
    sh("debugfs -w -R 'sif /d links_count 32000' '%s' >/dev/null 2>&1", im.path);
    sh("debugfs -w -R 'sif /f links_count 32000' '%s' >/dev/null 2>&1", im.path);
    CHECK(img_mount(&im) == 0);
    struct ext2_fileid d, f;
    CHECK(walk(&im, "/d", &d) == 0 && walk(&im, "/f", &f) == 0);
    CHECK(ext2_mkdir(im.fs, d, "sub", 3, 0755, 0, 0, &g) == -EMLINK);
    CHECK(ext2_link(im.fs, f, root_of(), "f2", 2) == -EMLINK);
    CHECK(ext2_create(im.fs, d, "file", 4, 0100644, 0, 0, 0, &g) == 0);
    img_close(&im);
}

#endif
