/*
 * Cases: budgets and CREATE. A child budget pays for what is made from it,
 * refuses with -ENOMEM when spent, and gets back every page when its
 * objects go; CREATE's argument checks.
 */
#include "ktest.h"

#define USED(b)  mica_budget_info((b), 1)
#define LIMIT(b) mica_budget_info((b), 2)
#define FREE(b)  mica_budget_info((b), 0)
#define SYSTEM_FREE() mica_budget_info(MICA_SLOT_BUDGET, 3)

void budget_child(void)
{
    long used0 = USED(MICA_SLOT_BUDGET);
    long b = kt_new(MICA_OBJ_BUDGET, 16);
    EXPECT_EQ(LIMIT(b), 16);
    EXPECT_EQ(USED(b), 0);
    EXPECT_EQ(FREE(b), 16);
    EXPECT(USED(MICA_SLOT_BUDGET) >= used0 + 16);        /* carved out up front */
    EXPECT_EQ(FREE(MICA_SLOT_BUDGET), LIMIT(MICA_SLOT_BUDGET) - USED(MICA_SLOT_BUDGET));
    long f = slot_alloc();
    EXPECT_EQ(mica_create(b, MICA_OBJ_FRAME, f, 4), 0);
    EXPECT_EQ(USED(b), 5);                               /* 4 pages and a slab page */
    slot_free(f);
    EXPECT_EQ(USED(b), 0);
    kt_free(b);
    EXPECT_EQ(USED(MICA_SLOT_BUDGET), used0);
}

void budget_errors(void)
{
    long b = kt_new(MICA_OBJ_BUDGET, 8);
    long d = slot_alloc();
    EXPECT_EQ(mica_create(b, MICA_OBJ_BUDGET, d, 0), -EINVAL);
    EXPECT_EQ(mica_create(b, MICA_OBJ_BUDGET, d, 9), -ENOMEM);
    /* 8 pages and the slab page of the budget object: one too many. */
    EXPECT_EQ(mica_create(b, MICA_OBJ_BUDGET, d, 8), -ENOMEM);
    EXPECT_EQ(mica_create(b, MICA_OBJ_BUDGET, d, ~0ul), -ENOMEM);
    EXPECT_EQ(mica_create(b, MICA_OBJ_BUDGET, d, 1ul << 63), -ENOMEM);
    EXPECT_EQ(USED(b), 0);
    EXPECT_EQ(mica_create(b, MICA_OBJ_BUDGET, d, 7), 0);
    EXPECT_EQ(USED(b), 8);
    EXPECT_EQ(FREE(b), 0);
    slot_free(d);
    EXPECT_EQ(USED(b), 0);
    EXPECT_EQ(mica_budget_info(b, 4), -EINVAL);
    EXPECT_EQ(mica_budget_info(b, -1), -EINVAL);
    EXPECT_EQ(mica_budget_info(MICA_SLOT_SELF, 0), -EINVAL);
    /* Reading needs no right, spending needs the write right. */
    long ro = kt_copy(b, MICA_R_READ, 0);
    EXPECT_EQ(LIMIT(ro), 8);
    d = slot_alloc();
    EXPECT_EQ(mica_create(ro, MICA_OBJ_ENDPOINT, d, 0), -EACCES);
    EXPECT_EQ(mica_create(MICA_SLOT_SELF, MICA_OBJ_ENDPOINT, d, 0), -EINVAL);
    slot_free(d);
    kt_free(ro);
    kt_free(b);
}

void budget_exhaust_frames(void)
{
    long b = kt_new(MICA_OBJ_BUDGET, 8);
    long f[9];
    int n = 0;
    long r = 0;
    while (n < 8) {
        f[n] = slot_alloc();
        if ((r = mica_create(b, MICA_OBJ_FRAME, f[n], 1)) != 0)
            break;
        n++;
    }
    EXPECT_EQ(r, -ENOMEM);
    EXPECT_EQ(n, 7);                             /* and the slab page holding them */
    EXPECT_EQ(USED(b), 8);
    /* A failed frame leaves nothing behind. */
    for (int i = 0; i < n; i++)
        slot_free(f[i]);
    EXPECT_EQ(USED(b), 0);
    EXPECT_EQ(mica_create(b, MICA_OBJ_FRAME, f[n], 8), -ENOMEM);
    EXPECT_EQ(mica_create(b, MICA_OBJ_FRAME, f[n], 7), 0);
    EXPECT_EQ(USED(b), 8);
    slot_free(f[n]);
    EXPECT_EQ(USED(b), 0);
    kt_free(b);
}

