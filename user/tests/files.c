/* Files through posix and fs: open/creat flags, read/write/lseek, pread,
 * stat, directories, rename, links, symlinks, cwd, dup, fcntl, devices,
 * unlinked open files, named semaphores in /dev/shm. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cases.h"

/* Each case works in a fresh /tmp/files-test and leaves it removed, so that
 * any one of them can run alone. */
static void scratch_enter(void)
{
    char buf[256];
    mkdir("/tmp", 0777);
    EXPECT(chdir("/tmp") == 0);
    EXPECT(mkdir("files-test", 0755) == 0);
    EXPECT(chdir("files-test") == 0);
    EXPECT(getcwd(buf, sizeof buf) && strcmp(buf, "/tmp/files-test") == 0);
}

static void scratch_leave(void)
{
    EXPECT(chdir("..") == 0 && rmdir("files-test") == 0);
}

/* a.txt holding "hello world", as open_read_write leaves it. */
static void make_hello(void)
{
    int fd = open("a.txt", O_CREAT | O_EXCL | O_WRONLY, 0644);
    EXPECT(fd >= 0 && write(fd, "hello world", 11) == 11);
    close(fd);
}

static void open_read_write(void)
{
    char buf[256];
    scratch_enter();
    int fd = open("a.txt", O_CREAT | O_EXCL | O_RDWR, 0644);
    EXPECT(fd >= 0);
    EXPECT(write(fd, "hello world", 11) == 11);
    EXPECT(lseek(fd, 0, SEEK_SET) == 0);
    EXPECT(read(fd, buf, 5) == 5 && !memcmp(buf, "hello", 5));
    EXPECT(pread(fd, buf, 5, 6) == 5 && !memcmp(buf, "world", 5));
    EXPECT(lseek(fd, 0, SEEK_END) == 11);
    EXPECT(open("a.txt", O_CREAT | O_EXCL | O_RDWR, 0644) == -1 && errno == EEXIST);
    struct stat st;
    EXPECT(fstat(fd, &st) == 0 && st.st_size == 11 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0644);
    close(fd);
    EXPECT(unlink("a.txt") == 0);
    scratch_leave();
}

/* O_APPEND, O_TRUNC, dup sharing the offset, and FD_CLOEXEC. */
static void append_trunc_dup(void)
{
    struct stat st;
    scratch_enter();
    make_hello();
    int fd = open("a.txt", O_WRONLY | O_APPEND);
    EXPECT(write(fd, "!", 1) == 1);
    close(fd);
    EXPECT(stat("a.txt", &st) == 0 && st.st_size == 12);
    fd = open("a.txt", O_RDWR | O_TRUNC);
    EXPECT(fstat(fd, &st) == 0 && st.st_size == 0);
    int fd2 = dup(fd);
    EXPECT(fd2 > fd);
    EXPECT(write(fd2, "xy", 2) == 2 && lseek(fd, 0, SEEK_CUR) == 2);   /* shared offset */
    EXPECT(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC);
    close(fd);
    close(fd2);
    EXPECT(unlink("a.txt") == 0);
    scratch_leave();
}

