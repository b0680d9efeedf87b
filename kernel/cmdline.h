/*
 * The kernel command line (/chosen/bootargs, QEMU's -append):
 *   root=NAME          boot-archive entry to start as the first process
 *                      (default "root")
 *   init=PATH [ARGS]   handed to the first process; everything after init=
 *                      belongs to it
 * Anything else is reported and ignored. Pure code, tested on the host.
 */
#ifndef MICA_CMDLINE_H
#define MICA_CMDLINE_H

#define CMDLINE_MAX 256
#define CMDLINE_NAME_MAX 32

struct cmdline {
    char root[CMDLINE_NAME_MAX];
    char init[CMDLINE_MAX];
};

/* Calls warn(message, argument) once per ignored argument. */
void cmdline_parse(const char *s, struct cmdline *out,
                   void (*warn)(const char *msg, const char *arg, int arglen));

#endif
