/*
 * Cases: memory grants. A caller lends part of its memory with its call
 * (struct mica_ipc_buffer grant_*); the receiver copies from and to it
 * with GRANT_COPY until it answers.
 */
#include "ktest.h"

#include "mica/string.h"

#define RW (MICA_R_READ | MICA_R_WRITE)

static uint8_t lent[64];
static const uint8_t read_only[64] = { 1 };

struct granter {
    struct kt_thread t;
    long ep;
    uint64_t base, len, rights, space;
    volatile long result;
};

static void call_with_grant(uint64_t p)
{
    struct granter *g = (struct granter *)p;
    struct mica_ipc_buffer *b = mica_ipcbuf();
    b->grant_base = g->base;
    b->grant_len = g->len;
    b->grant_rights = g->rights;
    b->grant_space = g->space;
    struct mica_msg m = { .info = MICA_INFO(1, 0, 0, 1) };
    g->result = mica_call(g->ep, &m);
}

/* Starts a thread calling ep with a grant of the memory of the process in
 * slot space (0: ours); when the call is accepted, receives it (0) or
 * returns the call's error. */
static long lend_space(struct granter *g, long ep, long space, uint64_t base, uint64_t len,
                       uint64_t rights)
{
    *g = (struct granter){ .ep = ep, .base = base, .len = len, .rights = rights,
                           .space = (uint64_t)space, .result = 1 };
    kt_thread_start(&g->t, call_with_grant, (uint64_t)g, KT_PRIO, 0);
    kt_settle();
    if (g->result != 1) {
        long r = g->result;
        kt_thread_stop(&g->t);
        return r;
    }
    struct mica_msg m = { 0 };
    long r = mica_recv(ep, &m);
    EXPECT_EQ(m.info, MICA_INFO(1, 0, 0, 1));
    return r;
}

static long lend(struct granter *g, long ep, uint64_t base, uint64_t len, uint64_t rights)
{
    return lend_space(g, ep, 0, base, len, rights);
}

static void answer(struct granter *g)
{
    struct mica_msg m = { .info = MICA_INFO(0, 0, 0, 0) };
    EXPECT_EQ(mica_reply(&m), 0);
    EXPECT(kt_thread_join(&g->t));
    EXPECT_EQ(g->result, 0);
    kt_thread_stop(&g->t);
}

void grant_copy_both(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct granter g;
    for (int i = 0; i < 64; i++)
        lent[i] = (uint8_t)i;
    EXPECT_EQ(lend(&g, ep, (uint64_t)lent, 32, RW), 0);
    uint8_t mine[32];
    EXPECT_EQ(mica_grant_copy(-1, 0, mine, 16, MICA_GRANT_FROM), 16);
    EXPECT_EQ(memcmp(mine, lent, 16), 0);
    memset(mine, 0xee, sizeof mine);
    EXPECT_EQ(mica_grant_copy(-1, 8, mine, 24, MICA_GRANT_TO), 24);
    EXPECT_EQ(lent[7], 7);
    EXPECT_EQ(lent[8], 0xee);
    EXPECT_EQ(lent[31], 0xee);
    EXPECT_EQ(lent[32], 32);                          /* beyond the grant: untouched */
    EXPECT_EQ(mica_grant_copy(-1, 32, mine, 0, MICA_GRANT_FROM), 0);
    /* Beyond the grant. */
    EXPECT_EQ(mica_grant_copy(-1, 0, mine, 33, MICA_GRANT_FROM), -EINVAL);
    EXPECT_EQ(mica_grant_copy(-1, 32, mine, 1, MICA_GRANT_TO), -EINVAL);
    EXPECT_EQ(mica_grant_copy(-1, 33, mine, 0, MICA_GRANT_TO), -EINVAL);
    EXPECT_EQ(mica_grant_copy(-1, ~0ul, mine, 2, MICA_GRANT_TO), -EINVAL);
    EXPECT_EQ(mica_grant_copy(-1, 1, mine, ~0ul, MICA_GRANT_TO), -EINVAL);
    EXPECT_EQ(mica_grant_copy(-1, 0, mine, 1, 2), -EINVAL);
    /* Our side of the copy: kernel, unmapped, read-only. */
    EXPECT_EQ(mica_grant_copy(-1, 0, (void *)KT_KERNEL_PTR, 8, MICA_GRANT_FROM), -EFAULT);
    EXPECT_EQ(mica_grant_copy(-1, 0, (void *)KT_KERNEL_PTR, 8, MICA_GRANT_TO), -EFAULT);
    EXPECT_EQ(mica_grant_copy(-1, 0, (void *)KT_UNMAPPED, 8, MICA_GRANT_FROM), -EFAULT);
    EXPECT_EQ(mica_grant_copy(-1, 0, (void *)KT_UNMAPPED, 8, MICA_GRANT_TO), -EFAULT);
    EXPECT_EQ(mica_grant_copy(-1, 0, (void *)read_only, 8, MICA_GRANT_FROM), -EFAULT);
    EXPECT_EQ(mica_grant_copy(-1, 0, (void *)read_only, 8, MICA_GRANT_TO), 8);
    EXPECT_EQ(lent[0], 1);
    answer(&g);
    /* The grant ends with the answer. */
    EXPECT_EQ(mica_grant_copy(-1, 0, mine, 1, MICA_GRANT_FROM), -ESRCH);
    kt_free(ep);
}

