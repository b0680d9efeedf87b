/*
 * Sockets: IPv4 over the loopback only (127.0.0.0/8, and 0.0.0.0 to bind
 * to), UDP datagrams and TCP streams between processes of this machine.
 * There is no network device: an address elsewhere is ENETUNREACH. A
 * socket is an open file (OF_SOCKET) whose `pipe` field names its struct
 * sock here. A datagram goes straight into the receiver's queue (dropped
 * when the queue is full, as UDP may); connect to a listening stream
 * socket makes the accepted end at once, and the two ends' buffers are
 * each other's pipes. A call that must wait (recvfrom, accept, a send
 * to a full buffer) waits like a System V call (sysv.c) and is tried
 * again whenever any socket changes; SO_RCVTIMEO bounds it (EAGAIN).
 * ppoll and pselect6 see a socket ready as Linux would. Not here: socket
 * options beyond those below, MSG_PEEK, socketpair, IPv6.
 */
#include "sysv.h"

#include "mica/runtime.h"
#include "mica/string.h"

#define MAX_SOCKS    32
#define SOCK_BUF     8192
#define AF_INET      2
#define SOCK_STREAM  1
#define SOCK_DGRAM   2
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000
#define IPPROTO_TCP  6
#define IPPROTO_UDP  17
#define SOL_SOCKET   1
#define SO_REUSEADDR 2
#define SO_TYPE      3
#define SO_ERROR     4
#define SO_RCVTIMEO  20
#define SO_SNDTIMEO  21
#define MSG_DONTWAIT 0x40
#define O_NONBLOCK   04000
#define EPHEMERAL    32768
#define SIGPIPE         13

struct sockaddr_in_k {
    uint16_t family;
    uint16_t port;                 /* network byte order */
    uint32_t addr;                 /* network byte order */
    uint8_t zero[8];
};

struct sock {
    bool used;
    int type;
    uint32_t addr;                 /* host order; bound address (0: any) */
    uint16_t port;                 /* host order; 0: not bound */
    bool listening;
    int backlog;
    int peer;                      /* stream: the other end, or -1 */
    bool peer_gone;                /* stream: the other end closed: EOF */
    uint32_t peer_addr;            /* connected (datagram default or stream) */
    uint16_t peer_port;
    uint64_t rcvtimeo_ns;
    int pending[8];                /* listening: connections not accepted */
    int npending;
    uint32_t len;                  /* bytes in buf */
    uint8_t buf[SOCK_BUF];         /* stream: bytes; datagram: records */
};

/* A datagram in a receive buffer: this header, then its bytes. */
struct dgram {
    uint32_t addr;
    uint16_t port;
    uint16_t len;
};

static struct sock socks[MAX_SOCKS];

