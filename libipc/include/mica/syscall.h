/*
 * The kernel ABI: call numbers, object types, rights, message layout. The
 * one source of truth for the kernel's dispatch table (kernel/syscall.c)
 * and the user-side stubs (mica/sys.h).
 *
 * A kernel call is an ecall with a7 < 0; an ecall with a7 >= 0 (a Linux
 * system call number) is not the kernel's and becomes a fault message to
 * the thread's fault endpoint. Arguments go in a0..a5; the result comes
 * back in a0: >= 0 on success, -E... (mica/errno.h) on error.
 *
 * Objects are named by capability slots of the caller's process. The IPC
 * calls use the registers as follows:
 *   in:  a0 = slot, a1 = msginfo, a2..a5 = message words 0..3
 *   out: a0 = 0 or -E..., a1 = msginfo, a2..a5 = words 0..3, a6 = badge
 * Words 4 .. MICA_MSG_MAX-1 travel in the IPC buffer (struct
 * mica_ipc_buffer), as do a capability to transfer and a memory grant.
 */
#ifndef MICA_SYSCALL_H
#define MICA_SYSCALL_H

#include <stdint.h>

/* ---- kernel calls ---- */
#define MICA_SYS_DEBUG_PUTS        (-1)   /* buf, len (<= 4096) */
#define MICA_SYS_EXIT              (-2)   /* status: ends the calling process */
#define MICA_SYS_YIELD             (-3)
#define MICA_SYS_SEND              (-4)   /* ep, info, w0..w3 */
#define MICA_SYS_NBSEND            (-5)   /* ... -EAGAIN if no receiver waits */
#define MICA_SYS_CALL              (-6)   /* ep, info, w0..w3 -> reply */
#define MICA_SYS_RECV              (-7)   /* ep (or notification) -> message */
#define MICA_SYS_NBRECV            (-8)   /* ... -EAGAIN if nothing is there */
#define MICA_SYS_REPLY             (-9)   /* -, info, w0..w3: answer the last call */
#define MICA_SYS_REPLY_RECV        (-10)  /* ep, info, w0..w3: reply, then recv */
#define MICA_SYS_SAVE_REPLY        (-11)  /* dest slot: keep the last call's reply right */
#define MICA_SYS_GRANT_COPY        (-12)  /* reply slot or -1, offset, va, len, dir; with
                                             MICA_GRANT_PIECES in dir: va lists len pieces */
#define MICA_SYS_SIGNAL            (-13)  /* notification: OR in its badge */
#define MICA_SYS_WAIT              (-14)  /* notification -> bits (blocks) */
#define MICA_SYS_POLL              (-15)  /* notification -> bits (0 if none) */
#define MICA_SYS_TIMER_SET         (-16)  /* notification, deadline, period (rdtime ticks; 0 = cancel):
                                             it signals the capability's badge (or 1); a
                                             period is 0 or 10 us .. 2^48 ticks, else -EINVAL */
#define MICA_SYS_CAP_COPY          (-17)  /* src, dest process (-1 = own), dest, rights, badge */
#define MICA_SYS_CAP_MOVE          (-18)  /* src, dest */
#define MICA_SYS_CAP_DELETE        (-19)  /* slot */
#define MICA_SYS_CAP_REVOKE        (-20)  /* slot: deletes everything derived from it */
#define MICA_SYS_CAP_INFO          (-21)  /* slot -> type | rights << 8 */
#define MICA_SYS_CREATE            (-22)  /* budget, type, dest, arg */
#define MICA_SYS_BUDGET_INFO       (-23)  /* budget, 0 = free pages / 1 = used / 2 = limit */
#define MICA_SYS_PROCESS_SET_FAULT (-24)  /* process, endpoint: where its faults and exit go */
#define MICA_SYS_PROCESS_DESTROY   (-25)  /* process: tear it down now */
#define MICA_SYS_THREAD_CONFIGURE  (-26)  /* thread, ipc buffer frame (0: none), priority, name */
#define MICA_SYS_THREAD_START      (-27)  /* thread, pc, sp, a0 */
#define MICA_SYS_THREAD_SUSPEND    (-28)  /* thread */
#define MICA_SYS_THREAD_RESUME     (-29)  /* thread */
#define MICA_SYS_THREAD_READ_REGS  (-30)  /* thread, struct mica_regs *, flags */
#define MICA_SYS_THREAD_WRITE_REGS (-31)  /* thread, const struct mica_regs *, flags */
#define MICA_SYS_THREAD_BIND       (-32)  /* thread, notification (-1 = unbind) */
#define MICA_SYS_THREAD_SET_FAULT  (-33)  /* thread, endpoint (-1 = the process's) */
#define MICA_SYS_MAP               (-34)  /* process, frame, va, rights, page index */
#define MICA_SYS_UNMAP             (-35)  /* process, va, pages (0 = 1): absent pages skipped */
#define MICA_SYS_PROTECT           (-36)  /* process, va, rights, pages (0 = 1): up to the
                                             frame capability's rights at map time */
