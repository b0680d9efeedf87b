/*
 * The user register context saved on every trap from U-mode. entry.S stores
 * into it by offset, so its layout is fixed and asserted here.
 */
#ifndef MICA_CONTEXT_H
#define MICA_CONTEXT_H

#define CTX_REG(n)   ((n) * 8)     /* x1..x31; slot 0 is unused */
#define CTX_PC       (32 * 8)
#define CTX_SIZE     (33 * 8)

/* ABI register numbers */
#define REG_RA 1
#define REG_SP 2
#define REG_GP 3
#define REG_TP 4
#define REG_T0 5
#define REG_S0 8
#define REG_A0 10
#define REG_A1 11
#define REG_A2 12
#define REG_A3 13
#define REG_A4 14
#define REG_A5 15
#define REG_A6 16
#define REG_A7 17

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct user_context {
    uint64_t regs[32];
    uint64_t pc;
};

_Static_assert(offsetof(struct user_context, pc) == CTX_PC, "ctx pc");
_Static_assert(sizeof(struct user_context) == CTX_SIZE, "ctx size");
#endif

#endif
