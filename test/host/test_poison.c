/* Host tests of libipc/poison.c: when a request is blamed for a death,
 * and when it is answered -EIO instead of run. */
#include <string.h>

#include "check.h"
#include "mica/poison.h"

/* A death while serving key; root caused it if injected. */
static void die_serving(struct service_state *st, uint64_t key, int injected)
{
    CHECK(!poison_check(st, key));
    st->injected = (uint32_t)injected;
    poison_blame(st);                    /* the next incarnation starts */
}

static void killed_twice_gets_eio_once(void)
{
    struct service_state st;
    memset(&st, 0, sizeof st);
    die_serving(&st, 7, 0);
    CHECK(st.suspect == 7 && st.strikes == 1);
    die_serving(&st, 7, 0);
    CHECK(st.strikes == 2);
    CHECK(poison_check(&st, 7));         /* answered -EIO ... */
    CHECK(st.current == 0);
    CHECK(!poison_check(&st, 7));        /* ... once: a later one runs */
    poison_done(&st);
    CHECK(st.current == 0);
}

static void injected_deaths_blame_nothing(void)
{
    struct service_state st;
    memset(&st, 0, sizeof st);
    die_serving(&st, 9, 1);
    die_serving(&st, 9, 1);
    CHECK(st.strikes == 0 && st.injected == 0);
    CHECK(!poison_check(&st, 9));
}

static void other_requests_run(void)
{
    struct service_state st;
    memset(&st, 0, sizeof st);
    die_serving(&st, 5, 0);
    die_serving(&st, 6, 0);              /* a different request: a new suspect */
    CHECK(st.suspect == 6 && st.strikes == 1);
    die_serving(&st, 6, 0);
    CHECK(!poison_check(&st, 5));        /* not the poison */
    poison_done(&st);
    CHECK(poison_check(&st, 6));
}

static void answered_requests_blame_nothing(void)
{
    struct service_state st;
    memset(&st, 0, sizeof st);
    CHECK(!poison_check(&st, 3));
    poison_done(&st);                    /* answered, then a death elsewhere */
    poison_blame(&st);
    CHECK(st.strikes == 0 && st.suspect == 0);
}

int main(void)
{
    RUN(killed_twice_gets_eio_once);
    RUN(injected_deaths_blame_nothing);
    RUN(other_requests_run);
    RUN(answered_requests_blame_nothing);
    return check_failures != 0;
}
