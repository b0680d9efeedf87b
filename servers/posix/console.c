/*
 * The console tty: posix drives the 16550 UART root gave it (receive
 * interrupts arrive on posix's notification) with a Linux-compatible line
 * discipline: canonical and raw modes, echo, erase and kill, ^C/^\\/^Z
 * to the foreground process group, ^D end of file, the termios and
 * process-group ioctls. Without a UART, output goes to the kernel's debug
 * console and input is at its end.
 */
#include "posix.h"

#include "mica/bootinfo.h"
#include "mica/runtime.h"
#include "mica/string.h"
#include "mica/sys.h"

#define UART_SLOT (SERVICE_SLOT_FIRST + 1)
#define IRQ_SLOT  (SERVICE_SLOT_FIRST + 2)
#define UART_VA   0x3bff000000ul
#define RBR 0
#define THR 0
#define IER 1
#define LSR 5
#define LSR_DR   0x01
#define LSR_THRE 0x20
#define IN_MAX 4096

/* termios flags and control characters (asm-generic). */
#define ICRNL  0000400
#define OPOST  0000001
#define ONLCR  0000004
#define ISIG   0000001
#define ICANON 0000002
#define ECHO   0000010
#define ECHOE  0000020
#define ECHOK  0000040
#define ECHOCTL 0001000
#define ECHOKE 0004000
#define IEXTEN 0100000
#define VINTR 0
#define VQUIT 1
#define VERASE 2
#define VKILL 3
#define VEOF 4
#define VTIME 5
#define VMIN 6
#define VSUSP 10
#define NCCS 19
#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TIOCSCTTY 0x540E
#define TIOCGPGRP 0x540F
#define TIOCSPGRP 0x5410
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define TIOCNOTTY 0x5422
#define FIONREAD 0x541B
#define SIGINT 2
#define SIGQUIT 3
#define SIGTSTP 20
#define SIGTTIN 21

struct termios_k {
    uint32_t iflag, oflag, cflag, lflag;
    uint8_t line;
    uint8_t cc[NCCS];
};

static struct {
    volatile uint8_t *uart;
    unsigned shift;
    struct termios_k tio;
    uint16_t winsize[4];
    uint8_t in[IN_MAX];            /* input ready for readers */
    uint32_t in_len;
    uint32_t lines;                /* complete lines (or EOFs) in in[] */
    uint8_t edit[IN_MAX];          /* the line being typed (canonical mode) */
    uint32_t edit_len;
    int fg_pgrp;                   /* foreground process group, 0 if none */
    int session;                   /* controlling session, 0 if none */
} tty = {
    .tio = { ICRNL, OPOST | ONLCR, 0277 /* B38400|CS8|CREAD */,
             ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN, 0,
             { 3, 034, 0177, 025, 4, 0, 1, 0, 021, 023, 032, 0, 022, 017, 027, 026, 0 } },
    .winsize = { 24, 80, 0, 0 },
};

static inline volatile uint8_t *reg(int r)
{
    return tty.uart + (r << tty.shift);
}

static void out_byte(uint8_t c)
{
    if (!tty.uart) {
        mica_debug_puts((const char *)&c, 1);
        return;
    }
    while (!(*reg(LSR) & LSR_THRE))
        ;
    *reg(THR) = c;
}

static void out(uint8_t c)
{
    if ((tty.tio.oflag & (OPOST | ONLCR)) == (OPOST | ONLCR) && c == '\n')
        out_byte('\r');
    out_byte(c);
}

void console_put(uint8_t c)
{
    out(c);
}

int console_init(long ntfn_badged)
{
    const struct mica_args *a = (const struct mica_args *)MICA_ARGS_VA;
    if (mica_map(MICA_SLOT_SELF, UART_SLOT, UART_VA, MICA_R_READ | MICA_R_WRITE, 0))
        return 0;                  /* no UART given: the debug console */
    tty.shift = a->console_shift;
    tty.uart = (volatile uint8_t *)UART_VA;
    if (mica_irq_bind(IRQ_SLOT, ntfn_badged))
        return -1;
    *reg(IER) = 1;                 /* interrupt when a byte arrives */
    return 0;
}

