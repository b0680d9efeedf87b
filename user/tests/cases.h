/* A test program is a table of named cases, like xv6's usertests: with no
 * arguments every case runs in order, with names only those cases run, and
 * -l lists the names. Each case ends with "<prog>: <case>: ok" or FAILED,
 * and the run with "<prog>: ok" or "<prog>: FAILED", which the tests look
 * for; the exit status is the number of failed checks. Each program is one
 * file, so the state below is the program's own. */
#ifndef TESTS_CASES_H
#define TESTS_CASES_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
    const char *name;
    void (*run)(void);
};

static const char *case_prog = "?", *case_name = "?";
static int case_failures;

/* errno is printed too: most checks are system calls that set it. */
#define EXPECT(c) do { if (!(c)) { int e_ = errno; \
    printf("%s: %s: failed: %s (line %d, errno %d)\n", case_prog, case_name, #c, __LINE__, e_); \
    case_failures++; } } while (0)

static inline const struct test_case *case_find(const struct test_case *cases, int n,
                                                const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    return 0;
}

static inline int run_cases(const char *prog, const struct test_case *cases, int n,
                            int argc, char **argv)
{
    /* Line-buffered even into a pipe, so that a forked child never inherits
     * and repeats (or, with _exit, swallows) unwritten lines. */
    setvbuf(stdout, 0, _IOLBF, 0);
    case_prog = prog;
    if (argc > 1 && strcmp(argv[1], "-l") == 0) {
        for (int i = 0; i < n; i++)
            printf("%s\n", cases[i].name);
        return 0;
    }
    /* Every name is checked before any case runs: a typo runs nothing. */
    for (int a = 1; a < argc; a++) {
        if (!case_find(cases, n, argv[a])) {
            printf("%s: no case %s\n", prog, argv[a]);
            exit(2);
        }
    }
    int total = 0, count = argc > 1 ? argc - 1 : n;
    for (int i = 0; i < count; i++) {
        const struct test_case *c = argc > 1 ? case_find(cases, n, argv[i + 1]) : &cases[i];
        case_name = c->name;
        case_failures = 0;
        c->run();
        printf("%s: %s: %s\n", prog, c->name, case_failures ? "FAILED" : "ok");
        total += case_failures;
    }
    printf("%s: %s\n", prog, total ? "FAILED" : "ok");
    return total;
}

#endif