/* Directories, rename, hard and symbolic links, readdir, and removal. */
static void links_and_dirs(void)
{
    char buf[256];
    struct stat st;
    scratch_enter();
    make_hello();
    EXPECT(mkdir("d", 0755) == 0 && mkdir("d", 0755) == -1 && errno == EEXIST);
    EXPECT(rename("a.txt", "d/b.txt") == 0);
    EXPECT(link("d/b.txt", "c.txt") == 0);
    EXPECT(symlink("d/b.txt", "s") == 0);
    EXPECT(readlink("s", buf, sizeof buf) == 7 && !memcmp(buf, "d/b.txt", 7));
    EXPECT(stat("s", &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 2);
    EXPECT(lstat("s", &st) == 0 && S_ISLNK(st.st_mode));
    EXPECT(open("s", O_RDONLY | O_NOFOLLOW) == -1 && errno == ELOOP);
    EXPECT(symlink("loop2", "loop1") == 0 && symlink("loop1", "loop2") == 0);
    EXPECT(open("loop1", O_RDONLY) == -1 && errno == ELOOP);
    EXPECT(rmdir("d") == -1 && errno == ENOTEMPTY);
    EXPECT(open("d/b.txt/x", O_RDONLY) == -1 && errno == ENOTDIR);
    EXPECT(access("d/b.txt", R_OK | W_OK) == 0);

    int n = 0;
    DIR *dir = opendir(".");
    struct dirent *de;
    while (dir && (de = readdir(dir)))
        n++;
    closedir(dir);
    EXPECT(n == 7);              /* . .. d c.txt s loop1 loop2 */

    EXPECT(unlink("c.txt") == 0 && unlink("s") == 0 && unlink("loop1") == 0 && unlink("loop2") == 0);
    EXPECT(unlink("d/b.txt") == 0 && rmdir("d") == 0);
    scratch_leave();
}

static void devices(void)
{
    char buf[8];
    int fd = open("/dev/null", O_RDWR);
    EXPECT(fd >= 0 && write(fd, "x", 1) == 1 && read(fd, buf, 1) == 0);
    close(fd);
    fd = open("/dev/zero", O_RDONLY);
    EXPECT(fd >= 0 && read(fd, buf, 8) == 8 && buf[3] == 0);
    close(fd);
    fd = open("/dev/full", O_WRONLY);
    EXPECT(fd >= 0 && write(fd, "x", 1) == -1 && errno == ENOSPC);
    close(fd);
    /* A device is no directory. */
    EXPECT(open("/dev/null/x", O_RDONLY) == -1 && errno == ENOTDIR);
    struct stat st;
    EXPECT(stat("/dev/zero/", &st) == -1 && errno == ENOTDIR);
}

/* The file stays: test_exec.py reads it back from the disk image. */
static void stdio_file(void)
{
    char buf[256];
    mkdir("/tmp", 0777);
    FILE *f = fopen("/tmp/stdio.txt", "w");
    EXPECT(f && fprintf(f, "line %d\n", 42) == 8 && fclose(f) == 0);
    f = fopen("/tmp/stdio.txt", "r");
    EXPECT(f && fgets(buf, sizeof buf, f) && !strcmp(buf, "line 42\n"));
    if (f)
        fclose(f);
}

/* preadv and pwritev at an offset, leaving the file's own; fallocate is
 * refused; positional calls on a pipe get ESPIPE. */
static void positional_vectored(void)
{
    int fd = open("/tmp/pv", O_CREAT | O_TRUNC | O_RDWR, 0644);
    EXPECT(fd >= 0);
    char a[] = "hello ", b[] = "world", x[6] = { 0 }, y[6] = { 0 };
    struct iovec w[2] = { { a, 6 }, { b, 5 } }, r[2] = { { x, 5 }, { y, 5 } };
    EXPECT(pwritev(fd, w, 2, 100) == 11);
    EXPECT(lseek(fd, 0, SEEK_CUR) == 0);
    EXPECT(preadv(fd, r, 2, 101) == 10 && memcmp(x, "ello ", 5) == 0 && memcmp(y, "world", 5) == 0);
    EXPECT(preadv(fd, r, 2, -1) == -1 && errno == EINVAL);
    EXPECT(fallocate(fd, 0, 0, 4096) == -1 && errno == EOPNOTSUPP);
    close(fd);
    unlink("/tmp/pv");
    int p[2];
    EXPECT(pipe(p) == 0);
    EXPECT(pwrite(p[1], a, 1, 0) == -1 && errno == ESPIPE);
    EXPECT(preadv(p[0], r, 1, 0) == -1 && errno == ESPIPE);
    close(p[0]);
    close(p[1]);
}

/* A file unlinked while open stays usable through every descriptor, in
 * this process and a child, until the last close frees it (e2fsck checks
 * that in test_exec.py); tmpfile() relies on it. */
static void unlinked_open(void)
{
    char buf[64];
    struct stat st;
    scratch_enter();
    make_hello();
    int fd = open("a.txt", O_RDWR), fd2 = open("a.txt", O_RDONLY);
    EXPECT(fd >= 0 && fd2 >= 0);
    EXPECT(unlink("a.txt") == 0);
    EXPECT(open("a.txt", O_RDONLY) == -1 && errno == ENOENT);
    EXPECT(fstat(fd, &st) == 0 && st.st_nlink == 0 && st.st_size == 11);
    EXPECT(lseek(fd, 0, SEEK_END) == 11 && write(fd, "!", 1) == 1);
    EXPECT(pread(fd2, buf, 12, 0) == 12 && !memcmp(buf, "hello world!", 12));
    EXPECT(linkat(fd, "", AT_FDCWD, "back", AT_EMPTY_PATH) == -1);
    close(fd);
    pid_t pid = fork();
    if (pid == 0)
        _exit(pread(fd2, buf, 5, 6) == 5 && !memcmp(buf, "world", 5) ? 0 : 1);
    int status = -1;
    EXPECT(waitpid(pid, &status, 0) == pid && status == 0);
    EXPECT(fstat(fd2, &st) == 0 && st.st_size == 12);
    close(fd2);
    /* Replaced by a rename while open: the same. */
    make_hello();
    fd = open("a.txt", O_RDONLY);
    int nfd = open("b.txt", O_CREAT | O_WRONLY, 0644);
    EXPECT(nfd >= 0 && write(nfd, "new", 3) == 3 && close(nfd) == 0);
    EXPECT(rename("b.txt", "a.txt") == 0);
    EXPECT(pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "hello", 5));
    EXPECT(fstat(fd, &st) == 0 && st.st_nlink == 0);
    close(fd);
    EXPECT(unlink("a.txt") == 0);
    FILE *f = tmpfile();
    EXPECT(f && fputs("temporary", f) >= 0 && fflush(f) == 0);
    EXPECT(f && fseek(f, 0, SEEK_SET) == 0 && fgets(buf, sizeof buf, f) &&
           !strcmp(buf, "temporary"));
    EXPECT(f && fstat(fileno(f), &st) == 0 && st.st_nlink == 0);
    if (f)
        fclose(f);
    scratch_leave();
}