#define MAX_EPS 200

void budget_exhaust_endpoints(void)
{
    static long ep[MAX_EPS];
    long b = kt_new(MICA_OBJ_BUDGET, 2);
    for (int round = 0; round < 2; round++) {
        int n = 0;
        long r = 0;
        while (n < MAX_EPS) {
            ep[n] = slot_alloc();
            if ((r = mica_create(b, MICA_OBJ_ENDPOINT, ep[n], 0)) != 0)
                break;
            n++;
        }
        EXPECT_EQ(r, -ENOMEM);
        EXPECT(n > 2);
        EXPECT_EQ(USED(b), 2);
        for (int i = 0; i <= n && i < MAX_EPS; i++)
            slot_free(ep[i]);
        EXPECT_EQ(USED(b), 0);
    }
    kt_free(b);
}

/* Processes and threads need several allocations: each failing one must
 * undo the others. */
void budget_exhaust_process(void)
{
    int made = 0;
    for (long pages = 1; pages <= 12 && !made; pages++) {
        long b = kt_new(MICA_OBJ_BUDGET, (uint64_t)pages);
        long p = slot_alloc();
        long r = mica_create(b, MICA_OBJ_PROCESS, p, 256);
        EXPECT(r == 0 || r == -ENOMEM);
        if (r == 0) {
            made = 1;
            EXPECT(pages >= 6);     /* slab, 4 pages of slots, the root page table */
        } else {
            EXPECT_EQ(USED(b), 0);
        }
        slot_free(p);
        EXPECT_EQ(USED(b), 0);
        kt_free(b);
    }
    EXPECT(made);

    /* A process whose budget cannot pay for page tables: MAP fails. */
    long b = kt_new(MICA_OBJ_BUDGET, 8);
    long p = slot_alloc(), f = kt_new(MICA_OBJ_FRAME, 1);
    EXPECT_EQ(mica_create(b, MICA_OBJ_PROCESS, p, 256), 0);
    long spare = mica_budget_info(b, 0);
    long fill = slot_alloc();
    if (spare > 1)
        EXPECT_EQ(mica_create(b, MICA_OBJ_FRAME, fill, (uint64_t)spare - 1), 0);
    EXPECT_EQ(mica_map(p, f, KT_MAP(0), MICA_R_READ, 0), -ENOMEM);   /* needs two tables */
    EXPECT_EQ(mica_process_destroy(p), 0);
    slot_free(fill);
    slot_free(p);
    kt_free(f);
    EXPECT_EQ(USED(b), 0);
    kt_free(b);

    b = kt_new(MICA_OBJ_BUDGET, 1);
    long t[8];
    int n = 0;
    long r = 0;
    while (n < 8) {
        t[n] = slot_alloc();
        if ((r = mica_create(b, MICA_OBJ_THREAD, t[n], MICA_SLOT_SELF)) != 0)
            break;
        n++;
    }
    EXPECT_EQ(r, -ENOMEM);
    EXPECT(n >= 1);
    for (int i = 0; i <= n && i < 8; i++)
        slot_free(t[i]);
    EXPECT_EQ(USED(b), 0);
    kt_free(b);
}

void budget_nested(void)
{
    long used0 = USED(MICA_SLOT_BUDGET);
    long b1 = kt_new(MICA_OBJ_BUDGET, 32);
    long b2 = slot_alloc();
    EXPECT_EQ(mica_create(b1, MICA_OBJ_BUDGET, b2, 16), 0);
    EXPECT_EQ(USED(b1), 17);
    long f = slot_alloc();
    EXPECT_EQ(mica_create(b2, MICA_OBJ_FRAME, f, 2), 0);
    /* The budgets' capabilities go first: the frame keeps them alive. */
    kt_free(b2);
    kt_free(b1);
    EXPECT(USED(MICA_SLOT_BUDGET) > used0);
    slot_free(f);
    EXPECT_EQ(USED(MICA_SLOT_BUDGET), used0);
}

