/* Host tests of the kernel command line parser, kernel/cmdline.c. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cmdline.h"

static char warned[1024];
static int nwarn;

static void warn(const char *msg, const char *arg, int len)
{
    nwarn++;
    snprintf(warned + strlen(warned), sizeof warned - strlen(warned), "[%s:%.*s]", msg, len, arg);
}

static struct cmdline parse(const char *s)
{
    struct cmdline c;
    warned[0] = '\0';
    nwarn = 0;
    cmdline_parse(s, &c, warn);
    return c;
}

static void empty_gives_defaults(void)
{
    struct cmdline c = parse("");
    CHECK(strcmp(c.root, "root") == 0);
    CHECK(c.init[0] == '\0');
    CHECK(nwarn == 0);
    c = parse("   \t ");
    CHECK(nwarn == 0);
}

static void init_takes_the_rest(void)
{
    struct cmdline c = parse("root=ktest  init=/bin/sh /opt/run.sh -x  ");
    CHECK(strcmp(c.root, "ktest") == 0);
    CHECK(strcmp(c.init, "/bin/sh /opt/run.sh -x") == 0);
    CHECK(nwarn == 0);
}

static void unknown_is_reported_and_ignored(void)
{
    struct cmdline c = parse("quiet console=ttyS0 root=x");
    CHECK(nwarn == 2);
    CHECK(strstr(warned, "unknown argument ignored:quiet") != NULL);
    CHECK(strstr(warned, "console=ttyS0") != NULL);
    CHECK(strcmp(c.root, "x") == 0);
}

static void malformed_is_reported_and_ignored(void)
{
    struct cmdline c = parse("root= init=");
    CHECK(nwarn == 2);
    CHECK(strcmp(c.root, "root") == 0);
    CHECK(c.init[0] == '\0');
    char longname[100];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    char line[200];
    snprintf(line, sizeof line, "root=%s", longname);
    c = parse(line);
    CHECK(nwarn == 1);
    CHECK(strcmp(c.root, "root") == 0);
}

static void asids_takes_0_to_16(void)
{
    CHECK(parse("").asid_bits == -1);
    CHECK(parse("asids=0").asid_bits == 0);
    CHECK(parse("asids=16 root=x").asid_bits == 16);
    CHECK(nwarn == 0);
    CHECK(parse("asids=17").asid_bits == -1);
    CHECK(nwarn == 1);
    CHECK(parse("asids= asids=x asids=123").asid_bits == -1);
    CHECK(nwarn == 3);
}

static void init_too_long_is_ignored(void)
{
    char line[CMDLINE_MAX + 20];
    memcpy(line, "init=", 5);
    memset(line + 5, 'x', CMDLINE_MAX);
    line[5 + CMDLINE_MAX] = '\0';
    struct cmdline c = parse(line);
    CHECK(nwarn == 1);
    CHECK(c.init[0] == '\0');
}

int main(void)
{
    RUN(empty_gives_defaults);
    RUN(init_takes_the_rest);
    RUN(unknown_is_reported_and_ignored);
    RUN(malformed_is_reported_and_ignored);
    RUN(init_too_long_is_ignored);
    RUN(asids_takes_0_to_16);
    return check_failures != 0;
}