/* Named semaphores and shm_open live in /dev/shm: the same name is the
 * same semaphore. (Between processes they share what MAP_SHARED file
 * mappings share.) */
static void named_semaphore(void)
{
    char name[64];
    int val = -1;
    snprintf(name, sizeof name, "/mica-sem-%d", (int)getpid());
    /* Mica's disk has it; the bare Linux of ../shared/linux may not. */
    mkdir("/dev/shm", 01777);
    sem_t *a = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
    EXPECT(a != SEM_FAILED);
    if (a == SEM_FAILED)
        return;
    EXPECT(sem_open(name, O_CREAT | O_EXCL, 0600, 1) == SEM_FAILED && errno == EEXIST);
    sem_t *b = sem_open(name, 0);
    EXPECT(b == a);
    EXPECT(sem_wait(a) == 0 && sem_getvalue(b, &val) == 0 && val == 0);
    EXPECT(sem_trywait(b) == -1 && errno == EAGAIN);
    EXPECT(sem_post(b) == 0 && sem_getvalue(a, &val) == 0 && val == 1);
    EXPECT(sem_close(a) == 0 && sem_close(b) == 0 && sem_unlink(name) == 0);
    EXPECT(sem_open(name, 0) == SEM_FAILED && errno == ENOENT);

    int fd = shm_open("/mica-shm", O_RDWR | O_CREAT | O_EXCL, 0600);
    EXPECT(fd >= 0 && ftruncate(fd, 4096) == 0);
    int *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    EXPECT(p != MAP_FAILED);
    if (p != MAP_FAILED) {
        p[0] = 42;
        EXPECT(munmap(p, 4096) == 0);
        EXPECT(pread(fd, &val, sizeof val, 0) == sizeof val && val == 42);
    }
    close(fd);
    EXPECT(shm_unlink("/mica-shm") == 0);
}

/* Record locks belong to a process (a child sees the parent's, waits for
 * them, and gets them when the parent closes any descriptor of the file);
 * flock locks belong to an open file description. */
static void file_locks(void)
{
    scratch_enter();
    make_hello();
    int fd = open("a.txt", O_RDWR);
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 2, .l_len = 3 };
    EXPECT(fd >= 0 && fcntl(fd, F_SETLK, &fl) == 0);
    fl.l_type = F_RDLCK;
    fl.l_start = 0;
    fl.l_len = 0;
    EXPECT(fcntl(fd, F_SETLK, &fl) == 0);       /* its own locks never conflict */
    EXPECT(fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type == F_UNLCK);
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        int bad = 0;
        struct flock c = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 3, .l_len = 1 };
        bad |= fcntl(fd, F_GETLK, &c) != 0 || c.l_type != F_RDLCK || c.l_pid != parent;
        c = (struct flock){ .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 1, .l_len = 1 };
        bad |= (fcntl(fd, F_SETLK, &c) != 0) << 1;                  /* read on read: fine */
        c.l_type = F_WRLCK;
        bad |= (fcntl(fd, F_SETLK, &c) != -1 || (errno != EAGAIN && errno != EACCES)) << 2;
        bad |= (fcntl(fd, F_SETLKW, &c) != 0) << 3;      /* until the parent lets go */
        _exit(bad);
    }
    usleep(100000);
    int fd2 = open("a.txt", O_RDONLY);
    close(fd2);                                    /* drops all the parent's locks */
    int status = -1;
    EXPECT(waitpid(pid, &status, 0) == pid && status == 0);
    /* flock: two open descriptions exclude each other; LOCK_UN lets go. */
    fd2 = open("a.txt", O_RDONLY);
    EXPECT(flock(fd, LOCK_EX) == 0);
    EXPECT(flock(fd2, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK);
    EXPECT(flock(fd, LOCK_SH) == 0 && flock(fd2, LOCK_SH | LOCK_NB) == 0);
    EXPECT(flock(fd, LOCK_UN) == 0 && flock(fd2, LOCK_UN) == 0);
    EXPECT(flock(fd, 0) == -1 && errno == EINVAL);
    close(fd2);
    close(fd);
    EXPECT(unlink("a.txt") == 0);
    scratch_leave();
}

static const struct test_case cases[] = {
    { "open_read_write", open_read_write },
    { "append_trunc_dup", append_trunc_dup },
    { "links_and_dirs", links_and_dirs },
    { "devices", devices },
    { "stdio_file", stdio_file },
    { "positional_vectored", positional_vectored },
    { "unlinked_open", unlinked_open },
    { "named_semaphore", named_semaphore },
    { "file_locks", file_locks },
};

int main(int argc, char **argv)
{
    return run_cases("files", cases, sizeof cases / sizeof cases[0], argc, argv);
}