#define MICA_SYS_FRAME_INFO        (-37)  /* frame -> physical address */
#define MICA_SYS_DEVICE_FRAME      (-38)  /* device control, budget, physical address, pages, dest */
#define MICA_SYS_IRQ_GET           (-39)  /* irq control, irq number, dest */
#define MICA_SYS_IRQ_BIND          (-40)  /* irq, notification */
#define MICA_SYS_IRQ_ACK           (-41)  /* irq */
#define MICA_SYS_SELFCHECK         (-42)  /* kernel consistency check -> 0 or -EIO */
#define MICA_SYS_PROCESS_COPY      (-43)  /* process, its va, my va, len, dir -> bytes */
#define MICA_SYS_MAP_COPY          (-44)  /* src process, va, dst process, pages, rights
                                             -> pages: the same frames, in dst at va */
#define MICA_SYS_THREAD_TIME       (-45)  /* thread -> timebase ticks it has run in user mode */
#define MICA_SYS_COUNT             45     /* calls are -1 .. -MICA_SYS_COUNT */

/* PROCESS_COPY directions, and the most it copies per call. */
#define MICA_COPY_FROM      0     /* from the process's memory into mine */
#define MICA_COPY_TO        1     /* from mine into the process's */
#define MICA_COPY_MAX       (1ul << 20)

#define MICA_DEBUG_PUTS_MAX   4096

/* ---- object types (CREATE, CAP_INFO) ---- */
enum mica_type {
    MICA_OBJ_NONE = 0,
    MICA_OBJ_BUDGET,        /* arg: pages moved from the parent budget */
    MICA_OBJ_PROCESS,       /* arg: capability slots (<= MICA_MAX_SLOTS) */
    MICA_OBJ_THREAD,        /* arg: slot of the process it runs in */
    MICA_OBJ_FRAME,         /* arg: pages, physically contiguous (<= 1024) */
    MICA_OBJ_ENDPOINT,
    MICA_OBJ_NOTIFICATION,
    MICA_OBJ_REPLY,         /* made by SAVE_REPLY only */
    MICA_OBJ_IRQ,           /* made by IRQ_GET only */
    MICA_OBJ_IRQ_CONTROL,   /* given to the first process only */
    MICA_OBJ_DEVICE_CONTROL,/* given to the first process only */
    MICA_OBJ_TYPES
};

#define MICA_MAX_SLOTS  4096
#define MICA_MAX_FRAME_PAGES 1024

/* ---- rights ---- */
#define MICA_R_READ   (1u << 0)  /* frames: map readable; endpoints: recv */
#define MICA_R_WRITE  (1u << 1)  /* frames: map writable; endpoints: send */
#define MICA_R_EXEC   (1u << 2)  /* frames: map executable */
#define MICA_R_GRANT  (1u << 3)  /* endpoints: transfer capabilities */
#define MICA_R_ALL    0xfu

/* ---- the first process's capability slots ---- */
#define MICA_SLOT_NULL          0   /* always empty */
#define MICA_SLOT_SELF          1   /* its process */
#define MICA_SLOT_THREAD        2   /* its first thread */
#define MICA_SLOT_BUDGET        3   /* all free memory */
#define MICA_SLOT_IRQ_CONTROL   4
#define MICA_SLOT_DEVICE_CONTROL 5
#define MICA_SLOT_IPC_BUFFER    6   /* frame of its first thread's IPC buffer */
#define MICA_SLOT_ARCHIVE       7   /* frame of the boot archive (read-only) */
#define MICA_SLOT_FIRST_FREE    8

