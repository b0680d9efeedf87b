/* Memory of dead processes returns to the system: free memory (sysinfo)
 * after children that allocate, fork, map and exit equals free memory
 * before. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

static void *spin(void *arg) { return arg; }

static void child_work(void)
{
    char *p = malloc(1 << 20);
    memset(p, 1, 1 << 20);
    void *m = mmap(0, 256 << 10, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    memset(m, 2, 256 << 10);
    pthread_t t;
    pthread_create(&t, 0, spin, 0);
    pthread_join(t, 0);
    if (fork() == 0)
        _exit(0);
    wait(0);
    _exit(0);
}

static unsigned long free_ram(void)
{
    struct sysinfo si;
    sysinfo(&si);
    return si.freeram * si.mem_unit;
}

int main(void)
{
    /* A first round warms up what posix keeps (tables, slab pages). */
    for (int round = 0; round < 2; round++) {
        unsigned long before = free_ram();
        for (int i = 0; i < 20; i++)
            if (fork() == 0)
                child_work();
        for (int i = 0; i < 20; i++)
            wait(0);
        unsigned long after = free_ram();
        if (round == 1) {
            printf("leak: %lu bytes free before, %lu after: %s\n", before, after,
                   before == after ? "ok" : "LEAK");
            return before != after;
        }
    }
    return 2;
}
