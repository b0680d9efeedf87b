/*
 * ktest: the kernel's in-QEMU test program. Booted as the first process
 * (root=ktest), it runs the case named by the init= arguments, or every
 * case when none is named, and exits with the number of failures:
 *     APPEND="root=ktest init=debug_puts_bad_pointer"
 * Cases that end the process on purpose (exit, fault) only run by name.
 */
#include <stdint.h>

#include "mica/bootinfo.h"
#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/spawn.h"
#include "mica/string.h"
#include "mica/sys.h"

static int failures;

#define EXPECT(cond)                                                       \
    do {                                                                   \
        if (!(cond)) {                                                     \
            debug_printf("ktest: %s:%d: failed: %s\n", __FILE__, __LINE__, \
                         #cond);                                           \
            failures++;                                                    \
        }                                                                  \
    } while (0)

static const char *case_arg;   /* text after the case name */

static int parse_int(const char *s)
{
    int v = 0, neg = 0;
    while (*s == ' ')
        s++;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return neg ? -v : v;
}

static void debug_puts_ok(void)
{
    EXPECT(mica_debug_puts("ktest: hello\n", 13) == 13);
    EXPECT(mica_debug_puts("", 0) == 0);
}

static void debug_puts_bad_pointer(void)
{
    EXPECT(mica_debug_puts(NULL, 10) == -EFAULT);
    EXPECT(mica_debug_puts((const char *)0xffffffc000000000ul, 10) == -EFAULT);
    EXPECT(mica_debug_puts((const char *)0x3ffffffff0ul, 100) == -EFAULT);
    EXPECT(mica_debug_puts((const char *)main, MICA_DEBUG_PUTS_MAX + 1) == -EINVAL);
    /* The boot-info page is readable; the page after the stack top is not. */
    EXPECT(mica_debug_puts((const char *)MICA_STACK_TOP - 1, 2) == -EFAULT);
}

static void unknown_kernel_call(void)
{
    EXPECT(mica_syscall2(-1000, 0, 0) == -ENOSYS);
    EXPECT(mica_syscall2(-(MICA_SYS_COUNT + 1), 0, 0) == -ENOSYS);
}

static void exit_status(void)
{
    mica_exit(parse_int(case_arg));
}

static void null_fault(void)
{
    *(volatile int *)0 = 1;
    EXPECT(!"survived a store to address 0");
}

static void illegal_instruction(void)
{
    __asm__ volatile(".word 0");
    EXPECT(!"survived an illegal instruction");
}

/* An echo server: answers every call with w0 + 1 and the badge in w1. */
static void echo_server(uint64_t ep)
{
    struct mica_msg m = { 0 };
    long r = mica_recv((long)ep, &m);
    for (;;) {
        if (r) {
            debug_printf("ktest: echo server: recv %ld\n", r);
            mica_thread_suspend(MICA_SLOT_THREAD);
        }
        m.info = MICA_INFO(0, 2, 0, 0);
        m.w[1] = m.badge;
        m.w[0] += 1;
        r = mica_reply_recv((long)ep, &m);
    }
}

static long new_object(enum mica_type type, uint64_t arg)
{
    long s = slot_alloc();
    EXPECT(mica_create(MICA_SLOT_BUDGET, type, s, arg) == 0);
    return s;
}

static void ipc_call_same_process(void)
{
    long ep = new_object(MICA_OBJ_ENDPOINT, 0);
    long t = thread_spawn(MICA_SLOT_BUDGET, echo_server, (uint64_t)ep, 100, "echo");
    EXPECT(t > 0);
    long badged = slot_alloc();
    EXPECT(mica_cap_copy(ep, -1, badged, MICA_R_WRITE, 77) == 0);
    for (int i = 0; i < 3; i++) {
        struct mica_msg m = { .info = MICA_INFO(5, 1, 0, 0), .w = { 41 + i } };
        EXPECT(mica_call(badged, &m) == 0);
        EXPECT(m.w[0] == 42u + i && m.w[1] == 77);
    }
    slot_free(t);
    slot_free(badged);
    slot_free(ep);
}

static void ipc_call_other_process(void)
{
    long ep = new_object(MICA_OBJ_ENDPOINT, 0);
    struct spawn_cap caps[] = { { ep, MICA_SLOT_FIRST_FREE, MICA_R_READ, 0 } };
    struct spawn_args a = { .name = "ktest", .budget = MICA_SLOT_BUDGET, .prio = 100,
                            .arg = MICA_SLOT_FIRST_FREE, .caps = caps, .ncaps = 1 };
    struct child c;
    EXPECT(spawn(&a, &c) == 0);
    struct mica_msg m = { .info = MICA_INFO(1, 1, 0, 0), .w = { 1 } };
    EXPECT(mica_call(ep, &m) == 0);
    EXPECT(m.w[0] == 2);
    spawn_destroy(&c);
    m = (struct mica_msg){ .info = MICA_INFO(1, 1, 0, 0) };
    EXPECT(mica_nbsend(ep, &m) == -EAGAIN);
    slot_free(ep);
}

struct test_case {
    void (*fn)(void);
    const char *name;
    int by_name_only;
};

static const struct test_case cases[] = {
    { debug_puts_ok, "debug_puts_ok", 0 },
    { debug_puts_bad_pointer, "debug_puts_bad_pointer", 0 },
    { unknown_kernel_call, "unknown_kernel_call", 0 },
    { ipc_call_same_process, "ipc_call_same_process", 0 },
    { ipc_call_other_process, "ipc_call_other_process", 0 },
    { exit_status, "exit", 1 },
    { null_fault, "null_fault", 1 },
    { illegal_instruction, "illegal_instruction", 1 },
};

static void run(const struct test_case *c)
{
    int before = failures;
    c->fn();
    debug_printf("ktest: %s %s\n", failures == before ? "ok  " : "FAIL", c->name);
}

int main(void *arg)
{
    if ((uint64_t)arg != MICA_BOOTINFO_VA)
        echo_server((uint64_t)arg);        /* spawned as a helper process */
    const struct mica_bootinfo *bi = arg;
    const char *want = bi->init;
    size_t len = 0;
    while (want[len] && want[len] != ' ')
        len++;
    case_arg = want + len;
    int ran = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct test_case *c = &cases[i];
        int named = len && strlen(c->name) == len && !strncmp(c->name, want, len);
        if (named || (!len && !c->by_name_only)) {
            run(c);
            ran++;
        }
    }
    if (!ran) {
        debug_printf("ktest: no case named '%.*s'\n", (int)len, want);
        return 127;
    }
    debug_printf("ktest: %d case(s), %d failure(s)\n", ran, failures);
    return failures;
}