void grant_errors(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct granter g;
    uint8_t mine[16];
    /* One direction only. */
    EXPECT_EQ(lend(&g, ep, (uint64_t)lent, 16, MICA_R_READ), 0);
    EXPECT_EQ(mica_grant_copy(-1, 0, mine, 16, MICA_GRANT_FROM), 16);
    EXPECT_EQ(mica_grant_copy(-1, 0, mine, 16, MICA_GRANT_TO), -EACCES);
    answer(&g);
    EXPECT_EQ(lend(&g, ep, (uint64_t)lent, 16, MICA_R_WRITE), 0);
    EXPECT_EQ(mica_grant_copy(-1, 0, mine, 16, MICA_GRANT_FROM), -EACCES);
    EXPECT_EQ(mica_grant_copy(-1, 0, mine, 16, MICA_GRANT_TO), 16);
    answer(&g);
    /* Bad grants fail the call itself. */
    EXPECT_EQ(lend(&g, ep, (uint64_t)lent, 16, 0), -EINVAL);
    EXPECT_EQ(lend(&g, ep, (uint64_t)lent, 16, MICA_R_EXEC), -EINVAL);
    EXPECT_EQ(lend(&g, ep, (uint64_t)lent, 16, RW | MICA_R_GRANT), -EINVAL);
    EXPECT_EQ(lend(&g, ep, KT_KERNEL_PTR, 16, RW), -EFAULT);
    EXPECT_EQ(lend(&g, ep, KT_TOO_HIGH - 8, 16, RW), -EFAULT);
    EXPECT_EQ(lend(&g, ep, 8, ~0ul, RW), -EFAULT);
    /* Lending what the caller cannot access gives nothing either. */
    EXPECT_EQ(lend(&g, ep, KT_UNMAPPED, 16, RW), 0);
    EXPECT_EQ(mica_grant_copy(-1, 0, mine, 16, MICA_GRANT_FROM), -EFAULT);
    EXPECT_EQ(mica_grant_copy(-1, 0, mine, 16, MICA_GRANT_TO), -EFAULT);
    answer(&g);
    EXPECT_EQ(lend(&g, ep, (uint64_t)read_only, 16, RW), 0);
    EXPECT_EQ(mica_grant_copy(-1, 0, mine, 16, MICA_GRANT_FROM), 16);
    EXPECT_EQ(mica_grant_copy(-1, 0, mine, 16, MICA_GRANT_TO), -EFAULT);
    answer(&g);
    EXPECT_EQ(read_only[0], 1);
    /* No call at all. */
    EXPECT_EQ(mica_grant_copy(-1, 0, mine, 1, MICA_GRANT_FROM), -ESRCH);
    kt_free(ep);
}

