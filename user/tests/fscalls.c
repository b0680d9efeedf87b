/* More calls on the file tree: chroot, copy_file_range, and the /proc/self
 * entries programs use (exe, cwd, fd/N, mounts). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cases.h"

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    EXPECT(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
}

static void chroot_jail(void)
{
    mkdir("/tmp", 0777);
    EXPECT(mkdir("/tmp/jail", 0755) == 0 && mkdir("/tmp/jail/sub", 0755) == 0);
    write_file("/tmp/jail/marker", "inside");
    pid_t pid = fork();
    if (pid == 0) {
        int bad = 0;
        char buf[64] = { 0 };
        bad |= (1 << 1) * (chroot("/tmp/jail") != 0);
        bad |= (1 << 2) * (chdir("/") != 0);
        int fd = open("/marker", O_RDONLY);
        bad |= (1 << 3) * (fd < 0 || read(fd, buf, sizeof buf) != 6 || strcmp(buf, "inside") != 0);
        close(fd);
        /* ".." at the new root stays there. */
        struct stat a, b;
        bad |= (1 << 4) * (stat("/..", &a) != 0 || stat("/", &b) != 0 || a.st_ino != b.st_ino);
        bad |= (1 << 5) * (stat("/../../marker", &a) != 0);
        bad |= (1 << 6) * (chdir("/sub/..") != 0 || !getcwd(buf, sizeof buf) || strcmp(buf, "/") != 0);
        bad |= (1 << 7) * (chdir("sub") != 0 || !getcwd(buf, sizeof buf) || strcmp(buf, "/sub") != 0);
        bad |= (1 << 8) * (access("/tmp/jail", F_OK) == 0);
        errno = 0;
        bad |= (1 << 9) * (chroot("/marker") != -1 || errno != ENOTDIR);
        if (bad)
            printf("chroot checks failed: %#x\n", bad);
        _exit(bad != 0);
    }
    int status;
    EXPECT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT(access("/tmp/jail/marker", F_OK) == 0);  /* the parent is not jailed */
    errno = 0;
    EXPECT(chroot("/tmp/nothere") == -1 && errno == ENOENT);
    EXPECT(unlink("/tmp/jail/marker") == 0 && rmdir("/tmp/jail/sub") == 0 &&
           rmdir("/tmp/jail") == 0);
}

static void copy_range(void)
{
    mkdir("/tmp", 0777);
    write_file("/tmp/cfr-in", "0123456789abcdef");
    int in = open("/tmp/cfr-in", O_RDONLY);
    int out = open("/tmp/cfr-out", O_CREAT | O_TRUNC | O_RDWR, 0644);
    EXPECT(in >= 0 && out >= 0);
    EXPECT(copy_file_range(in, 0, out, 0, 4, 0) == 4);
    EXPECT(lseek(in, 0, SEEK_CUR) == 4 && lseek(out, 0, SEEK_CUR) == 4);
    loff_t off_in = 10, off_out = 20;
    EXPECT(copy_file_range(in, &off_in, out, &off_out, 100, 0) == 6);
    EXPECT(off_in == 16 && off_out == 26 && lseek(in, 0, SEEK_CUR) == 4);
    char buf[32] = { 0 };
    EXPECT(pread(out, buf, sizeof buf, 0) == 26);
    EXPECT(memcmp(buf, "0123", 4) == 0 && buf[4] == 0 && memcmp(buf + 20, "abcdef", 6) == 0);
    off_in = 100;
    EXPECT(copy_file_range(in, &off_in, out, 0, 5, 0) == 0);      /* past the end */
    errno = 0;
    EXPECT(copy_file_range(in, 0, out, 0, 1, 1) == -1 && errno == EINVAL);
    errno = 0;
    EXPECT(copy_file_range(out, 0, in, 0, 1, 0) == -1 && errno == EBADF);   /* in is read-only */
    off_in = 0;
    off_out = 2;
    errno = 0;
    EXPECT(copy_file_range(out, &off_in, out, &off_out, 4, 0) == -1 && errno == EINVAL);
    int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
    errno = 0;
    EXPECT(copy_file_range(dir, 0, out, 0, 1, 0) == -1 && errno == EISDIR);
    int p[2];
    EXPECT(pipe(p) == 0);
    errno = 0;
    EXPECT(copy_file_range(p[0], 0, out, 0, 1, 0) == -1 && errno == EINVAL);
    close(p[0]);
    close(p[1]);
    close(dir);
    close(in);
    close(out);
    unlink("/tmp/cfr-in");
    unlink("/tmp/cfr-out");
}

