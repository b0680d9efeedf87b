/* Calls into the SBI firmware (OpenSBI) below the kernel. */
#ifndef MICA_SBI_H
#define MICA_SBI_H

#include <stdint.h>

struct sbiret {
    long error;
    long value;
};

void sbi_console_putchar(int c);
void sbi_set_timer(uint64_t deadline);
/* Asks the firmware to power the machine off; returns only if it cannot. */
void sbi_shutdown(int failure);
long sbi_probe_extension(long ext);

#endif
