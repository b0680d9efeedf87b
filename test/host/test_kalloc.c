/* Host tests of the page pool in kernel/kalloc.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kalloc.h"

#define BASE 0x80000000ull
#define PG   4096ull

static struct page_pool pool;
static uint64_t *bitmap;

static void setup(uint64_t npages)
{
    free(bitmap);
    bitmap = malloc(pool_bitmap_bytes(npages));
    pool_init(&pool, BASE, npages, bitmap);
}

static void starts_all_used(void)
{
    setup(100);
    CHECK(pool.nfree == 0);
    CHECK(pool_alloc(&pool, 1, 1) == 0);
    CHECK(pool_page_used(&pool, BASE));
}

static void release_rounds_inward(void)
{
    setup(100);
    pool_release(&pool, BASE + 100, 3 * PG);   /* partial pages at both ends */
    CHECK(pool.nfree == 2);
    CHECK(pool_page_used(&pool, BASE));
    CHECK(!pool_page_used(&pool, BASE + PG));
    CHECK(!pool_page_used(&pool, BASE + 2 * PG));
    CHECK(pool_page_used(&pool, BASE + 3 * PG));
}

static void reserve_rounds_outward(void)
{
    setup(100);
    pool_release(&pool, BASE, 100 * PG);
    pool_reserve(&pool, BASE + PG + 1, 10);
    CHECK(pool.nfree == 99);
    CHECK(pool_page_used(&pool, BASE + PG));
    pool_reserve(&pool, BASE + 99 * PG, 100 * PG);   /* clamped to the pool */
    CHECK(pool.nfree == 98);
    pool_reserve(&pool, BASE - 10 * PG, 11 * PG);    /* starts below the pool */
    CHECK(pool.nfree == 97);
    pool_reserve(&pool, UINT64_MAX - PG, 2 * PG);    /* wraps around: clamped */
    CHECK(pool.nfree == 97);
}

static void alloc_lowest_first_and_exhaust(void)
{
    setup(70);
    pool_release(&pool, BASE, 70 * PG);
    for (uint64_t i = 0; i < 70; i++)
        CHECK(pool_alloc(&pool, 1, 1) == BASE + i * PG);
    CHECK(pool_alloc(&pool, 1, 1) == 0);
    CHECK(pool.nfree == 0);
    CHECK(pool_free(&pool, BASE + 5 * PG, 1) == 0);
    CHECK(pool_alloc(&pool, 1, 1) == BASE + 5 * PG);
}

static void contiguous_and_aligned(void)
{
    setup(256);
    pool_release(&pool, BASE, 256 * PG);
    CHECK(pool_alloc(&pool, 1, 1) == BASE);
    uint64_t a = pool_alloc(&pool, 8, 8);
    CHECK(a == BASE + 8 * PG);
    uint64_t b = pool_alloc(&pool, 3, 1);
    CHECK(b == BASE + PG);
    CHECK(pool_alloc(&pool, 300, 1) == 0);
    CHECK(pool_alloc(&pool, 4, 3) == 0);          /* not a power of two */
    CHECK(pool_alloc(&pool, 0, 1) == 0);
    /* A hole of 3 pages is skipped for a run of 5. */
    CHECK(pool_alloc(&pool, 5, 1) == BASE + 16 * PG);
    CHECK(pool_free(&pool, a, 8) == 0);
    CHECK(pool_alloc(&pool, 8, 1) == BASE + 4 * PG);
}

static void bad_frees_change_nothing(void)
{
    setup(64);
    pool_release(&pool, BASE, 64 * PG);
    uint64_t a = pool_alloc(&pool, 2, 1);
    uint64_t n = pool.nfree;
    CHECK(pool_free(&pool, a, 3) == -1);          /* third page is free */
    CHECK(pool_free(&pool, a + 1, 1) == -1);      /* not page aligned */
    CHECK(pool_free(&pool, BASE - PG, 1) == -1);
    CHECK(pool_free(&pool, BASE + 64 * PG, 1) == -1);
    CHECK(pool_free(&pool, BASE + 63 * PG, UINT64_MAX) == -1);
    CHECK(pool.nfree == n);
    CHECK(pool_free(&pool, a, 2) == 0);
    CHECK(pool_free(&pool, a, 2) == -1);          /* double free */
    CHECK(pool.nfree == 64);
}