static void proc_self(void)
{
    char buf[256], path[300];
    struct stat a, b;
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    EXPECT(n > 0);
    buf[n > 0 ? n : 0] = '\0';
    EXPECT(buf[0] == '/');
    /* The link leads to the program itself. */
    EXPECT(stat(buf, &a) == 0 && stat("/proc/self/exe", &b) == 0 && a.st_ino == b.st_ino &&
           S_ISREG(b.st_mode));
    snprintf(path, sizeof path, "/proc/%d/exe", getpid());
    EXPECT(readlink(path, buf, sizeof buf) == n);
    int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
    snprintf(path, sizeof path, "/proc/self/fd/%d", dir);
    n = readlink(path, buf, sizeof buf - 1);
    EXPECT(n == 4 && memcmp(buf, "/tmp", 4) == 0);
    EXPECT(stat(path, &a) == 0 && S_ISDIR(a.st_mode));
    close(dir);
    int p[2];
    EXPECT(pipe(p) == 0);
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
    n = readlink(path, buf, sizeof buf - 1);
    EXPECT(n > 6 && memcmp(buf, "pipe:[", 6) == 0);
    close(p[0]);
    close(p[1]);
    errno = 0;
    EXPECT(readlink(path, buf, sizeof buf) == -1 && errno == ENOENT);   /* closed */
    EXPECT(chdir("/tmp") == 0);
    n = readlink("/proc/self/cwd", buf, sizeof buf - 1);
    EXPECT(n == 4 && memcmp(buf, "/tmp", 4) == 0);
    EXPECT(chdir("/") == 0);
    int fd = open("/proc/self/fd/0", O_RDONLY);
    close(fd);                   /* stdin may be anything: it opens or not */
    FILE *f = fopen("/proc/mounts", "r");
    EXPECT(f != NULL);
    int root = 0;
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        char dev[64], dirname[64], type[32];
        if (sscanf(line, "%63s %63s %31s", dev, dirname, type) == 3 && !strcmp(dirname, "/"))
            root = 1;
    }
    EXPECT(root);
    if (f)
        fclose(f);
}

/* posix keeps a cache of names: every change of a name or a mode shows at
 * once through paths looked up before. */
static void name_cache(void)
{
    struct stat a, b;
    mkdir("/tmp", 0777);
    EXPECT(mkdir("/tmp/nc", 0755) == 0 && mkdir("/tmp/nc/d1", 0755) == 0 &&
           mkdir("/tmp/nc/x", 0755) == 0);
    write_file("/tmp/nc/d1/f", "one");
    EXPECT(stat("/tmp/nc/d1/f", &a) == 0);
    /* rename: the old path goes, the new one comes. */
    EXPECT(rename("/tmp/nc/d1", "/tmp/nc/d2") == 0);
    errno = 0;
    EXPECT(stat("/tmp/nc/d1/f", &b) == -1 && errno == ENOENT);
    EXPECT(stat("/tmp/nc/d2/f", &b) == 0 && b.st_ino == a.st_ino);
    /* A moved directory's ".." follows it. */
    EXPECT(chdir("/tmp/nc/d2") == 0 && stat("..", &a) == 0 && stat("/tmp/nc", &b) == 0 &&
           a.st_ino == b.st_ino);
    EXPECT(rename("/tmp/nc/d2", "/tmp/nc/x/d2") == 0);
    EXPECT(stat("..", &a) == 0 && stat("/tmp/nc/x", &b) == 0 && a.st_ino == b.st_ino);
    EXPECT(chdir("/") == 0);
    /* unlink, then a new file of the same name. */
    EXPECT(stat("/tmp/nc/x/d2/f", &a) == 0 && unlink("/tmp/nc/x/d2/f") == 0);
    errno = 0;
    EXPECT(stat("/tmp/nc/x/d2/f", &b) == -1 && errno == ENOENT);
    write_file("/tmp/nc/x/d2/f", "two!");
    EXPECT(stat("/tmp/nc/x/d2/f", &b) == 0 && b.st_size == 4);
    /* A mode change shows in access. */
    EXPECT(chmod("/tmp/nc/x/d2/f", 0755) == 0 && access("/tmp/nc/x/d2/f", X_OK) == 0);
    EXPECT(chmod("/tmp/nc/x/d2/f", 0644) == 0);
    errno = 0;
    EXPECT(access("/tmp/nc/x/d2/f", X_OK) == -1 && errno == EACCES);
    int fd = open("/tmp/nc/x/d2/f", O_RDONLY);
    EXPECT(fd >= 0 && fchmod(fd, 0700) == 0 && access("/tmp/nc/x/d2/f", X_OK) == 0);
    close(fd);
    /* rmdir, then a new directory of the same name. */
    EXPECT(unlink("/tmp/nc/x/d2/f") == 0 && rmdir("/tmp/nc/x/d2") == 0);
    errno = 0;
    EXPECT(stat("/tmp/nc/x/d2", &a) == -1 && errno == ENOENT);
    EXPECT(mkdir("/tmp/nc/x/d2", 0700) == 0 && stat("/tmp/nc/x/d2", &a) == 0 &&
           (a.st_mode & 0777) == 0700);
    EXPECT(rmdir("/tmp/nc/x/d2") == 0 && rmdir("/tmp/nc/x") == 0 && rmdir("/tmp/nc") == 0);
}

static const struct test_case cases[] = {
    { "chroot_jail", chroot_jail },
    { "copy_range", copy_range },
    { "proc_self", proc_self },
    { "name_cache", name_cache },
};

int main(int argc, char **argv)
{
    return run_cases("fscalls", cases, sizeof cases / sizeof cases[0], argc, argv);
}
