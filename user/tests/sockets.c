/* IPv4 loopback sockets: UDP datagrams and a TCP stream between a parent
 * and its child, ports, timeouts, refusals, poll and end of file. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cases.h"

static struct sockaddr_in loopback(uint16_t port)
{
    return (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
}

/* A socket bound to an ephemeral loopback port, and that port. */
static int bound(int type, uint16_t *port)
{
    int s = socket(AF_INET, type, 0);
    struct sockaddr_in sa = loopback(0);
    socklen_t len = sizeof sa;
    EXPECT(s >= 0 && bind(s, (void *)&sa, sizeof sa) == 0);
    EXPECT(getsockname(s, (void *)&sa, &len) == 0 && len == sizeof sa && sa.sin_port != 0);
    *port = ntohs(sa.sin_port);
    return s;
}

static void udp(void)
{
    uint16_t port, cport;
    int s = bound(SOCK_DGRAM, &port);
    int c = bound(SOCK_DGRAM, &cport);
    struct sockaddr_in to = loopback(port), from;
    socklen_t len = sizeof from;
    char buf[16];
    EXPECT(sendto(c, "one", 3, 0, (void *)&to, sizeof to) == 3);
    EXPECT(sendto(c, "two!", 4, 0, (void *)&to, sizeof to) == 4);
    /* Datagrams keep their bounds and their sender. */
    EXPECT(recvfrom(s, buf, sizeof buf, 0, (void *)&from, &len) == 3 && !memcmp(buf, "one", 3));
    EXPECT(ntohs(from.sin_port) == cport && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    EXPECT(recv(s, buf, 2, 0) == 2 && !memcmp(buf, "tw", 2));       /* the rest is lost */
    EXPECT(recv(s, buf, sizeof buf, MSG_DONTWAIT) == -1 && errno == EAGAIN);
    struct timeval tv = { 0, 20000 };
    EXPECT(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    EXPECT(recv(s, buf, sizeof buf, 0) == -1 && errno == EAGAIN);
    /* A child's datagram reaches the waiting parent; connect sets the peer. */
    pid_t pid = fork();
    if (pid == 0) {
        struct sockaddr_in p = loopback(port);
        _exit(connect(c, (void *)&p, sizeof p) == 0 && send(c, "kid", 3, 0) == 3 ? 0 : 1);
    }
    tv.tv_usec = 0;
    tv.tv_sec = 5;
    EXPECT(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    struct pollfd pf = { s, POLLIN, 0 };
    EXPECT(poll(&pf, 1, 5000) == 1 && pf.revents == POLLIN);
    EXPECT(recv(s, buf, sizeof buf, 0) == 3 && !memcmp(buf, "kid", 3));
    int status = -1;
    EXPECT(waitpid(pid, &status, 0) == pid && status == 0);
    struct sockaddr_in same = loopback(port);
    int d = socket(AF_INET, SOCK_DGRAM, 0);
    EXPECT(bind(d, (void *)&same, sizeof same) == -1 && errno == EADDRINUSE);
    close(d);
    close(c);
    close(s);
}

static void tcp(void)
{
    uint16_t port;
    int l = bound(SOCK_STREAM, &port);
    EXPECT(listen(l, 4) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in sa = loopback(port);
        char buf[16];
        int ok = c >= 0 && connect(c, (void *)&sa, sizeof sa) == 0;
        ok = ok && write(c, "hello", 5) == 5;
        ok = ok && read(c, buf, sizeof buf) == 5 && !memcmp(buf, "world", 5);
        close(c);
        _exit(ok ? 0 : 1);
    }
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    int a = accept(l, (void *)&peer, &len);
    EXPECT(a >= 0 && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    char buf[16];
    size_t got = 0;
    while (got < 5) {
        ssize_t n = read(a, buf + got, sizeof buf - got);
        EXPECT(n > 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    EXPECT(got == 5 && !memcmp(buf, "hello", 5));
    EXPECT(write(a, "world", 5) == 5);
    /* poll sees the child's close as readable (end of file). */
    struct pollfd pf = { a, POLLIN, 0 };
    EXPECT(poll(&pf, 1, 5000) == 1 && (pf.revents & POLLIN));
    EXPECT(read(a, buf, sizeof buf) == 0);         /* the child closed: end of file */
    int status = -1;
    EXPECT(waitpid(pid, &status, 0) == pid && status == 0);
    close(a);
    /* Nobody listens any more: refused. */
    close(l);
    int c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    struct sockaddr_in sa = loopback(port);
    EXPECT(connect(c, (void *)&sa, sizeof sa) == -1 && errno == ECONNREFUSED);
    close(c);
    EXPECT(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) == -1 && errno == EPROTONOSUPPORT);
}

static const struct test_case cases[] = {
    { "udp", udp },
    { "tcp", tcp },
};

int main(int argc, char **argv)
{
    return run_cases("sockets", cases, sizeof cases / sizeof cases[0], argc, argv);
}
