/* Starts the first user process from the boot archive. */
#ifndef MICA_LOADER_H
#define MICA_LOADER_H

#include <stdint.h>

struct boot_info;
struct cmdline;

/* Loads the archive entry cmd->root and makes its first thread runnable.
 * Panics if it is missing or not a valid executable. */
void loader_start_first(const struct boot_info *dt, const struct cmdline *cmd,
                        const char *bootargs, uint64_t firmware_instret);

#endif
