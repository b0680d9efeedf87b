/*
 * The runtime of native (non-POSIX) programs: crt0 calls
 * main(bootinfo) and exits with its result; debug_printf prints through
 * the kernel's debug console.
 */
#ifndef MICA_RUNTIME_H
#define MICA_RUNTIME_H

#include <stdint.h>

/* rdinstret as the program's first instruction executed. */
extern uint64_t runtime_start_instret;

int main(void *arg);
void debug_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
