/*
 * The kernel console. Until console_init() finds the UART in the device
 * tree, output goes through the SBI legacy putchar. The UART is driven by
 * polling its transmit-holding-register-empty bit: the kernel only prints
 * short messages, and user space owns the UART's interrupt later.
 */
#include <stdarg.h>
#include <stdint.h>

#include "console.h"
#include "fdt.h"
#include "memlayout.h"
#include "arch/riscv/sbi.h"
#include "mica/fmt.h"

#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20

static volatile uint8_t *uart;
static unsigned uart_shift;

void console_init(const struct boot_info *bi)
{
    if (!bi->has_uart || bi->uart_reg_io_width != 1)
        return;              /* stay on SBI: we only drive byte-wide UARTs */
    uart_shift = bi->uart_reg_shift;
    uart = pa_to_va(bi->uart.reg.base);
}

void console_putc(char c)
{
    if (!uart) {
        sbi_console_putchar(c);
        return;
    }
    while (!(uart[UART_LSR << uart_shift] & UART_LSR_THRE))
        ;
    uart[UART_THR << uart_shift] = (uint8_t)c;
}

void console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            console_putc('\r');
        console_putc(s[i]);
    }
}

void kprintf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    console_write(buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
}