static void holes_between_regions(void)
{
    setup(1000);
    pool_release(&pool, BASE, 100 * PG);
    pool_release(&pool, BASE + 900 * PG, 100 * PG);
    CHECK(pool.nfree == 200);
    uint64_t a = pool_alloc(&pool, 150, 1);
    CHECK(a == 0);
    a = pool_alloc(&pool, 100, 1);
    CHECK(a == BASE);
    CHECK(pool_alloc(&pool, 1, 1) == BASE + 900 * PG);
}

static void random_against_model(void)
{
    enum { N = 512 };
    static unsigned char model[N];
    setup(N);
    pool_release(&pool, BASE, N * PG);
    memset(model, 0, sizeof model);
    srand(1);
    for (int iter = 0; iter < 20000; iter++) {
        uint64_t count = 1 + rand() % 9;
        if (rand() % 2) {
            uint64_t pa = pool_alloc(&pool, count, 1);
            if (!pa)
                continue;
            uint64_t i = (pa - BASE) / PG;
            for (uint64_t k = 0; k < count; k++) {
                CHECK(!model[i + k]);
                model[i + k] = 1;
            }
        } else {
            uint64_t i = rand() % N;
            int expect = i + count <= N;
            for (uint64_t k = 0; expect && k < count; k++)
                expect = model[i + k];
            CHECK((pool_free(&pool, BASE + i * PG, count) == 0) == expect);
            for (uint64_t k = 0; expect && k < count; k++)
                model[i + k] = 0;
        }
        uint64_t nfree = 0;
        for (int k = 0; k < N; k++)
            nfree += !model[k];
        if (nfree != pool.nfree) {
            CHECK(nfree == pool.nfree);
            return;
        }
    }
}

/* The lowest free run of count pages aligned to align, in the model. */
static long model_fit(const unsigned char *model, int n, int count, int align)
{
    for (int i = 0; i + count <= n; i += align) {
        int k = 0;
        while (k < count && !model[i + k])
            k++;
        if (k == count)
            return i;
    }
    return -1;
}

/* Aligned runs over a fragmented pool (the word-at-a-time search has to
 * cross words, skip full ones and resume after a page in use): always the
 * lowest fit, as a page-by-page search finds it. */
static void aligned_lowest_fit_against_model(void)
{
    enum { N = 700 };              /* not a multiple of 64: a partial last word */
    static unsigned char model[N];
    setup(N);
    pool_release(&pool, BASE, N * PG);
    memset(model, 0, sizeof model);
    srand(2);
    for (int iter = 0; iter < 20000; iter++) {
        int count = 1 + rand() % (rand() % 4 ? 8 : 80);
        int align = 1 << rand() % 7;
        if (rand() % 2) {
            long want = model_fit(model, N, count, align);
            uint64_t pa = pool_alloc(&pool, (uint64_t)count, (uint64_t)align);
            CHECK(pa == (want < 0 ? 0 : BASE + (uint64_t)want * PG));
            if (want < 0 || pa != BASE + (uint64_t)want * PG)
                return;
            memset(model + want, 1, (size_t)count);
        } else {
            /* Frees the pages in use from a random one on, up to 16. */
            int i = rand() % N, k = 0;
            count = 1 + rand() % 16;
            while (k < count && i + k < N && model[i + k])
                k++;
            if (k) {
                CHECK(pool_free(&pool, BASE + (uint64_t)i * PG, (uint64_t)k) == 0);
                memset(model + i, 0, (size_t)k);
            }
        }
    }
}

int main(void)
{
    RUN(starts_all_used);
    RUN(release_rounds_inward);
    RUN(reserve_rounds_outward);
    RUN(alloc_lowest_first_and_exhaust);
    RUN(contiguous_and_aligned);
    RUN(bad_frees_change_nothing);
    RUN(holes_between_regions);
    RUN(random_against_model);
    RUN(aligned_lowest_fit_against_model);
    free(bitmap);
    return check_failures != 0;
}
