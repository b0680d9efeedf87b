/* Memory: mmap/munmap/mprotect, MAP_FIXED_NOREPLACE, mremap, madvise,
 * RLIMIT_AS and RLIMIT_DATA, and SIGSEGV's si_code/si_addr. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cases.h"

static sigjmp_buf jb;
static volatile void *fault_addr;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    siglongjmp(jb, 1);
}

static long pg;

/* Fresh anonymous read-write pages, or 0 (counted as a failure). */
static char *map_pages(long pages)
{
    pg = sysconf(_SC_PAGESIZE);
    char *p = mmap(0, pages * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT(p != MAP_FAILED);
    return p == MAP_FAILED ? 0 : p;
}

static void catch_segv(void)
{
    struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
    sigaction(SIGSEGV, &sa, 0);
}

/* Pages are 4 KiB, zeroed, and allocated on first touch. */
static void mmap_zeroed(void)
{
    char *p = map_pages(16);
    EXPECT(pg == 4096);
    if (!p)
        return;
    EXPECT(p[0] == 0 && p[15 * pg] == 0);
    memset(p, 'x', 16 * pg);
    EXPECT(munmap(p, 16 * pg) == 0);
}

static void fixed_noreplace(void)
{
    char *p = map_pages(16);
    if (!p)
        return;
    memset(p, 'x', 16 * pg);
    EXPECT(mmap(p, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) ==
           MAP_FAILED && errno == EEXIST);
    EXPECT(munmap(p, 16 * pg) == 0);
}

/* MADV_DONTNEED drops the one page: it reads as zero again. */
static void madvise_dontneed(void)
{
    char *p = map_pages(16);
    if (!p)
        return;
    memset(p, 'x', 16 * pg);
    EXPECT(madvise(p, pg, MADV_DONTNEED) == 0 && p[0] == 0 && p[pg] == 'x');
    EXPECT(munmap(p, 16 * pg) == 0);
}

/* Growing keeps the contents; the new part is zeroed. */
static void mremap_grow(void)
{
    char *p = map_pages(16);
    if (!p)
        return;
    memset(p, 'x', 16 * pg);
    char *q = mremap(p, 16 * pg, 64 * pg, MREMAP_MAYMOVE);
    EXPECT(q != MAP_FAILED && q[pg] == 'x' && q[63 * pg] == 0);
    if (q != MAP_FAILED)
        EXPECT(munmap(q, 64 * pg) == 0);
}

/* A write to a read-only page: SEGV_ACCERR at the address written. */
static void mprotect_accerr(void)
{
    char *q = map_pages(64);
    if (!q)
        return;
    catch_segv();
    EXPECT(mprotect(q, pg, PROT_READ) == 0);
    if (sigsetjmp(jb, 1) == 0) {
        q[5] = 1;
        EXPECT(!"wrote a read-only page");
    }
    EXPECT(fault_addr == q + 5 && fault_code == SEGV_ACCERR);
    EXPECT(mprotect(q, pg, PROT_READ | PROT_WRITE) == 0);
    q[5] = 1;
    EXPECT(munmap(q, 64 * pg) == 0);
}

/* A write to an unmapped page: SEGV_MAPERR at the address written. */
static void munmap_maperr(void)
{
    char *q = map_pages(64);
    if (!q)
        return;
    catch_segv();
    EXPECT(munmap(q, 64 * pg) == 0);
    if (sigsetjmp(jb, 1) == 0) {
        q[0] = 1;
        EXPECT(!"wrote an unmapped page");
    }
    if (fault_addr != q || fault_code != SEGV_MAPERR)
        printf("memory: addr %p (want %p) code %d\n", (void *)fault_addr, (void *)q, fault_code);
    EXPECT(fault_addr == q && fault_code == SEGV_MAPERR);
}

/* RLIMIT_AS: a big allocation fails with ENOMEM, small ones still work.
 * The limit stays: this case is last. */
static void rlimit_as(void)
{
    struct rlimit rl = { 64 << 20, 64 << 20 };
    EXPECT(setrlimit(RLIMIT_AS, &rl) == 0);
    EXPECT(mmap(0, 128 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
           MAP_FAILED && errno == ENOMEM);
    EXPECT(malloc(100 << 20) == 0);
    EXPECT(malloc(1000) != 0);
    struct rlimit got;
    EXPECT(getrlimit(RLIMIT_AS, &got) == 0 && got.rlim_cur == (rlim_t)64 << 20);
}

/* The whole address space mapped (PROT_NONE, so nothing is allocated):
 * mmap and malloc fail with ENOMEM instead of hanging, the break cannot
 * grow into a mapping, and memory given back is usable again. In a child,
 * so that the rest of the program keeps its address space. */
static int fill_address_space(void)
{
    void *big = 0;
    size_t big_len = 0;
    for (size_t len = (size_t)1 << 46; len >= 4096; ) {
        void *p = mmap(0, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            len /= 2;
            continue;
        }
        if (!big) {
            big = p;
            big_len = len;
        }
    }
    int bad = 0;
    errno = 0;
    bad |= mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED ||
           errno != ENOMEM;
    errno = 0;
    bad |= (malloc(10000) != 0 || errno != ENOMEM) << 1;
    bad |= (sbrk(0) == (void *)-1 || brk((char *)sbrk(0) + (1 << 20)) == 0) << 2;
    bad |= (!big || munmap((char *)big + 65536, big_len - 65536) != 0) << 3;
    bad |= (malloc(10000) == 0) << 4;
    return bad;
}

static void address_space_full(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(fill_address_space());
    int status = -1;
    EXPECT(waitpid(pid, &status, 0) == pid);
    if (status)
        printf("memory: address_space_full: status %#x\n", status);
    EXPECT(status == 0);
}

static const struct test_case cases[] = {
    { "mmap_zeroed", mmap_zeroed },
    { "fixed_noreplace", fixed_noreplace },
    { "madvise_dontneed", madvise_dontneed },
    { "mremap_grow", mremap_grow },
    { "mprotect_accerr", mprotect_accerr },
    { "munmap_maperr", munmap_maperr },
    { "address_space_full", address_space_full },
    { "rlimit_as", rlimit_as },
};

int main(int argc, char **argv)
{
    return run_cases("memory", cases, sizeof cases / sizeof cases[0], argc, argv);
}
