/*
 * Helper processes: ktest spawned again from the boot archive, with an
 * argument that names its role (ktest.h, enum kt_role). The spawner side
 * gives each helper a budget of its own, so that kt_helper_stop can check
 * that destroying the process gave every page back.
 */
#include "ktest.h"

#define HELPER_PAGES 512

long kt_helper_start(struct kt_helper *h, unsigned role, uint64_t role_slot, long extra,
                     unsigned extra_rights, long fault_ep, uint64_t fault_badge)
{
    h->budget = slot_alloc();
    h->ep = slot_alloc();
    h->c.proc = h->c.thread = -1;
    long r = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_BUDGET, h->budget, HELPER_PAGES);
    if (!r)
        r = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_ENDPOINT, h->ep, 0);
    struct spawn_cap caps[] = {
        { h->ep, KT_HELPER_EP, MICA_R_READ | MICA_R_WRITE, 0 },
        { extra, KT_HELPER_EXTRA, extra_rights, 0 },
    };
    struct spawn_args a = {
        .name = "ktest", .budget = h->budget, .child_budget = h->budget,
        .fault_ep = fault_ep, .fault_badge = fault_badge, .prio = KT_PRIO,
        .arg = KT_HELPER_ARG(role, role_slot), .caps = caps, .ncaps = extra ? 2 : 1,
    };
    if (!r)
        r = spawn(&a, &h->c);
    EXPECT_EQ(r, 0);
    return r;
}

void kt_helper_stop(struct kt_helper *h)
{
    if (h->c.proc > 0)
        spawn_destroy(&h->c);
    EXPECT_EQ(mica_budget_info(h->budget, 1), 0);
    slot_free(h->ep);
    slot_free(h->budget);
}

long kt_helper_cmd(struct kt_helper *h, unsigned cmd, uint64_t w0, uint64_t w1,
                   struct mica_msg *out)
{
    struct mica_msg m = { .info = MICA_INFO(cmd, 2, 0, 0), .w = { w0, w1 } };
    long r = mica_call(h->ep, &m);
    if (out)
        *out = m;
    return r;
}

/* ---- the helper's side ---- */

#define GRANT_MAX 256

static void grant_add_one(struct mica_msg *out, uint64_t len)
{
    static uint8_t buf[GRANT_MAX];
    if (len > GRANT_MAX)
        len = GRANT_MAX;
    out->info = MICA_INFO(0, 2, 0, 0);
    out->w[0] = (uint64_t)mica_grant_copy(-1, 0, buf, len, MICA_GRANT_FROM);
    for (uint64_t i = 0; i < len; i++)
        buf[i]++;
    out->w[1] = (uint64_t)mica_grant_copy(-1, 0, buf, len, MICA_GRANT_TO);
}

/* Serves enum kt_cmd on ep until destroyed. */
static void server(long ep)
{
    struct mica_msg m = { 0 };
    long r = mica_recv(ep, &m);
    for (;;) {
        if (r) {
            debug_printf("ktest: helper: recv %ld\n", r);
            mica_thread_suspend(MICA_SLOT_THREAD);
        }
        struct mica_msg out = { .info = MICA_INFO(0, 1, 0, 0) };
        struct mica_msg c = { .info = MICA_INFO(0, 1, 0, 0), .w = { m.w[1] } };
        switch (MICA_INFO_LABEL(m.info)) {
        case KT_CMD_ECHO:
            out.info = MICA_INFO(0, 2, 0, 0);
            out.w[0] = m.w[0] + 1;
            out.w[1] = m.badge;
            break;
        case KT_CMD_CAPINFO:
            out.w[0] = (uint64_t)mica_cap_info((long)m.w[0]);
            break;
        case KT_CMD_HOLD:
            mica_thread_suspend(MICA_SLOT_THREAD);
            break;
        case KT_CMD_SAVE:
            mica_save_reply((long)m.w[0]);
            r = mica_recv(ep, &m);
            continue;
        case KT_CMD_CALL:
            mica_reply(&out);
            mica_call((long)m.w[0], &c);
            r = mica_recv(ep, &m);
            continue;
        case KT_CMD_RECV:
            mica_reply(&out);
            mica_recv((long)m.w[0], &c);
            mica_thread_suspend(MICA_SLOT_THREAD);   /* holds what came */
            r = mica_recv(ep, &m);
            continue;
        case KT_CMD_GRANT:
            grant_add_one(&out, m.w[0]);
            break;
        case KT_CMD_EXIT:
            mica_exit((int)m.w[0]);
        case KT_CMD_DELETE_SELF:
            mica_cap_delete(MICA_SLOT_SELF);
            debug_printf("ktest: helper: survived losing its process\n");
            break;
        case KT_CMD_DESTROY:
            mica_process_destroy(MICA_SLOT_SELF);
            debug_printf("ktest: helper: survived its own destruction\n");
            break;
        default:
            out.w[0] = (uint64_t)-ENOSYS;
            break;
        }
        r = mica_reply_recv(ep, &out);
        m = out;
    }
}

static void fpu_thread(uint64_t arg)
{
    /* Reports through done: arg points at the failure count. */
    *(volatile int *)arg = kt_fp_keeps(0x1111111111111111ull, 0x2222222222222222ull, 200);
}

/* Two threads of this process keep different FP values across switches. */
static int fpu_check(void)
{
    static int other;
    struct kt_thread t;
    if (kt_thread_start(&t, fpu_thread, (uint64_t)&other, KT_PRIO, 0))
        return 100;
    int bad = kt_fp_keeps(0x3333333333333333ull, 0x4444444444444444ull, 200);
    if (!kt_thread_join(&t))
        bad += 1000;
    kt_thread_stop(&t);
    return bad + other;
}

int kt_helper_main(uint64_t arg)
{
    unsigned role = (unsigned)(arg >> 16);
    long slot = (long)(arg & 0xffff);
    switch (role) {
    case KT_ROLE_SERVER:
        server(slot);
        return 0;
    case KT_ROLE_EXIT:
        return (int)slot;
    case KT_ROLE_FPU:
        return fpu_check();
    case KT_ROLE_FAULT:
        *(volatile int *)0 = 1;
        return 0;
    default:
        return 127;
    }
}