void grant_saved_reply(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long r = slot_alloc(), empty = slot_alloc();
    struct granter g;
    uint8_t mine[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };
    EXPECT_EQ(lend(&g, ep, (uint64_t)lent, 8, RW), 0);
    EXPECT_EQ(mica_save_reply(r), 0);
    EXPECT_EQ(mica_grant_copy(-1, 0, mine, 8, MICA_GRANT_TO), -ESRCH);
    EXPECT_EQ(mica_grant_copy(r, 0, mine, 8, MICA_GRANT_TO), 8);
    EXPECT_EQ(lent[7], 9);
    EXPECT_EQ(mica_grant_copy(ep, 0, mine, 8, MICA_GRANT_TO), -EINVAL);
    EXPECT_EQ(mica_grant_copy(empty, 0, mine, 8, MICA_GRANT_TO), -EBADF);
    struct mica_msg m = { .info = MICA_INFO(0, 0, 0, 0) };
    EXPECT_EQ(mica_send(r, &m), 0);
    EXPECT(kt_thread_join(&g.t));
    kt_thread_stop(&g.t);
    EXPECT_EQ(mica_grant_copy(r, 0, mine, 8, MICA_GRANT_TO), -EBADF);
    slot_free(empty);
    slot_free(r);
    kt_free(ep);
}

/* Across address spaces: a helper adds one to each byte we lend it. */
void grant_other_process(void)
{
    struct kt_helper h;
    if (kt_helper_start(&h, KT_ROLE_SERVER, KT_HELPER_EP, 0, 0, 0, 0))
        return;
    for (int i = 0; i < 64; i++)
        lent[i] = (uint8_t)i;
    struct mica_ipc_buffer *b = mica_ipcbuf();
    b->grant_base = (uint64_t)lent;
    b->grant_len = 64;
    b->grant_rights = RW;
    b->grant_space = 0;
    struct mica_msg m = { .info = MICA_INFO(KT_CMD_GRANT, 1, 0, 1), .w = { 64 } };
    EXPECT_EQ(mica_call(h.ep, &m), 0);
    EXPECT_EQ(m.w[0], 64);
    EXPECT_EQ(m.w[1], 64);
    int bad = 0;
    for (int i = 0; i < 64; i++)
        bad += lent[i] != i + 1;
    EXPECT_EQ(bad, 0);
    /* Without the grant bit the same call lends nothing. */
    m = (struct mica_msg){ .info = MICA_INFO(KT_CMD_GRANT, 1, 0, 0), .w = { 64 } };
    EXPECT_EQ(mica_call(h.ep, &m), 0);
    EXPECT_EQ(m.w[0], -EINVAL);
    EXPECT_EQ(m.w[1], -EINVAL);
    EXPECT_EQ(lent[0], 1);
    kt_helper_stop(&h);
}

/* Pieces: one call copies a list of pieces of our memory to (or from)
 * consecutive bytes of the grant. */
