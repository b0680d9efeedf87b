/*
 * The kernel self-check (SELFCHECK): capability tables consistent, every
 * allocated page accounted for. Run after the fuzz tests.
 */
#ifndef MICA_SELFCHECK_H
#define MICA_SELFCHECK_H

#include <stdbool.h>

/* Records the pages the kernel itself holds once boot is done. */
void selfcheck_boot_done(void);
bool selfcheck_run(void);

#endif
