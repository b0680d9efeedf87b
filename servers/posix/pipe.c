/*
 * Pipes: a 64 KiB ring per pipe. A read of an empty pipe with writers, or
 * a write that does not fit, waits (its reply saved) until the other side
 * moves; writes of at most PIPE_BUF bytes are never split. Writing with no
 * reader left raises SIGPIPE and fails with EPIPE.
 */
#include "posix.h"

#include "mica/spawn.h"
#include "mica/string.h"
#include "mica/sys.h"

#define PIPE_SIZE  (64 * 1024)
#define PIPE_BUF   4096
#define MAX_PIPES  128
#define O_NONBLOCK 04000
#define O_CLOEXEC  02000000
#define SIGPIPE    13

#define PIPES_VA  0x3a00000000ul

struct pipe {
    bool used;
    uint32_t head, count;          /* ring: data at [head, head + count) */
    int readers, writers;          /* open file descriptions of each end */
    uint8_t *data;                 /* PIPE_SIZE bytes, a frame of its own */
    long frame;
};

static struct pipe pipes[MAX_PIPES];

/* The ring of pipe k: a frame mapped while the pipe lives. */
static uint8_t *ring_new(int k, long *frame)
{
    uint64_t va = PIPES_VA + (uint64_t)k * PIPE_SIZE;
    *frame = slot_alloc();
    long err = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_FRAME, *frame, PIPE_SIZE / PAGE);
    for (uint64_t i = 0; !err && i < PIPE_SIZE / PAGE; i++)
        err = mica_map(MICA_SLOT_SELF, *frame, va + i * PAGE, MICA_R_READ | MICA_R_WRITE, i);
    if (err) {
        mica_unmap_range(MICA_SLOT_SELF, va, PIPE_SIZE / PAGE);
        slot_free(*frame);
        return NULL;
    }
    return (uint8_t *)va;
}

static void ring_free(struct pipe *pp)
{
    mica_unmap_range(MICA_SLOT_SELF, (uint64_t)pp->data, PIPE_SIZE / PAGE);
    slot_free(pp->frame);
    pp->data = NULL;
}

static struct pipe *pipe_of(const struct ofile *f)
{
    return &pipes[f->pipe];
}

/* Copies up to len bytes out of the pipe into the program's buf. */
static long take(struct lthread *t, struct pipe *pp, uint64_t buf, uint64_t len)
{
    uint64_t done = 0;
    while (done < len && pp->count) {
        uint32_t chunk = PIPE_SIZE - pp->head < pp->count ? PIPE_SIZE - pp->head : pp->count;
        if (chunk > len - done)
            chunk = (uint32_t)(len - done);
        if (mm_copy_out(t->proc, buf + done, pp->data + pp->head, chunk) < 0)
            return done ? (long)done : -EFAULT;
        pp->head = (pp->head + chunk) % PIPE_SIZE;
        pp->count -= chunk;
        done += chunk;
    }
    return (long)done;
}

/* Copies len bytes from the program's buf into the pipe (they fit). */
static long put(struct lthread *t, struct pipe *pp, uint64_t buf, uint64_t len)
{
    uint64_t done = 0;
    while (done < len) {
        uint32_t tail = (pp->head + pp->count) % PIPE_SIZE;
        uint32_t chunk = PIPE_SIZE - tail;
        if (chunk > len - done)
            chunk = (uint32_t)(len - done);
        if (mm_copy_in(t->proc, pp->data + tail, buf + done, chunk) < 0)
            return done ? (long)done : -EFAULT;
        pp->count += chunk;
        done += chunk;
    }
    return (long)done;
}

static void wake_all(struct pipe *pp);

long pipe_read(struct lthread *t, struct ofile *f, uint64_t buf, uint64_t len)
{
    struct pipe *pp = pipe_of(f);
    if (!len)
        return 0;
    if (pp->count) {
        long n = take(t, pp, buf, len);
        wake_all(pp);
        return n;
    }
    if (!pp->writers)
        return 0;
    if (f->flags & O_NONBLOCK)
        return -EAGAIN;
    t->wait = WAIT_PIPE;
    t->interruptible = t->restartable = true;
    t->io_file = f;
    t->io_buf = buf;
    t->io_len = len;
    return POSIX_DEFERRED;
}

bool pipe_write_whole(struct ofile *f, const void *data, uint64_t len)
{
    struct pipe *pp = pipe_of(f);
    if (!pp->readers || PIPE_SIZE - pp->count < len)
        return false;
    for (uint64_t done = 0; done < len;) {
        uint32_t tail = (pp->head + pp->count) % PIPE_SIZE;
        uint32_t chunk = PIPE_SIZE - tail;
        if (chunk > len - done)
            chunk = (uint32_t)(len - done);
        memcpy(pp->data + tail, (const uint8_t *)data + done, chunk);
        pp->count += chunk;
        done += chunk;
    }
    wake_all(pp);
    return true;
}