/* ---- messages ---- */
#define MICA_MSG_MAX        64      /* words per message */
#define MICA_MSG_REGS       4       /* of which travel in registers */

/* msginfo: label (48 bits) | grant (1) | caps (2) | length (8) */
#define MICA_INFO(label, len, caps, grant) \
    (((uint64_t)(label) << 16) | ((uint64_t)(grant) << 10) | \
     ((uint64_t)(caps) << 8) | (uint64_t)(len))
#define MICA_INFO_LEN(i)    ((unsigned)((i) & 0xff))
#define MICA_INFO_CAPS(i)   ((unsigned)(((i) >> 8) & 3))
#define MICA_INFO_GRANT(i)  ((unsigned)(((i) >> 10) & 1))
#define MICA_INFO_LABEL(i)  ((uint64_t)(i) >> 16)

/* Label of a message that is a notification's signal, delivered by recv on
 * an endpoint to a thread bound to that notification; the badge holds the
 * bits. */
#define MICA_LABEL_NOTIFY   ((1ull << 48) - 1)

/* Per-thread IPC buffer: one page, mapped in the thread's address space
 * and named to the kernel by THREAD_CONFIGURE. */
struct mica_ipc_buffer {
    uint64_t mr[MICA_MSG_MAX];   /* words 0..3 are unused: they go in registers */
    uint64_t send_cap;           /* slot of the capability to transfer */
    uint64_t recv_slot;          /* where a received capability goes (0: none) */
    uint64_t grant_base;         /* a grant lent to the receiver of a call */
    uint64_t grant_len;
    uint64_t grant_rights;       /* MICA_R_READ | MICA_R_WRITE */
    uint64_t grant_space;        /* 0: the grant is the caller's own memory; else the
                                    slot of a process capability (write right) whose
                                    memory it is, as MINIX 3's magic grants */
};

/* GRANT_COPY directions */
#define MICA_GRANT_FROM  0     /* from the caller's grant into my memory */
#define MICA_GRANT_TO    1     /* from my memory into the caller's grant */
/* ... or'ed with: va lists len pieces of my memory (struct mica_piece), which
 * go to or come from consecutive bytes of the grant from the offset on. One
 * kernel call then moves a request's blocks scattered in a server's cache. */
#define MICA_GRANT_PIECES       2
#define MICA_GRANT_PIECES_MAX   16

struct mica_piece {
    uint64_t base, len;
};

/* ---- faults ---- */
/* A fault message arrives as a call from the faulting thread on its fault
 * endpoint, with the endpoint capability's badge, and the label: */
enum mica_fault {
    MICA_FAULT_SYSCALL = 1,   /* w0 = a7, w1..w3 = a0..a2, w4..w6 = a3..a5, w7 = pc, w8 = sp */
    MICA_FAULT_PAGE,          /* w0 = pc, w1 = address, w2 = access (MICA_R_*) */
    MICA_FAULT_ACCESS,        /* w0 = pc, w1 = address, w2 = access */
    MICA_FAULT_ILLEGAL,       /* w0 = pc, w1 = instruction bits */
    MICA_FAULT_MISALIGNED,    /* w0 = pc, w1 = address, w2 = access */
    MICA_FAULT_BREAKPOINT,    /* w0 = pc */
    MICA_FAULT_EXIT,          /* w0 = exit status (EXIT: the process ends) */
};
#define MICA_FAULT_LEN 9

/* The reply to a fault message: its label says what happens next. */
#define MICA_RESUME         0   /* resume; for SYSCALL: a0 = w0 and pc past the ecall */
#define MICA_RESUME_AS_IS   1   /* resume with the registers as they are now */
#define MICA_STOP           2   /* leave the thread stopped */

/* ---- registers (THREAD_READ_REGS / WRITE_REGS) ---- */
struct mica_regs {
    uint64_t pc;
    uint64_t x[31];          /* x1 .. x31 */
    uint64_t f[32];          /* with MICA_REGS_FP */
    uint64_t fcsr;
};
#define MICA_REGS_FP 1u

#endif
