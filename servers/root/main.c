/*
 * root: the first process (see root.h). It reports how the boot went,
 * starts the servers of its table, runs init (a native program from the
 * boot archive named by init=, until the POSIX personality takes that
 * over), and serves its endpoint until init ends; its own exit then
 * powers the machine off with init's status.
 */
#include "root.h"

#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/string.h"
#include "mica/sys.h"

const struct mica_bootinfo *bootinfo;

static void report_boot(void)
{
    debug_printf("root: Mica root task running; first user instruction at %lu "
                 "instructions (firmware %lu, kernel %lu)\n",
                 (unsigned long)runtime_start_instret,
                 (unsigned long)bootinfo->firmware_instret,
                 (unsigned long)(bootinfo->kernel_instret - bootinfo->firmware_instret));
    debug_printf("root: %lu KiB free, init='%s'\n",
                 (unsigned long)(bootinfo->free_pages * 4), bootinfo->init);
}

/* Handles root's messages until s announces itself, or it has died
 * (tries times, with the back-off of restart.c); false if it never did. */
static bool wait_ready(struct server *s, unsigned tries)
{
    struct mica_msg m = { 0 }, answer;
    int status;
    while (!s->ready && (s->running || s->restart_pending) && s->quick_deaths < tries) {
        if (mica_recv(root_ep, &m))
            return false;
        if (root_handle(MICA_INFO_LABEL(m.info), m.badge, m.w, &answer, &status) == ROOT_ANSWER)
            mica_reply(&answer);
    }
    return s->ready;
}

static bool uses_ready(const struct server_rights *r)
{
    for (unsigned id = 1; id < SERVICES; id++)
        if ((r->needs & USES(id)) && !servers[id].ready)
            return false;
    return true;
}

/* init=: the command root runs; /sbin/init when a file system is up. */
static const char *init_cmd(void)
{
    if (bootinfo->init[0])
        return bootinfo->init;
    return servers[SERVICE_FS].ready ? "/sbin/init" : "";
}

static void start_servers(void)
{
    for (unsigned i = 0; i < server_count; i++) {
        struct server *s = &servers[server_table[i].id];
        s->rights = &server_table[i];
        /* posix runs init when it is a path (a Linux program). */
        const char *args = s->rights->id == SERVICE_POSIX ? init_cmd() : 0;
        if (s->rights->id == SERVICE_POSIX && init_cmd()[0] != '/')
            continue;
        if (!uses_ready(s->rights)) {
            debug_printf("root: not starting %s: a service it needs is not running\n",
                         s->rights->name);
            continue;
        }
        int err = server_start(s, args);
        if (err) {
            debug_printf("root: cannot start %s: %d\n", s->rights->name, err);
            continue;
        }
        if (wait_ready(s, 3))
            debug_printf("root: %s ready\n", s->rights->name);
        else
            debug_printf("root: %s did not start\n", s->rights->name);
    }
}

/* init=NAME ARGS: NAME is a native program of the boot archive (a path,
 * /NAME, is a Linux program: posix runs it). */
static int start_init(void)
{
    static char name[64];
    const char *cmd = bootinfo->init;
    size_t n = 0;
    while (cmd[n] && cmd[n] != ' ' && n < sizeof name - 1) {
        name[n] = cmd[n];
        n++;
    }
    name[n] = '\0';
    struct server *s = &servers[SERVICE_INIT];
    static struct server_rights rights;
    rights = init_rights;
    rights.name = name[0] == '/' ? name + 1 : name;
    s->rights = &rights;
    return server_start(s, cmd[n] ? cmd + n + 1 : "");
}

/* Serves root's endpoint until init ends; returns init's status. */
static int serve(void)
{
    struct mica_msg m = { 0 };
    int status = 0;
    long err = mica_recv(root_ep, &m);
    for (;;) {
        enum root_answer a = ROOT_NO_ANSWER;
        uint64_t w[MICA_MSG_REGS];
        memcpy(w, m.w, sizeof w);
        if (!err)
            a = root_handle(MICA_INFO_LABEL(m.info), m.badge, w, &m, &status);
        if (a == ROOT_END)
            return status;
        if (a == ROOT_ANSWER) {
            err = mica_reply_recv(root_ep, &m);
        } else {
            m = (struct mica_msg){ 0 };
            err = mica_recv(root_ep, &m);
        }
    }
}

int main(void *arg)
{
    bootinfo = arg;
    if (bootinfo->magic != MICA_BOOTINFO_MAGIC || bootinfo->version != MICA_BOOTINFO_VERSION) {
        debug_printf("root: bad boot info\n");
        return 1;
    }
    report_boot();
    if (manager_init() || restart_init()) {
        debug_printf("root: out of memory\n");
        return 1;
    }
    start_servers();
    if (!init_cmd()[0])
        return 0;
    if (init_cmd()[0] == '/')
        return servers[SERVICE_POSIX].ready ? serve() : 127;
    int err = start_init();
    if (err) {
        debug_printf("root: cannot start init '%s': %d\n", bootinfo->init, err);
        return 127;
    }
    return serve();
}