long console_write(struct lthread *t, uint64_t buf, uint64_t len)
{
    char tmp[512];
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done < sizeof tmp ? len - done : sizeof tmp;
        if (mm_copy_in(t->proc, tmp, buf + done, n) < 0)
            return done ? (long)done : -EFAULT;
        for (uint64_t i = 0; i < n; i++)
            out((uint8_t)tmp[i]);
        done += n;
    }
    return (long)done;
}

bool console_readable(void)
{
    return (tty.tio.lflag & ICANON) ? tty.lines > 0 : tty.in_len > 0;
}

/* How many bytes a read may take now: up to the first line end. */
static uint32_t available(void)
{
    if (!(tty.tio.lflag & ICANON))
        return tty.in_len;
    for (uint32_t i = 0; i < tty.in_len; i++)
        if (tty.in[i] == '\n' || tty.in[i] == tty.tio.cc[VEOF])
            return i + 1;
    return 0;
}

/* Moves up to len ready bytes to the reader; an EOF character ends the
 * read without being returned. */
static long deliver(struct lthread *t, uint64_t buf, uint64_t len)
{
    uint32_t n = available();
    bool eof = n && (tty.tio.lflag & ICANON) && tty.in[n - 1] == tty.tio.cc[VEOF];
    uint32_t data = eof ? n - 1 : n;
    if (data > len)
        data = (uint32_t)len;
    if (data && mm_copy_out(t->proc, buf, tty.in, data) < 0)
        return -EFAULT;
    uint32_t consumed = data + (eof && data == n - 1 ? 1 : 0);
    if ((tty.tio.lflag & ICANON) && consumed == n)
        tty.lines--;
    memmove(tty.in, tty.in + consumed, tty.in_len - consumed);
    tty.in_len -= consumed;
    return data;
}

uint64_t console_first_wait;

void console_awaited(void)
{
    if (!console_first_wait)
        console_first_wait = mica_instret();
}

long console_read(struct lthread *t, struct ofile *f, uint64_t buf, uint64_t len)
{
    (void)f;
    struct lproc *p = t->proc;
    if (tty.fg_pgrp && p->sid == tty.session && p->pgid != tty.fg_pgrp) {
        signal_send(p, NULL, SIGTTIN, 0x80, 0);   /* a background read */
        return -EINTR;
    }
    if (!len)
        return 0;
    if (available() || (!(tty.tio.lflag & ICANON) && tty.tio.cc[VMIN] == 0))
        return deliver(t, buf, len);
    if (f->flags & 04000)          /* O_NONBLOCK */
        return -EAGAIN;
    console_awaited();
    t->wait = WAIT_TTY;
    t->interruptible = t->restartable = true;
    t->io_buf = buf;
    t->io_len = len;
    return POSIX_DEFERRED;
}

static void wake_readers(void)
{
    for (int i = 0; i < thread_high && available(); i++) {
        struct lthread *w = &threads[i];
        if (w->tid && w->wait == WAIT_TTY)
            reply_to(w, deliver(w, w->io_buf, w->io_len));
    }
    poll_wake();
}

static void signal_fg(int sig)
{
    if (!tty.fg_pgrp)
        return;
    for (int i = 0; i < proc_high; i++)
        if (procs[i].pid && !procs[i].zombie && procs[i].pgid == tty.fg_pgrp)
            signal_send(&procs[i], NULL, sig, 0x80 /* SI_KERNEL */, 0);
}

static void echo_char(uint8_t c)
{
    if (!(tty.tio.lflag & ECHO))
        return;
    if (c < 32 && c != '\n' && c != '\t' && (tty.tio.lflag & ECHOCTL)) {
        out('^');
        out((uint8_t)(c + '@'));
    } else {
        out(c);
    }
}

