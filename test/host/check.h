/* A minimal check macro for the host unit tests: report and count. */
#ifndef MICA_TEST_CHECK_H
#define MICA_TEST_CHECK_H

#include <stdio.h>

static int check_failures;

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                   \
            check_failures++;                                                 \
        }                                                                     \
    } while (0)

/* Runs one named case and prints its outcome. */
#define RUN(fn)                                                          \
    do {                                                                 \
        int before_ = check_failures;                                    \
        fn();                                                            \
        printf("%s %s\n", check_failures == before_ ? "ok  " : "FAIL", #fn); \
    } while (0)

#endif
