/* Kernel console: the device tree's ns16550 UART, or SBI before it is known. */
#ifndef MICA_CONSOLE_H
#define MICA_CONSOLE_H

#include <stddef.h>

struct boot_info;

void console_init(const struct boot_info *bi);
void console_putc(char c);
void console_write(const char *s, size_t n);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
