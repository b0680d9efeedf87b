/*
 * The receive loop of native servers (MINIX's libfsdriver pattern): a
 * server fills a table of request handlers and calls server_run(); the
 * library receives, dispatches on the message label, replies, and hands
 * notification bits (interrupts, timers) to the table's notify hook.
 *
 * A handler gets the request and fills the reply's words 1..3 (and, for a
 * longer reply, words 4.. in r->mr, setting r->reply_len); its return
 * value becomes word 0 (a result or -E...). The request's own words 4..
 * are in r->mr too: read them before writing the reply there. A handler that cannot answer
 * yet calls server_defer() and returns SERVER_DEFERRED; it answers later
 * with server_answer(). A label with no handler is answered -ENOSYS.
 */
#ifndef MICA_SERVER_H
#define MICA_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "mica/sys.h"

#define SERVER_DEFERRED ((long)INT64_MIN)

struct request {
    uint64_t label;
    uint64_t w[MICA_MSG_REGS];     /* the request's words 0..3 */
    unsigned len;
    uint64_t badge;                /* who asked */
    bool has_grant;
    uint64_t *mr;                  /* the IPC buffer's words (4.. are the message's) */
    uint64_t reply[MICA_MSG_REGS]; /* reply words; [0] is the handler's result */
    unsigned reply_len;            /* words in the reply; 0 means 4 */
};

typedef long (*server_handler)(struct request *r);

struct server_table {
    const server_handler *handlers;   /* indexed by label */
    unsigned nhandlers;
    void (*notify)(uint64_t bits);    /* a bound notification fired */
    /* Before the handler: true if it answered the request (*result). */
    bool (*before)(struct request *r, long *result);
    void (*after)(struct request *r); /* after each handler, before the reply;
                                       * r->reply[0] holds the result */
};

/* Receives on ep forever. */
__attribute__((noreturn)) void server_run(long ep, const struct server_table *t);
/* Keeps the right to answer the current request; returns its slot or -E. */
long server_defer(struct request *r);
/* Answers a deferred request (consumes the slot). */
long server_answer(long reply_slot, long result, uint64_t w1, uint64_t w2, uint64_t w3);

#endif