/* The line discipline, one received byte at a time. */
static void input(uint8_t c)
{
    struct termios_k *tio = &tty.tio;
    if ((tio->iflag & ICRNL) && c == '\r')
        c = '\n';
    if (tio->lflag & ISIG) {
        int sig = c == tio->cc[VINTR] ? SIGINT : c == tio->cc[VQUIT] ? SIGQUIT
                  : c == tio->cc[VSUSP] ? SIGTSTP : 0;
        if (sig && c) {
            echo_char(c);
            tty.edit_len = 0;
            signal_fg(sig);
            return;
        }
    }
    if (!(tio->lflag & ICANON)) {
        if (tty.in_len < IN_MAX)
            tty.in[tty.in_len++] = c;
        echo_char(c);
        return;
    }
    if (c == tio->cc[VERASE] || c == '\b') {
        if (tty.edit_len) {
            tty.edit_len--;
            if (tio->lflag & ECHOE) {
                out('\b');
                out(' ');
                out('\b');
            }
        }
        return;
    }
    if (c == tio->cc[VKILL]) {
        while (tty.edit_len && (tio->lflag & ECHOK)) {
            tty.edit_len--;
            out('\b');
            out(' ');
            out('\b');
        }
        tty.edit_len = 0;
        return;
    }
    bool end = c == '\n' || c == tio->cc[VEOF];
    if (tty.edit_len < IN_MAX - 1 || end)
        tty.edit[tty.edit_len++] = c;
    if (c != tio->cc[VEOF])
        echo_char(c);
    if (end && tty.in_len + tty.edit_len <= IN_MAX) {
        memcpy(tty.in + tty.in_len, tty.edit, tty.edit_len);
        tty.in_len += tty.edit_len;
        tty.edit_len = 0;
        tty.lines++;
    }
}

void console_interrupt(void)
{
    if (!tty.uart)
        return;
    while (*reg(LSR) & LSR_DR)
        input(*reg(RBR));
    mica_irq_ack(IRQ_SLOT);
    wake_readers();
}

void console_session_ended(int sid)
{
    if (tty.session == sid) {
        tty.session = 0;
        tty.fg_pgrp = 0;
    }
}

long sys_ioctl(struct lthread *t, const struct sysargs *s)
{
    struct lproc *p = t->proc;
    struct ofile *f = file_get(p, s->a[0]);
    uint64_t arg = s->a[2];
    if (!f)
        return -EBADF;
    if (f->kind != OF_CONSOLE)
        return -ENOTTY;
    switch (s->a[1]) {
    case TCGETS:
        return mm_copy_out(p, arg, &tty.tio, sizeof tty.tio) < 0 ? -EFAULT : 0;
    case TCSETSF:
        tty.in_len = tty.edit_len = tty.lines = 0;
        /* fall through */
    case TCSETS:
    case TCSETSW: {
        struct termios_k n;
        if (mm_copy_in(p, &n, arg, sizeof n) < 0)
            return -EFAULT;
        bool was_canon = tty.tio.lflag & ICANON;
        tty.tio = n;
        /* Leaving canonical mode: what was typed becomes input. */
        if (was_canon && !(n.lflag & ICANON) && tty.edit_len) {
            memcpy(tty.in + tty.in_len, tty.edit, tty.edit_len);
            tty.in_len += tty.edit_len;
            tty.edit_len = 0;
        }
        wake_readers();
        return 0;
    }
    case TIOCGWINSZ:
        return mm_copy_out(p, arg, tty.winsize, sizeof tty.winsize) < 0 ? -EFAULT : 0;
    case TIOCSWINSZ:
        return mm_copy_in(p, tty.winsize, arg, sizeof tty.winsize) < 0 ? -EFAULT : 0;
    case TIOCGPGRP:
        return mm_copy_out(p, arg, &tty.fg_pgrp, 4) < 0 ? -EFAULT : 0;
    case TIOCSPGRP: {
        int32_t pg;
        if (mm_copy_in(p, &pg, arg, 4) < 0)
            return -EFAULT;
        if (pg <= 0)
            return -EINVAL;
        tty.fg_pgrp = pg;
        return 0;
    }
    case TIOCSCTTY:
        if (p->sid != p->pid)
            return -EPERM;
        tty.session = p->sid;
        tty.fg_pgrp = p->pgid;
        return 0;
    case TIOCNOTTY:
        if (tty.session == p->sid)
            console_session_ended(p->sid);
        return 0;
    case FIONREAD: {
        int32_t n = (int32_t)available();
        return mm_copy_out(p, arg, &n, 4) < 0 ? -EFAULT : 0;
    }
    default:
        return -EINVAL;
    }
}
