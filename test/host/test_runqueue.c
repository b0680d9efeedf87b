/* Host tests of the scheduler's run queues, kernel/runqueue.c. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "runqueue.h"

static struct runqueues rq;
static struct thread threads[64];

static struct thread *th(int i, int prio)
{
    memset(&threads[i], 0, sizeof threads[i]);
    threads[i].prio = (uint8_t)prio;
    return &threads[i];
}

static void empty_has_no_highest(void)
{
    memset(&rq, 0, sizeof rq);
    CHECK(rq_highest(&rq) == -1);
}

static void highest_across_words(void)
{
    memset(&rq, 0, sizeof rq);
    int prios[] = { 0, 63, 64, 127, 200, 255 };
    for (int i = 0; i < 6; i++) {
        rq_enqueue(&rq, th(i, prios[i]));
        CHECK(rq_highest(&rq) == prios[i]);
    }
    for (int i = 5; i >= 0; i--) {
        CHECK(rq_highest(&rq) == prios[i]);
        rq_dequeue(&rq, &threads[i]);
    }
    CHECK(rq_highest(&rq) == -1);
    CHECK(rq.top_bits == 0);
}

static void fifo_within_a_priority(void)
{
    memset(&rq, 0, sizeof rq);
    for (int i = 0; i < 4; i++)
        rq_enqueue(&rq, th(i, 100));
    for (int i = 0; i < 4; i++) {
        CHECK(rq_head(&rq, 100) == &threads[i]);
        rq_dequeue(&rq, &threads[i]);
    }
    CHECK(rq_highest(&rq) == -1);
}

static void dequeue_from_the_middle(void)
{
    memset(&rq, 0, sizeof rq);
    for (int i = 0; i < 3; i++)
        rq_enqueue(&rq, th(i, 7));
    rq_dequeue(&rq, &threads[1]);
    CHECK(rq_head(&rq, 7) == &threads[0]);
    CHECK(threads[0].rq_next == &threads[2]);
    CHECK(threads[2].rq_prev == &threads[0]);
    rq_dequeue(&rq, &threads[2]);
    CHECK(rq.queues[7].tail == &threads[0]);
    rq_dequeue(&rq, &threads[0]);
    CHECK(rq_highest(&rq) == -1);
}

/* Random operations against a simple model: a counter per priority. */
static void random_against_model(void)
{
    static int count[PRIO_COUNT];
    static int queued[64];
    memset(&rq, 0, sizeof rq);
    memset(count, 0, sizeof count);
    memset(queued, 0, sizeof queued);
    srand(7);
    for (int iter = 0; iter < 100000; iter++) {
        int i = rand() % 64;
        if (queued[i]) {
            rq_dequeue(&rq, &threads[i]);
            count[threads[i].prio]--;
            queued[i] = 0;
        } else {
            rq_enqueue(&rq, th(i, rand() % PRIO_COUNT));
            count[threads[i].prio]++;
            queued[i] = 1;
        }
        int want = -1;
        for (int p = PRIO_COUNT - 1; p >= 0 && want < 0; p--)
            if (count[p])
                want = p;
        if (rq_highest(&rq) != want) {
            CHECK(rq_highest(&rq) == want);
            return;
        }
    }
}

/* The highest set bit of every word with one or two bits set. */
static void highest_bit_of_each_word(void)
{
    for (unsigned hi = 0; hi < 64; hi++)
        for (unsigned lo = 0; lo <= hi; lo++)
            CHECK(rq_highest_bit(1ull << hi | 1ull << lo) == hi);
    CHECK(rq_highest_bit(~0ull) == 63);
}

int main(void)
{
    RUN(highest_bit_of_each_word);
    RUN(empty_has_no_highest);
    RUN(highest_across_words);
    RUN(fifo_within_a_priority);
    RUN(dequeue_from_the_middle);
    RUN(random_against_model);
    return check_failures != 0;
}
