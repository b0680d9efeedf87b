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
#include <unistd.h>

static int failures;
#define EXPECT(c) do { if (!(c)) { printf("memory: failed: %s (line %d)\n", #c, __LINE__); failures++; } } while (0)

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

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    EXPECT(pg == 4096);
    char *p = mmap(0, 16 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT(p != MAP_FAILED);
    EXPECT(p[0] == 0 && p[15 * pg] == 0);          /* zeroed, allocated on touch */
    memset(p, 'x', 16 * pg);
    EXPECT(mmap(p, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) ==
           MAP_FAILED && errno == EEXIST);
    EXPECT(madvise(p, pg, MADV_DONTNEED) == 0 && p[0] == 0 && p[pg] == 'x');
    char *q = mremap(p, 16 * pg, 64 * pg, MREMAP_MAYMOVE);
    EXPECT(q != MAP_FAILED && q[pg] == 'x' && q[63 * pg] == 0);

    struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
    sigaction(SIGSEGV, &sa, 0);
    EXPECT(mprotect(q, pg, PROT_READ) == 0);
    if (sigsetjmp(jb, 1) == 0) {
        q[5] = 1;
        EXPECT(!"wrote a read-only page");
    }
    EXPECT(fault_addr == q + 5 && fault_code == SEGV_ACCERR);
    EXPECT(mprotect(q, pg, PROT_READ | PROT_WRITE) == 0);
    q[5] = 1;
    EXPECT(munmap(q, 64 * pg) == 0);
    if (sigsetjmp(jb, 1) == 0) {
        q[0] = 1;
        EXPECT(!"wrote an unmapped page");
    }
    if (fault_addr != q || fault_code != SEGV_MAPERR)
        printf("memory: addr %p (want %p) code %d\n", (void *)fault_addr, (void *)q, fault_code);
    EXPECT(fault_addr == q && fault_code == SEGV_MAPERR);

    /* RLIMIT_AS: a big allocation fails with ENOMEM, small ones still work. */
    struct rlimit rl = { 64 << 20, 64 << 20 };
    EXPECT(setrlimit(RLIMIT_AS, &rl) == 0);
    EXPECT(mmap(0, 128 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
           MAP_FAILED && errno == ENOMEM);
    EXPECT(malloc(100 << 20) == 0);
    EXPECT(malloc(1000) != 0);
    struct rlimit got;
    EXPECT(getrlimit(RLIMIT_AS, &got) == 0 && got.rlim_cur == (rlim_t)64 << 20);
    printf("memory: %s\n", failures ? "FAILED" : "ok");
    return failures;
}
