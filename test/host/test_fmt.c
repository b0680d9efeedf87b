/* Host tests of libipc/fmt.c against the host's snprintf. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "mica/fmt.h"

#define SAME(...)                                             \
    do {                                                      \
        char a_[128], b_[128];                                \
        int na_ = fmt_snprintf(a_, sizeof a_, __VA_ARGS__);   \
        int nb_ = snprintf(b_, sizeof b_, __VA_ARGS__);       \
        if (na_ != nb_ || strcmp(a_, b_) != 0)                \
            fprintf(stderr, "got '%s' want '%s'\n", a_, b_);  \
        CHECK(na_ == nb_ && strcmp(a_, b_) == 0);             \
    } while (0)

static void integers(void)
{
    SAME("%d %d %d", 0, -1, 2147483647);
    SAME("%d", (int)-2147483647 - 1);
    SAME("%ld %lu", (long)INT64_MIN, (unsigned long)UINT64_MAX);
    SAME("%x %X %lx %o", 255u, 255u, 0xdeadbeefcafeul, 8u);
    SAME("%zu", (size_t)12345);
    SAME("[%5d] [%-5d] [%05d] [%05d]", 42, 42, 42, -42);
    SAME("[%*d] [%-*d]", 6, 7, 6, 7);
}

static void strings_and_chars(void)
{
    SAME("%s|%10s|%-10s|", "abc", "abc", "abc");
    SAME("%.2s|%.*s|", "abcdef", 3, "abcdef");
    SAME("%c%c%%", 'x', 'y');
}

static void truncation(void)
{
    char buf[5];
    int n = fmt_snprintf(buf, sizeof buf, "%s", "abcdefgh");
    CHECK(n == 8);
    CHECK(strcmp(buf, "abcd") == 0);
    CHECK(fmt_snprintf(NULL, 0, "%d", 12345) == 5);
}

int main(void)
{
    RUN(integers);
    RUN(strings_and_chars);
    RUN(truncation);
    return check_failures != 0;
}