void grant_pieces(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct granter g;
    uint8_t a[8], b[4], c[12];
    memset(lent, 0, sizeof lent);
    for (int i = 0; i < 12; i++)
        c[i] = (uint8_t)(30 + i), b[i % 4] = (uint8_t)(20 + i % 4), a[i % 8] = (uint8_t)(10 + i % 8);
    struct mica_piece p[3] = { { (uint64_t)a, 8 }, { (uint64_t)b, 4 }, { (uint64_t)c, 12 } };
    EXPECT_EQ(lend(&g, ep, (uint64_t)lent, 32, RW), 0);
    EXPECT_EQ(mica_grant_copy(-1, 4, p, 3, MICA_GRANT_TO | MICA_GRANT_PIECES), 24);
    EXPECT_EQ(lent[3], 0);
    EXPECT_EQ(memcmp(&lent[4], a, 8), 0);
    EXPECT_EQ(memcmp(&lent[12], b, 4), 0);
    EXPECT_EQ(memcmp(&lent[16], c, 12), 0);
    EXPECT_EQ(lent[28], 0);
    /* ... and back, scattered. */
    memset(a, 0, 8), memset(b, 0, 4), memset(c, 0, 12);
    EXPECT_EQ(mica_grant_copy(-1, 4, p, 3, MICA_GRANT_FROM | MICA_GRANT_PIECES), 24);
    EXPECT_EQ(a[0], 10);
    EXPECT_EQ(b[3], 23);
    EXPECT_EQ(c[11], 41);
    /* Pieces that do not fit the grant copy nothing. */
    p[2].len = 21;
    EXPECT_EQ(mica_grant_copy(-1, 0, p, 3, MICA_GRANT_TO | MICA_GRANT_PIECES), -EINVAL);
    p[2].len = ~0ul;
    EXPECT_EQ(mica_grant_copy(-1, 0, p, 3, MICA_GRANT_TO | MICA_GRANT_PIECES), -EINVAL);
    EXPECT_EQ(lent[0], 0);
    p[2].len = 12;
    EXPECT_EQ(mica_grant_copy(-1, 9, p, 3, MICA_GRANT_TO | MICA_GRANT_PIECES), -EINVAL);
    EXPECT_EQ(mica_grant_copy(-1, 33, p, 0, MICA_GRANT_TO | MICA_GRANT_PIECES), -EINVAL);
    /* Too many, an unreadable list, a bad piece, a bad direction. */
    struct mica_piece none[MICA_GRANT_PIECES_MAX + 1] = { { 0, 0 } };
    EXPECT_EQ(mica_grant_copy(-1, 0, none, MICA_GRANT_PIECES_MAX, MICA_GRANT_TO | MICA_GRANT_PIECES), 0);
    EXPECT_EQ(mica_grant_copy(-1, 0, none, MICA_GRANT_PIECES_MAX + 1,
                              MICA_GRANT_TO | MICA_GRANT_PIECES), -EINVAL);
    EXPECT_EQ(mica_grant_copy(-1, 0, (void *)KT_UNMAPPED, 2, MICA_GRANT_TO | MICA_GRANT_PIECES),
              -EFAULT);
    EXPECT_EQ(mica_grant_copy(-1, 0, (void *)KT_KERNEL_PTR, 2, MICA_GRANT_TO | MICA_GRANT_PIECES),
              -EFAULT);
    struct mica_piece bad[2] = { { (uint64_t)a, 8 }, { KT_UNMAPPED, 8 } };
    memset(a, 0x77, 8);
    EXPECT_EQ(mica_grant_copy(-1, 0, bad, 2, MICA_GRANT_TO | MICA_GRANT_PIECES), -EFAULT);
    EXPECT_EQ(lent[7], 0x77);                        /* the pieces before it went */
    EXPECT_EQ(mica_grant_copy(-1, 0, p, 3, 4 | MICA_GRANT_PIECES), -EINVAL);
    answer(&g);
    kt_free(ep);
}

/* A grant of another process's memory, which the caller holds a process
 * capability for (as posix lends a program's buffer to fs). */