/* Everything a whole run of processes costs comes back. */
void budget_system_pages(void)
{
    long before = SYSTEM_FREE();
    for (int i = 0; i < 3; i++) {
        struct kt_helper h;
        if (kt_helper_start(&h, KT_ROLE_SERVER, KT_HELPER_EP, 0, 0, 0, 0))
            break;
        struct mica_msg m;
        EXPECT_EQ(kt_helper_cmd(&h, KT_CMD_ECHO, 41, 0, &m), 0);
        EXPECT_EQ(m.w[0], 42);
        EXPECT(SYSTEM_FREE() < before);
        kt_helper_stop(&h);
    }
    long p = kt_new(MICA_OBJ_PROCESS, MICA_MAX_SLOTS);
    long t = slot_alloc();
    EXPECT_EQ(mica_create(MICA_SLOT_BUDGET, MICA_OBJ_THREAD, t, (uint64_t)p), 0);
    kt_free(p);
    kt_free(t);
    EXPECT_EQ(SYSTEM_FREE(), before);
}

void create_errors(void)
{
    long d = slot_alloc();
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long empty = slot_alloc();
    static const uint64_t bad_types[] = { MICA_OBJ_NONE, MICA_OBJ_REPLY, MICA_OBJ_IRQ,
                                          MICA_OBJ_IRQ_CONTROL, MICA_OBJ_DEVICE_CONTROL,
                                          MICA_OBJ_TYPES, 1000, ~0ul };
    for (unsigned i = 0; i < sizeof bad_types / sizeof bad_types[0]; i++)
        EXPECT_EQ(mica_create(MICA_SLOT_BUDGET, (enum mica_type)bad_types[i], d, 1), -EINVAL);
    EXPECT_EQ(mica_create(MICA_SLOT_BUDGET, MICA_OBJ_PROCESS, d, 0), -EINVAL);
    EXPECT_EQ(mica_create(MICA_SLOT_BUDGET, MICA_OBJ_PROCESS, d, MICA_MAX_SLOTS + 1), -EINVAL);
    EXPECT_EQ(mica_create(MICA_SLOT_BUDGET, MICA_OBJ_FRAME, d, 0), -EINVAL);
    EXPECT_EQ(mica_create(MICA_SLOT_BUDGET, MICA_OBJ_FRAME, d, MICA_MAX_FRAME_PAGES + 1),
              -EINVAL);
    EXPECT_EQ(mica_create(MICA_SLOT_BUDGET, MICA_OBJ_THREAD, d, (uint64_t)empty), -EBADF);
    EXPECT_EQ(mica_create(MICA_SLOT_BUDGET, MICA_OBJ_THREAD, d, (uint64_t)ep), -EINVAL);
    long self_ro = kt_copy(MICA_SLOT_SELF, MICA_R_READ, 0);
    EXPECT_EQ(mica_create(MICA_SLOT_BUDGET, MICA_OBJ_THREAD, d, (uint64_t)self_ro), -EACCES);
    EXPECT_EQ(mica_create(empty, MICA_OBJ_ENDPOINT, d, 0), -EBADF);
    EXPECT_EQ(mica_create(ep, MICA_OBJ_ENDPOINT, d, 0), -EINVAL);
    EXPECT_EQ(mica_create(MICA_SLOT_BUDGET, MICA_OBJ_ENDPOINT, ep, 0), -EEXIST);
    EXPECT_EQ(mica_cap_info(d), -EBADF);              /* nothing was made */
    /* The largest frame and process can be made. */
    EXPECT_EQ(mica_create(MICA_SLOT_BUDGET, MICA_OBJ_FRAME, d, MICA_MAX_FRAME_PAGES), 0);
    EXPECT_EQ(mica_cap_delete(d), 0);
    EXPECT_EQ(mica_create(MICA_SLOT_BUDGET, MICA_OBJ_PROCESS, d, MICA_MAX_SLOTS), 0);
    kt_free(self_ro);
    slot_free(empty);
    kt_free(ep);
    slot_free(d);
}
