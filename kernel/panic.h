/* Fatal errors and power-off. */
#ifndef MICA_PANIC_H
#define MICA_PANIC_H

#include <stdint.h>

struct boot_info;

/* QEMU exit status of a kernel panic (see machine_poweroff). */
#define PANIC_EXIT_STATUS 99

void poweroff_init(const struct boot_info *bi);
/* Powers the machine off; QEMU exits with status & 0xff (1 if that is 0
 * but status is not). Never returns. */
__attribute__((noreturn)) void machine_poweroff(int status);
/* Prints the message, the last trap's scause/sepc/stval and a backtrace,
 * then powers off with PANIC_EXIT_STATUS. */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#define kassert(cond) \
    do { if (!(cond)) panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); } while (0)

#endif
