/* Host unit test of pte_next_used (kernel/vm.h): the page-table scan that
 * skips empty entries eight at a time must find what a scan of one entry at
 * a time finds, from every start, in tables empty, full and in between. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vm.h"

static unsigned naive(const pte_t *table, unsigned i)
{
    while (i < 512 && !table[i])
        i++;
    return i;
}

/* Every start from 0 to 512 of one table. */
static void check_all_starts(const pte_t *table)
{
    for (unsigned i = 0; i <= 512; i++)
        CHECK(pte_next_used(table, i) == naive(table, i));
}

static void empty_and_full(void)
{
    pte_t *t = aligned_alloc(4096, 4096);
    memset(t, 0, 4096);
    check_all_starts(t);
    for (int i = 0; i < 512; i++)
        t[i] = PTE_V | (uint64_t)i << PTE_PPN_SHIFT;
    check_all_starts(t);
    free(t);
}

/* Single entries at every place, so each group of eight and each edge of
 * one is tried; and an entry that is not valid but not zero counts too. */
static void single_entries(void)
{
    pte_t *t = aligned_alloc(4096, 4096);
    for (int k = 0; k < 512; k++) {
        memset(t, 0, 4096);
        t[k] = k % 3 ? PTE_V | PTE_R : PTE_MAY_W;
        check_all_starts(t);
    }
    free(t);
}

static void random_tables(void)
{
    pte_t *t = aligned_alloc(4096, 4096);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 2000; round++) {
        memset(t, 0, 4096);
        int n = (int)(x % 24);
        for (int k = 0; k < n; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            t[x % 512] = x | PTE_V;
        }
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        check_all_starts(t);
    }
    free(t);
}

int main(void)
{
    RUN(empty_and_full);
    RUN(single_entries);
    RUN(random_tables);
    return check_failures != 0;
}
