/*
 * The kernel command line (/chosen/bootargs, QEMU's -append):
 *   root=NAME          boot-archive entry to start as the first process
 *                      (default "root")
 *   init=PATH [ARGS]   handed to the first process; everything after init=
 *                      belongs to it
 *   asids=N            use at most N ASID bits (0..16; 0: flush the TLB at
 *                      every switch), so that tests reach the rare paths
 * Anything else is reported and ignored. Pure code, tested on the host.
 */
#ifndef MICA_CMDLINE_H
#define MICA_CMDLINE_H

#define CMDLINE_MAX 256
#define CMDLINE_NAME_MAX 32

struct cmdline {
    char root[CMDLINE_NAME_MAX];
    char init[CMDLINE_MAX];
    int asid_bits;              /* -1: as many as the hart has */
};

/* Calls warn(message, argument) once per ignored argument. */
void cmdline_parse(const char *s, struct cmdline *out,
                   void (*warn)(const char *msg, const char *arg, int arglen));

#endif