long pipe_write(struct lthread *t, struct ofile *f, uint64_t buf, uint64_t len)
{
    struct pipe *pp = pipe_of(f);
    if (!pp->readers) {
        signal_send(t->proc, t, SIGPIPE, 0, t->proc->pid);
        return -EPIPE;
    }
    uint64_t space = PIPE_SIZE - pp->count;
    /* Up to PIPE_BUF bytes go in whole or wait; more may be split. */
    if (len && (space >= len || (len > PIPE_BUF && space))) {
        long n = put(t, pp, buf, len < space ? len : space);
        wake_all(pp);
        if (n < 0 || (uint64_t)n == len || (f->flags & O_NONBLOCK))
            return n;
        buf += (uint64_t)n;
        len -= (uint64_t)n;
        t->io_done = (uint64_t)n;
    } else if (!len) {
        return 0;
    } else if (f->flags & O_NONBLOCK) {
        return -EAGAIN;
    } else {
        t->io_done = 0;
    }
    t->wait = WAIT_PIPE;
    t->interruptible = t->restartable = true;
    t->io_file = f;
    t->io_buf = buf;
    t->io_len = len;
    t->io_write = true;
    return POSIX_DEFERRED;
}

/* Finishes what waiting readers and writers of pp can do now. */
static void wake_all(struct pipe *pp)
{
    poll_wake();
    for (int progress = 1; progress;) {
        progress = 0;
        for (int i = 0; i < thread_high; i++) {
            struct lthread *w = &threads[i];
            if (!w->tid || w->wait != WAIT_PIPE || pipe_of(w->io_file) != pp)
                continue;
            if (!w->io_write && (pp->count || !pp->writers)) {
                long n = pp->count ? take(w, pp, w->io_buf, w->io_len) : 0;
                w->io_file = NULL;
                reply_to(w, n);
                progress = 1;
            } else if (w->io_write && !pp->readers) {
                w->io_write = false;
                w->io_file = NULL;
                signal_send(w->proc, w, SIGPIPE, 0, w->proc->pid);
                reply_to(w, w->io_done ? (long)w->io_done : -EPIPE);
                progress = 1;
            } else if (w->io_write && PIPE_SIZE - pp->count >= (w->io_len < PIPE_BUF ? w->io_len : 1)) {
                uint64_t space = PIPE_SIZE - pp->count;
                uint64_t n = w->io_len < space ? w->io_len : space;
                long r = put(w, pp, w->io_buf, n);
                if (r > 0) {
                    w->io_done += (uint64_t)r;
                    w->io_buf += (uint64_t)r;
                    w->io_len -= (uint64_t)r;
                }
                if (r < 0 || !w->io_len) {
                    w->io_write = false;
                    w->io_file = NULL;
                    reply_to(w, r < 0 && !w->io_done ? r : (long)w->io_done);
                }
                progress = 1;
            }
        }
    }
}

void pipe_close(struct ofile *f)
{
    struct pipe *pp = pipe_of(f);
    if (f->kind == OF_PIPE_READ)
        pp->readers--;
    else
        pp->writers--;
    wake_all(pp);
    if (!pp->readers && !pp->writers) {
        ring_free(pp);
        pp->used = false;
    }
}

bool pipe_ready(const struct ofile *f, bool for_write)
{
    const struct pipe *pp = &pipes[f->pipe];
    if (for_write)
        return !pp->readers || pp->count < PIPE_SIZE;
    return pp->count || !pp->writers;
}

bool pipe_has_data(const struct ofile *f)
{
    return pipes[f->pipe].count != 0;
}

bool pipe_has_reader(const struct ofile *f)
{
    return pipes[f->pipe].readers != 0;
}

void pipe_interrupt(struct lthread *t)
{
    t->io_file = NULL;
    t->io_write = false;
}

long sys_pipe2(struct lthread *t, const struct sysargs *s)
{
    uint64_t flags = s->a[1];
    if (flags & ~(uint64_t)(O_NONBLOCK | O_CLOEXEC))
        return -EINVAL;
    int k = 0;
    while (k < MAX_PIPES && pipes[k].used)
        k++;
    if (k == MAX_PIPES)
        return -ENFILE;
    struct ofile *r = file_new(OF_PIPE_READ), *w = r ? file_new(OF_PIPE_WRITE) : NULL;
    if (!w) {
        file_put(r);
        return -ENFILE;
    }
    long frame;
    uint8_t *ring = ring_new(k, &frame);
    if (!ring) {
        r->kind = w->kind = OF_NULL;       /* no pipe behind them yet */
        file_put(r);
        file_put(w);
        return -ENOMEM;
    }
    pipes[k] = (struct pipe){ .used = true, .readers = 1, .writers = 1, .data = ring,
                              .frame = frame };
    r->pipe = w->pipe = k;
    r->flags = (uint32_t)(flags & O_NONBLOCK);
    w->flags = (uint32_t)(flags & O_NONBLOCK) | 1 /* O_WRONLY */;
    r->mode = w->mode = 0010600;   /* S_IFIFO */
    bool cloexec = flags & O_CLOEXEC;
    long fr = file_install(t->proc, r, cloexec, 0);
    long fw = fr < 0 ? fr : file_install(t->proc, w, cloexec, 0);
    int32_t fds[2] = { (int32_t)fr, (int32_t)fw };
    if (fw < 0 || mm_copy_out(t->proc, s->a[0], fds, sizeof fds) < 0) {
        if (fr >= 0)
            t->proc->files.fd[fr] = NULL;
        if (fw >= 0)
            t->proc->files.fd[fw] = NULL;
        file_put(r);
        file_put(w);
        return fw < 0 ? fw : -EFAULT;
    }
    return 0;
}
