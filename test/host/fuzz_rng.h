/* The host fuzzers' random numbers: xorshift64, and a stream of its own
 * for each iteration (seeded by splitmix64 from the run's seed and the
 * iteration number), so that any one iteration replays alone. */
#ifndef FUZZ_RNG_H
#define FUZZ_RNG_H
#include <stdint.h>

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static void seed_iteration(uint64_t seed, uint64_t i)
{
    uint64_t z = seed + (i + 1) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    rng_state = z ? z : 1;
}

static uint64_t below(uint64_t n)
{
    return n ? rnd() % n : 0;
}

#endif
