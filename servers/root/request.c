/*
 * What root does with the messages on its endpoint: a server announcing
 * itself, the fault messages of every process it started (their exit
 * included), the tick of its timer, and the `service` requests posix
 * forwards. The badge says who sent it.
 */
#include "root.h"

#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/string.h"
#include "mica/sys.h"

static enum root_answer do_fault(struct server *s, uint64_t label, const uint64_t *w, int *status)
{
    if (s->rights->id != SERVICE_INIT) {
        restart_death(s, label, w[0], w[1]);
        return ROOT_NO_ANSWER;
    }
    /* init's end is the system's. */
    server_stop(s);
    *status = label == MICA_FAULT_EXIT ? (int)w[0] : 255;
    if (label != MICA_FAULT_EXIT)
        debug_printf("root: init died: fault %lu at pc %lx addr %lx\n", (unsigned long)label,
                     (unsigned long)w[0], (unsigned long)w[1]);
    return ROOT_END;
}

/* A `service` request (from posix only): status, kill or restart. */
static enum root_answer do_service(uint64_t label, const uint64_t *w, struct mica_msg *answer)
{
    uint64_t id = w[0];
    struct server *s = id > 0 && id < SERVICES && id != SERVICE_INIT ? &servers[id] : 0;
    long r = -EINVAL;
    *answer = (struct mica_msg){ .info = MICA_INFO(0, 1, 0, 0) };
    if (s && !s->rights)
        r = -ESRCH;
    else if (s && label == ROOT_STATUS) {
        struct service_status *st = (struct service_status *)&mica_ipcbuf()->mr[MICA_MSG_REGS];
        restart_status(s, st);
        answer->info = MICA_INFO(0, MICA_MSG_REGS + (sizeof *st + 7) / 8, 0, 0);
        r = 0;
    } else if (s && label == ROOT_KILL) {
        r = restart_inject(s, (enum service_fault)w[1]);
    } else if (s && label == ROOT_RESTART) {
        r = restart_now(s);
    }
    answer->w[0] = (uint64_t)r;
    return ROOT_ANSWER;
}

enum root_answer root_handle(uint64_t label, uint64_t badge, const uint64_t *w,
                             struct mica_msg *answer, int *status)
{
    if (label == MICA_LABEL_NOTIFY) {
        restart_tick();
        return ROOT_NO_ANSWER;
    }
    struct server *s = server_by_badge(badge);
    if (!s || !s->rights)
        return ROOT_NO_ANSWER;
    bool fault = badge & FAULT_BIT;
    if (fault && label >= MICA_FAULT_SYSCALL && label <= MICA_FAULT_EXIT)
        return do_fault(s, label, w, status);
    if (fault)
        return ROOT_NO_ANSWER;
    if (label == ROOT_ANNOUNCE) {
        restart_ready(s, w[1], w[2]);
        *answer = (struct mica_msg){ .info = MICA_INFO(0, 1, 0, 0) };
        return ROOT_ANSWER;
    }
    if (label == ROOT_INIT_EXITED && s->rights->id == SERVICE_POSIX) {
        *status = (int)w[0];
        return ROOT_END;
    }
    if (label >= ROOT_STATUS && label <= ROOT_RESTART && s->rights->id == SERVICE_POSIX)
        return do_service(label, w, answer);
    return ROOT_NO_ANSWER;
}
