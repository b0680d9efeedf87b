/*
 * What root does with the messages on its endpoint: a server announcing
 * itself, and the fault messages of every process it started (their exit
 * included). The badge says who sent it.
 */
#include "root.h"

#include "mica/runtime.h"
#include "mica/sys.h"

static const char *const fault_names[] = {
    [MICA_FAULT_SYSCALL] = "system call", [MICA_FAULT_PAGE] = "page fault",
    [MICA_FAULT_ACCESS] = "access fault", [MICA_FAULT_ILLEGAL] = "illegal instruction",
    [MICA_FAULT_MISALIGNED] = "misaligned access", [MICA_FAULT_BREAKPOINT] = "breakpoint",
    [MICA_FAULT_EXIT] = "exit",
};

static bool do_announce(struct server *s)
{
    s->ready = true;
    return false;
}

static bool do_fault(struct server *s, uint64_t label, const uint64_t *w, int *status)
{
    const char *name = s->rights->name ? s->rights->name : "init";
    if (label == MICA_FAULT_EXIT) {
        server_stop(s);
        if (s->rights->id == SERVICE_INIT) {
            *status = (int)w[0];
            return true;
        }
        debug_printf("root: %s exited with status %d\n", name, (int)w[0]);
        return false;
    }
    debug_printf("root: %s died: %s at pc %lx addr %lx\n", name,
                 label < sizeof fault_names / sizeof fault_names[0] && fault_names[label]
                     ? fault_names[label] : "fault",
                 (unsigned long)w[0], (unsigned long)w[1]);
    server_stop(s);
    if (s->rights->id == SERVICE_INIT) {
        *status = 255;
        return true;
    }
    return false;
}

bool root_handle(uint64_t label, uint64_t badge, const uint64_t *w, int *status)
{
    struct server *s = server_by_badge(badge);
    if (!s || !s->rights)
        return false;
    if (label == ROOT_ANNOUNCE)
        return do_announce(s);
    if (label == ROOT_INIT_EXITED && s->rights->id == SERVICE_POSIX) {
        *status = (int)w[0];
        return true;
    }
    if (label >= MICA_FAULT_SYSCALL && label <= MICA_FAULT_EXIT)
        return do_fault(s, label, w, status);
    return false;
}
