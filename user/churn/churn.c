/*
 * churn: a file workload that must not notice servers dying under it.
 *
 *   churn DIR WORKERS
 *
 * WORKERS processes each loop until DIR/stop exists: create a file with
 * O_EXCL, write it in pieces of varied size, append a line to their log,
 * read the file back and check it, rename it, make and remove a
 * directory, unlink the file of two rounds before. Every one of these
 * fails if the file system applied a retried request twice (EEXIST,
 * ENOENT) or lost one. At the end each worker checks every file it kept
 * and its log line by line, and writes DIR/MANIFEST.i: one "name size
 * fnv1a64" line per file it kept, for a check on the host after shutdown.
 * Exit status: 0 when no call failed and every check held.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_SIZE (96 * 1024)
#define KEEP 2                      /* rounds a file lives */

static const char *dir;
static int worker;
static long failures, ops;
static unsigned char buf[MAX_SIZE], back[MAX_SIZE];

static void fail(const char *what, const char *path)
{
    int e = errno;
    printf("churn %d: %s %s: %s (errno %d)\n", worker, what, path, strerror(e), e);
    failures++;
}

static uint64_t fnv(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* The contents of round k: a size and bytes that depend on (worker, k). */
static size_t contents(long k)
{
    uint64_t x = (uint64_t)(worker + 1) * 0x9e3779b97f4a7c15ull ^ (uint64_t)k * 0xbf58476d1ce4e5b9ull;
    size_t size = 1 + (size_t)(x % MAX_SIZE);
    for (size_t i = 0; i < size; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[i] = (unsigned char)x;
    }
    return size;
}

static void path(char *out, const char *kind, long k)
{
    snprintf(out, 256, "%s/%s.%d.%ld", dir, kind, worker, k);
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        size_t piece = n < 5000 ? n : 1 + (n * 7919) % 20000;    /* varied sizes */
        ssize_t w = write(fd, p, piece < n ? piece : n);
        if (w <= 0)
            return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

static int read_all(const char *name, unsigned char *p, size_t max)
{
    int fd = open(name, O_RDONLY);
    if (fd < 0)
        return -1;
    size_t got = 0;
    ssize_t r;
    while (got < max && (r = read(fd, p + got, max - got)) > 0)
        got += (size_t)r;
    close(fd);
    return (int)got;
}

static void round_of(long k)
{
    char tmp[256], done[256], sub[256], old[256], line[64];
    size_t size = contents(k);
    path(tmp, "new", k);
    path(done, "file", k);
    path(sub, "dir", k);
    int fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd < 0)
        return fail("create", tmp);
    if (write_all(fd, buf, size))
        fail("write", tmp);
    if (close(fd))
        fail("close", tmp);
    int n = read_all(tmp, back, MAX_SIZE);
    if (n != (int)size || memcmp(buf, back, size))
        printf("churn %d: %s reads back wrong (%d of %zu bytes)\n", worker, tmp, n, size),
            failures++;
    if (rename(tmp, done))
        fail("rename", tmp);
    if (mkdir(sub, 0755))
        fail("mkdir", sub);
    if (rmdir(sub))
        fail("rmdir", sub);
    if (k >= KEEP) {
        path(old, "file", k - KEEP);
        if (unlink(old))
            fail("unlink", old);
    }
    snprintf(line, sizeof line, "%ld %zu %016llx\n", k, size, (unsigned long long)fnv(buf, size));
    path(old, "log", 0);
    fd = open(old, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line) || close(fd))
        fail("append", old);
    ops += 9;
}

/* The log has exactly one line per round, in order; the kept files are
 * right. Then the manifest. */
static void check(long rounds)
{
    char name[256], line[64], want[64];
    path(name, "log", 0);
    FILE *f = fopen(name, "r");
    long k = 0;
    while (f && fgets(line, sizeof line, f)) {
        size_t size = contents(k);
        snprintf(want, sizeof want, "%ld %zu %016llx\n", k, size,
                 (unsigned long long)fnv(buf, size));
        if (strcmp(line, want))
            printf("churn %d: log line %ld is '%.40s'\n", worker, k, line), failures++;
        k++;
    }
    if (!f || k != rounds)
        printf("churn %d: log has %ld lines for %ld rounds\n", worker, k, rounds), failures++;
    if (f)
        fclose(f);
    snprintf(name, sizeof name, "%s/MANIFEST.%d", dir, worker);
    FILE *m = fopen(name, "w");
    for (k = rounds > KEEP ? rounds - KEEP : 0; k < rounds; k++) {
        size_t size = contents(k);
        path(name, "file", k);
        int n = read_all(name, back, MAX_SIZE);
        if (n != (int)size || memcmp(buf, back, size))
            printf("churn %d: %s is wrong at the end\n", worker, name), failures++;
        if (m)
            fprintf(m, "%s %zu %016llx\n", strrchr(name, '/') + 1, size,
                    (unsigned long long)fnv(buf, size));
    }
    if (!m || fclose(m))
        fail("manifest", dir);
}

static int work(void)
{
    char stop[256];
    snprintf(stop, sizeof stop, "%s/stop", dir);
    long k = 0;
    while (access(stop, F_OK) != 0)
        round_of(k++);
    check(k);
    printf("churn %d: %ld rounds, %ld operations, %ld failures\n", worker, k, ops, failures);
    return failures != 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: churn DIR WORKERS\n");
        return 2;
    }
    dir = argv[1];
    int workers = atoi(argv[2]);
    setvbuf(stdout, 0, _IOLBF, 0);
    if (mkdir(dir, 0755) && errno != EEXIST) {
        perror(dir);
        return 1;
    }
    for (worker = 0; worker < workers; worker++)
        if (fork() == 0)
            return work();
    int bad = 0, status;
    while (wait(&status) > 0)
        bad += !WIFEXITED(status) || WEXITSTATUS(status);
    printf("churn: %d of %d workers failed\n", bad, workers);
    return bad != 0;
}
