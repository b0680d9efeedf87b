/* Mappings of files: private (data and code, copy-on-write against the
 * file), shared read-only, shared writable written back by msync and
 * munmap, /dev/zero, and the errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cases.h"

#define PG 4096
#define FILE_SIZE (2 * PG + 100)
#define NAME "/tmp/mapfile-test"

static unsigned char pattern(long i)
{
    return (unsigned char)(i * 7 + i / PG);
}

/* NAME, FILE_SIZE bytes of pattern(); returns an fd opened with flags. */
static int make_file(int flags)
{
    static unsigned char buf[FILE_SIZE];
    mkdir("/tmp", 0777);
    for (long i = 0; i < FILE_SIZE; i++)
        buf[i] = pattern(i);
    int fd = open(NAME, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    EXPECT(fd >= 0 && write(fd, buf, FILE_SIZE) == FILE_SIZE);
    close(fd);
    fd = open(NAME, flags);
    EXPECT(fd >= 0);
    return fd;
}

static void private_read(void)
{
    int fd = make_file(O_RDONLY);
    unsigned char *m = mmap(0, 3 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
    EXPECT(m != MAP_FAILED);
    int bad = 0;
    for (long i = 0; i < FILE_SIZE; i++)
        bad += m[i] != pattern(i);
    EXPECT(bad == 0);
    for (long i = FILE_SIZE; i < 3 * PG; i++)
        bad += m[i] != 0;
    EXPECT(bad == 0);                         /* the rest of the last page is zeros */
    unsigned char *o = mmap(0, PG, PROT_READ, MAP_PRIVATE, fd, PG);
    EXPECT(o != MAP_FAILED && o[0] == pattern(PG) && o[99] == pattern(PG + 99));
    close(fd);                                /* the mapping outlives the fd */
    EXPECT(m[PG + 5] == pattern(PG + 5));
    EXPECT(munmap(m, 3 * PG) == 0 && munmap(o, PG) == 0);
    unlink(NAME);
}

static void private_write_is_copy(void)
{
    int fd = make_file(O_RDWR);
    unsigned char *m = mmap(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    EXPECT(m != MAP_FAILED);
    m[10] = 0xee;
    m[PG + 1] = 0xdd;
    pid_t pid = fork();
    if (pid == 0) {
        m[10] = 0x11;                         /* the child's own copy */
        _exit(m[PG + 1] == 0xdd ? 0 : 1);
    }
    int status;
    EXPECT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT(m[10] == 0xee);
    EXPECT(msync(m, 3 * PG, MS_SYNC) == 0);
    EXPECT(munmap(m, 3 * PG) == 0);
    unsigned char b[2];
    EXPECT(pread(fd, b, 1, 10) == 1 && b[0] == pattern(10));   /* the file is untouched */
    EXPECT(pread(fd, b, 1, PG + 1) == 1 && b[0] == pattern(PG + 1));
    close(fd);
    unlink(NAME);
}

/* addi a0, zero, 42; ret */
static const uint32_t code[] = { 0x02a00513, 0x00008067 };

static void private_exec(void)
{
    mkdir("/tmp", 0777);
    int fd = open(NAME, O_CREAT | O_TRUNC | O_RDWR, 0755);
    EXPECT(fd >= 0 && write(fd, code, sizeof code) == (ssize_t)sizeof code);
    void *m = mmap(0, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    EXPECT(m != MAP_FAILED);
    if (m != MAP_FAILED) {
        int (*fn)(void) = (int (*)(void))m;
        EXPECT(fn() == 42);
        munmap(m, PG);
    }
    close(fd);
    unlink(NAME);
}

static void shared_read_only(void)
{
    int fd = make_file(O_RDONLY);
    unsigned char *m = mmap(0, 3 * PG, PROT_READ, MAP_SHARED, fd, 0);
    EXPECT(m != MAP_FAILED && m[2 * PG + 50] == pattern(2 * PG + 50));
    errno = 0;
    EXPECT(mprotect(m, PG, PROT_READ | PROT_WRITE) == -1 && errno == EACCES);
    errno = 0;
    EXPECT(mmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED &&
           errno == EACCES);
    EXPECT(munmap(m, 3 * PG) == 0);
    close(fd);
    unlink(NAME);
}

static void shared_write_back(void)
{
    int fd = make_file(O_RDWR);
    unsigned char *m = mmap(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    EXPECT(m != MAP_FAILED);
    memcpy(m + 100, "mapped", 6);
    EXPECT(msync(m, 3 * PG, MS_SYNC) == 0);
    char b[8] = { 0 };
    EXPECT(pread(fd, b, 6, 100) == 6 && memcmp(b, "mapped", 6) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        memcpy(m + 2 * PG, "child", 5);       /* the same pages in both */
        _exit(0);
    }
    int status;
    EXPECT(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
    EXPECT(memcmp(m + 2 * PG, "child", 5) == 0);
    m[2 * PG + 99] = 'Z';
    m[2 * PG + 200] = 'Q';                    /* past the end: never written */
    EXPECT(munmap(m, 3 * PG) == 0);
    EXPECT(pread(fd, b, 5, 2 * PG) == 5 && memcmp(b, "child", 5) == 0);
    EXPECT(pread(fd, b, 1, 2 * PG + 99) == 1 && b[0] == 'Z');
    struct stat st;
    EXPECT(fstat(fd, &st) == 0 && st.st_size == FILE_SIZE);
    close(fd);
    unlink(NAME);
}

static void errors_and_dev_zero(void)
{
    int p[2];
    EXPECT(pipe(p) == 0);
    errno = 0;
    EXPECT(mmap(0, PG, PROT_READ, MAP_PRIVATE, p[0], 0) == MAP_FAILED && errno == ENODEV);
    close(p[0]);
    close(p[1]);
    errno = 0;
    EXPECT(mmap(0, PG, PROT_READ, MAP_PRIVATE, 999, 0) == MAP_FAILED && errno == EBADF);
    int fd = make_file(O_RDONLY);
    errno = 0;
    EXPECT(mmap(0, PG, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED && errno == EINVAL);
    close(fd);
    fd = open(NAME, O_WRONLY);
    errno = 0;
    EXPECT(mmap(0, PG, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == EACCES);
    close(fd);
    fd = open("/tmp", O_RDONLY | O_DIRECTORY);
    errno = 0;
    EXPECT(mmap(0, PG, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == ENODEV);
    close(fd);
    unlink(NAME);
    fd = open("/dev/zero", O_RDWR);
    unsigned char *z = mmap(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    EXPECT(z != MAP_FAILED && z[0] == 0 && z[2 * PG - 1] == 0);
    z[5] = 1;
    EXPECT(munmap(z, 2 * PG) == 0);
    close(fd);
    errno = 0;
    EXPECT(msync((void *)(PG + 1), PG, MS_SYNC) == -1 && errno == EINVAL);
}

/* mprotect of part of an area keeps the contents of all of it. */
static void mprotect_keeps_contents(void)
{
    unsigned char *m = mmap(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT(m != MAP_FAILED);
    for (long i = 0; i < 3 * PG; i++)
        m[i] = pattern(i);
    EXPECT(mprotect(m + PG, PG, PROT_READ) == 0);
    int bad = 0;
    for (long i = 0; i < 3 * PG; i++)
        bad += m[i] != pattern(i);
    EXPECT(bad == 0);
    EXPECT(mprotect(m + PG, PG, PROT_READ | PROT_WRITE) == 0);
    m[PG] = 1;
    EXPECT(m[PG] == 1 && m[PG + 1] == pattern(PG + 1));
    EXPECT(munmap(m, 3 * PG) == 0);
}

static const struct test_case cases[] = {
    { "private_read", private_read },
    { "private_write_is_copy", private_write_is_copy },
    { "private_exec", private_exec },
    { "shared_read_only", shared_read_only },
    { "shared_write_back", shared_write_back },
    { "errors_and_dev_zero", errors_and_dev_zero },
    { "mprotect_keeps_contents", mprotect_keeps_contents },
};

int main(int argc, char **argv)
{
    return run_cases("mapfile", cases, sizeof cases / sizeof cases[0], argc, argv);
}
