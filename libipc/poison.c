/*
 * Poison requests (see poison.h): pure logic, tested on the host.
 */
#include "mica/poison.h"

void poison_blame(struct service_state *st)
{
    if (st->current && !st->injected) {
        if (st->suspect == st->current) {
            st->strikes++;
        } else {
            st->suspect = st->current;
            st->strikes = 1;
        }
    }
    st->current = 0;
    st->injected = 0;
}

bool poison_check(struct service_state *st, uint64_t key)
{
    if (st->suspect == key && st->strikes >= 2) {
        st->suspect = 0;
        st->strikes = 0;
        return true;
    }
    st->current = key;
    return false;
}

void poison_done(struct service_state *st)
{
    st->current = 0;
}
