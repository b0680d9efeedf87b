/*
 * The `service` program's system call (SERVICE_LINUX_SYSCALL, not a Linux
 * number): posix forwards it to root, the only one that can act on a
 * server. Programs hold no capability to any server; this call is their
 * only way to one, and root answers only posix.
 */
#include "posix.h"

#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/sys.h"

long sys_service(struct lthread *t, const struct sysargs *s)
{
    uint64_t op = s->a[0], id = s->a[1], kind = s->a[2], buf = s->a[3];
    if (op != ROOT_STATUS && op != ROOT_KILL && op != ROOT_RESTART)
        return -EINVAL;
    struct mica_msg m = { .info = MICA_INFO(op, 2, 0, 0), .w = { id, kind } };
    long err = mica_call(SERVICE_SLOT_ROOT, &m);
    if (err)
        return err;
    long r = (long)m.w[0];
    if (r < 0 || op != ROOT_STATUS)
        return r;
    const struct service_status *st =
        (const struct service_status *)&mica_ipcbuf()->mr[MICA_MSG_REGS];
    return mm_copy_out(t->proc, buf, st, sizeof *st) < 0 ? -EFAULT : 0;
}