void grant_space(void)
{
    struct kt_helper h;
    if (kt_helper_start(&h, KT_ROLE_SERVER, KT_HELPER_EP, 0, 0, 0, 0))
        return;
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct granter g;
    uint8_t theirs[64], mine[64];
    for (int i = 0; i < 64; i++)
        lent[i] = (uint8_t)i, theirs[i] = (uint8_t)(100 + i);
    /* The helper runs this program: its `lent` is at the same address. */
    EXPECT_EQ(mica_process_copy(h.c.proc, (uint64_t)lent, theirs, 64, MICA_COPY_TO), 64);
    EXPECT_EQ(lend_space(&g, ep, h.c.proc, (uint64_t)lent, 64, RW), 0);
    EXPECT_EQ(mica_grant_copy(-1, 0, mine, 64, MICA_GRANT_FROM), 64);
    EXPECT_EQ(memcmp(mine, theirs, 64), 0);
    memset(mine, 0x5a, 16);
    EXPECT_EQ(mica_grant_copy(-1, 8, mine, 16, MICA_GRANT_TO), 16);
    EXPECT_EQ(lent[8], 8);                           /* ours is not what was lent */
    answer(&g);
    EXPECT_EQ(mica_process_copy(h.c.proc, (uint64_t)lent, theirs, 64, MICA_COPY_FROM), 64);
    EXPECT_EQ(theirs[7], 107);
    EXPECT_EQ(theirs[8], 0x5a);
    EXPECT_EQ(theirs[23], 0x5a);
    EXPECT_EQ(theirs[24], 124);
    /* The capability is looked up at each copy: gone, the grant gives nothing. */
    long copy = slot_alloc(), weak = slot_alloc(), empty = slot_alloc();
    EXPECT_EQ(mica_cap_copy(h.c.proc, -1, copy, MICA_R_ALL, 0), 0);
    EXPECT_EQ(lend_space(&g, ep, copy, (uint64_t)lent, 64, RW), 0);
    EXPECT_EQ(mica_cap_delete(copy), 0);
    EXPECT_EQ(mica_grant_copy(-1, 0, mine, 8, MICA_GRANT_FROM), -EFAULT);
    EXPECT_EQ(mica_grant_copy(-1, 0, mine, 8, MICA_GRANT_TO), -EFAULT);
    answer(&g);
    /* Not a process, no capability, no write right: the call fails. */
    EXPECT_EQ(lend_space(&g, ep, ep, (uint64_t)lent, 8, RW), -EINVAL);
    EXPECT_EQ(lend_space(&g, ep, empty, (uint64_t)lent, 8, RW), -EBADF);
    EXPECT_EQ(lend_space(&g, ep, 1l << 40, (uint64_t)lent, 8, RW), -EBADF);
    EXPECT_EQ(mica_cap_copy(h.c.proc, -1, weak, MICA_R_READ, 0), 0);
    EXPECT_EQ(lend_space(&g, ep, weak, (uint64_t)lent, 8, RW), -EACCES);
    slot_free(weak);
    slot_free(empty);
    slot_forget(copy);
    kt_free(ep);
    kt_helper_stop(&h);
}

/* A destroyed process lends nothing, though its capability is still held. */
void grant_space_dead(void)
{
    long p = kt_new(MICA_OBJ_PROCESS, 16);
    long f = kt_new(MICA_OBJ_FRAME, 1);
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    EXPECT_EQ(mica_map(p, f, KT_MAP(0), RW, 0), 0);
    struct granter g;
    uint8_t mine[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, back[8] = { 0 };
    EXPECT_EQ(lend_space(&g, ep, p, KT_MAP(0) + 100, 8, RW), 0);
    EXPECT_EQ(mica_grant_copy(-1, 0, mine, 8, MICA_GRANT_TO), 8);
    EXPECT_EQ(mica_grant_copy(-1, 0, back, 8, MICA_GRANT_FROM), 8);
    EXPECT_EQ(memcmp(mine, back, 8), 0);
    EXPECT_EQ(mica_process_destroy(p), 0);
    EXPECT_EQ(mica_grant_copy(-1, 0, back, 8, MICA_GRANT_FROM), -EFAULT);
    answer(&g);
    kt_free(ep);
    kt_free(f);
    kt_free(p);
}