static uint16_t swap16(uint16_t v) { return (uint16_t)(v << 8 | v >> 8); }
static uint32_t swap32(uint32_t v)
{
    return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

static bool loopback(uint32_t addr) { return (addr >> 24) == 127; }

/* Something moved: waiting calls try again, and polls look again. */
static void changed(void)
{
    sysv_retry(SYSV_SOCK, 0);
    poll_wake();
}

/* fd's open file if it is a socket; else NULL with *err. */
static struct ofile *socket_file(struct lproc *p, uint64_t fd, long *err)
{
    struct ofile *f = file_get(p, fd);
    *err = !f ? -EBADF : f->kind != OF_SOCKET ? -ENOTSOCK : 0;
    return *err ? NULL : f;
}

static struct sock *sock_of(struct lproc *p, uint64_t fd, long *err)
{
    struct ofile *f = socket_file(p, fd, err);
    return f ? &socks[f->pipe] : NULL;
}

static bool nonblocking(struct lproc *p, uint64_t fd, uint64_t flags)
{
    struct ofile *f = file_get(p, fd);
    return (flags & MSG_DONTWAIT) || (f && (f->flags & O_NONBLOCK));
}

/* Waits for a change, with the socket's receive timeout if it has one. */
static long wait_change(struct lthread *t, const struct sysargs *s, struct sock *k)
{
    uint64_t deadline = 0;
    if (t->wait == WAIT_IPC)
        deadline = t->timed ? t->deadline_ns : 0;
    else if (k && k->rcvtimeo_ns)
        deadline = mica_monotonic_ns() + k->rcvtimeo_ns;
    return sysv_wait(t, SYSV_SOCK, 0, s, deadline);
}

static long sock_new(int type)
{
    for (int i = 0; i < MAX_SOCKS; i++) {
        if (socks[i].used)
            continue;
        memset(&socks[i], 0, sizeof socks[i]);
        socks[i].used = true;
        socks[i].type = type;
        socks[i].peer = -1;
        return i;
    }
    return -ENFILE;
}

static long install(struct lproc *p, int idx, uint64_t flags)
{
    struct ofile *f = file_new(OF_SOCKET);
    if (!f) {
        socks[idx].used = false;
        return -ENFILE;
    }
    f->pipe = idx;
    f->mode = 0140777;             /* S_IFSOCK */
    f->flags = 2 | (flags & SOCK_NONBLOCK ? O_NONBLOCK : 0);
    long fd = file_install(p, f, flags & SOCK_CLOEXEC, 0);
    if (fd < 0)
        file_put(f);
    return fd;
}

long sys_socket(struct lthread *t, const struct sysargs *s)
{
    int type = (int)s->a[1] & 0xf, proto = (int)s->a[2];
    if (s->a[0] != AF_INET)
        return -EAFNOSUPPORT;
    if (s->a[1] & ~(uint64_t)(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    if (type != SOCK_STREAM && type != SOCK_DGRAM)
        return -EINVAL;
    if (proto && proto != (type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
        return -EPROTONOSUPPORT;
    long idx = sock_new(type);
    return idx < 0 ? idx : install(t->proc, (int)idx, s->a[1]);
}

static long read_addr(struct lproc *p, uint64_t addr, uint64_t len, struct sockaddr_in_k *sa)
{
    if (len < sizeof *sa)
        return -EINVAL;
    if (mm_copy_in(p, sa, addr, sizeof *sa) < 0)
        return -EFAULT;
    return sa->family == AF_INET ? 0 : -EAFNOSUPPORT;
}

static long write_addr(struct lproc *p, uint64_t addr, uint64_t lenp, uint32_t a, uint16_t port)
{
    if (!addr)
        return 0;
    uint32_t len;
    struct sockaddr_in_k sa = { AF_INET, swap16(port), swap32(a), { 0 } };
    if (mm_copy_in(p, &len, lenp, 4) < 0)
        return -EFAULT;
    if ((int32_t)len < 0)
        return -EINVAL;
    if (mm_copy_out(p, addr, &sa, len < sizeof sa ? len : sizeof sa) < 0)
        return -EFAULT;
    len = sizeof sa;
    return mm_copy_out(p, lenp, &len, 4) < 0 ? -EFAULT : 0;
}

static bool port_taken(int type, uint16_t port)
{
    for (int i = 0; i < MAX_SOCKS; i++)
        if (socks[i].used && socks[i].type == type && socks[i].port == port)
            return true;
    return false;
}

static long bind_to(struct sock *k, uint32_t addr, uint16_t port)
{
    if (addr && !loopback(addr))
        return -EADDRNOTAVAIL;
    if (!port) {
        for (port = EPHEMERAL; port && port_taken(k->type, port); port++)
            ;
        if (!port)
            return -EADDRINUSE;
    } else if (port_taken(k->type, port)) {
        return -EADDRINUSE;
    }
    k->addr = addr;
    k->port = port;
    return 0;
}

long sys_bind(struct lthread *t, const struct sysargs *s)
{
    long err;
    struct sockaddr_in_k sa;
    struct sock *k = sock_of(t->proc, s->a[0], &err);
    if (!k)
        return err;
    if ((err = read_addr(t->proc, s->a[1], s->a[2], &sa)))
        return err;
    if (k->port)
        return -EINVAL;
    return bind_to(k, swap32(sa.addr), swap16(sa.port));
}

long sys_getsockname(struct lthread *t, const struct sysargs *s)
{
    long err;
    struct sock *k = sock_of(t->proc, s->a[0], &err);
    return k ? write_addr(t->proc, s->a[1], s->a[2], k->addr, k->port) : err;
}

long sys_getpeername(struct lthread *t, const struct sysargs *s)
{
    long err;
    struct sock *k = sock_of(t->proc, s->a[0], &err);
    if (!k)
        return err;
    if (!k->peer_port)
        return -ENOTCONN;
    return write_addr(t->proc, s->a[1], s->a[2], k->peer_addr, k->peer_port);
}

long sys_setsockopt(struct lthread *t, const struct sysargs *s)
{
    long err;
    struct sock *k = sock_of(t->proc, s->a[0], &err);
    int64_t tv[2];
    if (!k)
        return err;
    if (s->a[1] != SOL_SOCKET)
        return -ENOPROTOOPT;
    switch (s->a[2]) {
    case SO_RCVTIMEO:
    case SO_SNDTIMEO:
        if (s->a[4] < sizeof tv)
            return -EINVAL;
        if (mm_copy_in(t->proc, tv, s->a[3], sizeof tv) < 0)
            return -EFAULT;
        if (tv[0] < 0 || tv[1] < 0 || tv[1] >= 1000000)
            return -EDOM;
        if (s->a[2] == SO_RCVTIMEO)
            k->rcvtimeo_ns = (uint64_t)tv[0] * 1000000000 + (uint64_t)tv[1] * 1000;
        return 0;                   /* sends never wait for long here */
    case SO_REUSEADDR:
        return s->a[4] < 4 ? -EINVAL : 0;
    default:
        return -ENOPROTOOPT;
    }
}

long sys_getsockopt(struct lthread *t, const struct sysargs *s)
{
    long err;
    struct sock *k = sock_of(t->proc, s->a[0], &err);
    int32_t v;
    if (!k)
        return err;
    if (s->a[1] != SOL_SOCKET)
        return -ENOPROTOOPT;
    if (s->a[2] == SO_TYPE)
        v = k->type;
    else if (s->a[2] == SO_ERROR)
        v = 0;
    else
        return -ENOPROTOOPT;
    uint32_t len = 4;
    if (mm_copy_out(t->proc, s->a[3], &v, 4) < 0 || mm_copy_out(t->proc, s->a[4], &len, 4) < 0)
        return -EFAULT;
    return 0;
}

long sys_listen(struct lthread *t, const struct sysargs *s)
{
    long err;
    struct sock *k = sock_of(t->proc, s->a[0], &err);
    if (!k)
        return err;
    if (k->type != SOCK_STREAM)
        return -EOPNOTSUPP;
    if (k->peer >= 0)
        return -EINVAL;
    if (!k->port && (err = bind_to(k, 0, 0)))
        return err;
    int backlog = (int)s->a[1];
    k->backlog = backlog < 1 ? 1 : backlog > 8 ? 8 : backlog;
    k->listening = true;
    return 0;
}

/* The listening stream socket or bound datagram socket at addr:port. */
static struct sock *find(int type, uint32_t addr, uint16_t port)
{
    for (int i = 0; i < MAX_SOCKS; i++) {
        struct sock *k = &socks[i];
        if (k->used && k->type == type && k->port == port && (!k->addr || k->addr == addr) &&
            (type == SOCK_DGRAM || k->listening))
            return k;
    }
    return NULL;
}

long sys_connect(struct lthread *t, const struct sysargs *s)
{
    long err;
    struct sockaddr_in_k sa;
    struct sock *k = sock_of(t->proc, s->a[0], &err);
    if (!k)
        return err;
    if ((err = read_addr(t->proc, s->a[1], s->a[2], &sa)))
        return err;
    uint32_t addr = swap32(sa.addr);
    uint16_t port = swap16(sa.port);
    if (!addr)
        addr = 0x7f000001;          /* Linux: 0.0.0.0 means this host */
    if (!loopback(addr))
        return -ENETUNREACH;
    if (!k->port && (err = bind_to(k, 0, 0)))
        return err;
    if (k->type == SOCK_DGRAM) {
        k->peer_addr = addr;
        k->peer_port = port;
        return 0;
    }
    if (k->peer >= 0 || k->peer_gone)
        return -EISCONN;
    if (k->listening)
        return -EINVAL;
    struct sock *l = find(SOCK_STREAM, addr, port);
    if (!l)
        return -ECONNREFUSED;
    if (l->npending == l->backlog)
        return nonblocking(t->proc, s->a[0], 0) ? -EAGAIN : wait_change(t, s, NULL);
    long n = sock_new(SOCK_STREAM);
    if (n < 0)
        return -ENOBUFS;
    struct sock *a = &socks[n];
    a->addr = addr;
    a->port = l->port;
    a->peer = (int)(k - socks);
    a->peer_addr = k->addr ? k->addr : 0x7f000001;
    a->peer_port = k->port;
    k->peer = (int)n;
    k->peer_addr = addr;
    k->peer_port = port;
    l->pending[l->npending++] = (int)n;
    changed();
    return 0;
}

long sys_accept4(struct lthread *t, const struct sysargs *s)
{
    long err;
    struct sock *k = sock_of(t->proc, s->a[0], &err);
    if (!k)
        return err;
    if (!k->listening)
        return -EINVAL;
    if (s->a[3] & ~(uint64_t)(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    if (!k->npending)
        return nonblocking(t->proc, s->a[0], 0) ? -EAGAIN : wait_change(t, s, k);
    int n = k->pending[0];
    if ((err = write_addr(t->proc, s->a[1], s->a[2], socks[n].peer_addr, socks[n].peer_port)))
        return err;
    long fd = install(t->proc, n, s->a[3]);
    if (fd < 0)
        return fd;
    memmove(k->pending, k->pending + 1, (size_t)--k->npending * sizeof k->pending[0]);
    return fd;
}

long sys_accept(struct lthread *t, const struct sysargs *s)
{
    struct sysargs a = *s;
    a.a[3] = 0;
    return sys_accept4(t, &a);
}

static long send_dgram(struct lthread *t, struct sock *k, uint64_t buf, uint64_t len,
                       uint32_t addr, uint16_t port)
{
    long err;
    if (len > SOCK_BUF - sizeof(struct dgram))
        return -EMSGSIZE;
    if (!loopback(addr))
        return -ENETUNREACH;
    if (!k->port && (err = bind_to(k, 0, 0)))
        return err;
    struct sock *r = find(SOCK_DGRAM, addr, port);
    if (!r || r->len + sizeof(struct dgram) + len > SOCK_BUF)
        return (long)len;           /* nobody there, or no room: lost, as UDP may be */
    struct dgram d = { k->addr ? k->addr : addr, k->port, (uint16_t)len };
    if (mm_copy_in(t->proc, r->buf + r->len + sizeof d, buf, len) < 0)
        return -EFAULT;
    memcpy(r->buf + r->len, &d, sizeof d);
    r->len += (uint32_t)(sizeof d + len);
    changed();
    return (long)len;
}

static long send_stream(struct lthread *t, const struct sysargs *s, struct sock *k,
                        uint64_t buf, uint64_t len, uint64_t flags)
{
    if (k->peer < 0) {
        if (!k->peer_gone)
            return -ENOTCONN;
        signal_send(t->proc, t, SIGPIPE, 0, t->proc->pid);
        return -EPIPE;
    }
    struct sock *r = &socks[k->peer];
    uint64_t room = SOCK_BUF - r->len;
    if (!room)
        return nonblocking(t->proc, s->a[0], flags) ? -EAGAIN : wait_change(t, s, NULL);
    uint64_t n = len < room ? len : room;
    if (mm_copy_in(t->proc, r->buf + r->len, buf, n) < 0)
        return -EFAULT;
    r->len += (uint32_t)n;
    changed();
    return (long)n;
}

long sock_send(struct lthread *t, const struct sysargs *s, struct ofile *f, uint64_t buf,
               uint64_t len, uint64_t flags, uint64_t to, uint64_t tolen)
{
    struct sock *k = &socks[f->pipe];
    if (k->type == SOCK_STREAM)
        return send_stream(t, s, k, buf, len, flags);
    uint32_t addr = k->peer_addr;
    uint16_t port = k->peer_port;
    if (to) {
        struct sockaddr_in_k sa;
        long err = read_addr(t->proc, to, tolen, &sa);
        if (err)
            return err;
        addr = swap32(sa.addr) ? swap32(sa.addr) : 0x7f000001;
        port = swap16(sa.port);
    } else if (!port) {
        return -EDESTADDRREQ;
    }
    return send_dgram(t, k, buf, len, addr, port);
}

long sock_recv(struct lthread *t, const struct sysargs *s, struct ofile *f, uint64_t buf,
               uint64_t len, uint64_t flags, uint64_t from, uint64_t fromlen)
{
    struct sock *k = &socks[f->pipe];
    if (!k->len) {
        if (k->type == SOCK_STREAM && (k->peer_gone || (k->peer < 0 && !k->listening)))
            return k->peer_gone ? 0 : -ENOTCONN;
        return nonblocking(t->proc, s->a[0], flags) ? -EAGAIN : wait_change(t, s, k);
    }
    uint64_t n;
    if (k->type == SOCK_STREAM) {
        n = len < k->len ? len : k->len;
        if (mm_copy_out(t->proc, buf, k->buf, n) < 0)
            return -EFAULT;
        memmove(k->buf, k->buf + n, k->len - n);
        k->len -= (uint32_t)n;
        if (from && write_addr(t->proc, from, fromlen, k->peer_addr, k->peer_port) < 0)
            return -EFAULT;
    } else {
        struct dgram d;
        memcpy(&d, k->buf, sizeof d);
        n = len < d.len ? len : d.len;      /* the rest of a long datagram is lost */
        if (mm_copy_out(t->proc, buf, k->buf + sizeof d, n) < 0 ||
            write_addr(t->proc, from, fromlen, d.addr, d.port) < 0)
            return -EFAULT;
        uint32_t used = (uint32_t)sizeof d + d.len;
        memmove(k->buf, k->buf + used, k->len - used);
        k->len -= used;
    }
    changed();
    return (long)n;
}

long sys_sendto(struct lthread *t, const struct sysargs *s)
{
    long err;
    struct ofile *f = socket_file(t->proc, s->a[0], &err);
    return f ? sock_send(t, s, f, s->a[1], s->a[2], s->a[3], s->a[4], s->a[5]) : err;
}

long sys_recvfrom(struct lthread *t, const struct sysargs *s)
{
    long err;
    struct ofile *f = socket_file(t->proc, s->a[0], &err);
    return f ? sock_recv(t, s, f, s->a[1], s->a[2], s->a[3], s->a[4], s->a[5]) : err;
}

long sys_shutdown(struct lthread *t, const struct sysargs *s)
{
    long err;
    struct sock *k = sock_of(t->proc, s->a[0], &err);
    if (!k)
        return err;
    if (s->a[1] > 2)
        return -EINVAL;
    if (k->type != SOCK_STREAM || k->peer < 0)
        return -ENOTCONN;
    if (s->a[1] >= 1) {             /* SHUT_WR or SHUT_RDWR: the peer reads EOF */
        socks[k->peer].peer_gone = true;
        socks[k->peer].peer = -1;
        k->peer = -1;
        k->peer_gone = true;
        changed();
    }
    return 0;
}

int16_t sock_events(const struct ofile *f)
{
    const struct sock *k = &socks[f->pipe];
    if (k->listening)
        return k->npending ? POLLIN : 0;
    if (k->type == SOCK_DGRAM)
        return (int16_t)(POLLOUT | (k->len ? POLLIN : 0));
    if (k->peer < 0)                /* the peer closed: EOF; never connected: hangup */
        return (int16_t)((k->peer_gone ? POLLIN : POLLOUT) | POLLHUP);
    int16_t ev = socks[k->peer].len < SOCK_BUF ? POLLOUT : 0;
    return (int16_t)(ev | (k->len ? POLLIN : 0));
}

void sock_close(struct ofile *f)
{
    struct sock *k = &socks[f->pipe];
    if (k->peer >= 0) {
        socks[k->peer].peer = -1;
        socks[k->peer].peer_gone = true;
    }
    /* Connections nobody accepted end too. */
    for (int i = 0; i < k->npending; i++) {
        struct sock *a = &socks[k->pending[i]];
        if (a->peer >= 0) {
            socks[a->peer].peer = -1;
            socks[a->peer].peer_gone = true;
        }
        a->used = false;
    }
    k->used = false;
    changed();
}
