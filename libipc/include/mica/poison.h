/*
 * Poison requests: a request that kills its server twice is answered
 * -EIO and not run again, so one bad request cannot keep a server in a
 * crash loop while its client retries. The bookkeeping lives in the
 * server's state frame (struct service_state), which outlives the server:
 * while serving, `current` names the request (a key equal for a request
 * and its retries); a new incarnation finding `current` set knows what
 * its predecessor died of. Deaths root caused (service kill/inject) blame
 * no request.
 */
#ifndef MICA_POISON_H
#define MICA_POISON_H

#include <stdbool.h>
#include <stdint.h>

#include "mica/service.h"

/* At start: blame the request the previous incarnation died serving. */
void poison_blame(struct service_state *st);
/* Before serving the request with this key: true if it is to be answered
 * -EIO instead (it is then forgiven); otherwise it becomes current. */
bool poison_check(struct service_state *st, uint64_t key);
/* The current request is answered (or deferred). */
void poison_done(struct service_state *st);

#endif
