/* Entry of native programs: a0 = argument from the creator, sp set. */
    .section .text.start, "ax"
    .globl _start
_start:
    rdinstret a1
.option push
.option norelax
    lla     gp, __global_pointer$
.option pop
    mv      s0, zero                /* ends frame-pointer chains */
    call    runtime_start
1:  j       1b

/* Entry of threads made by thread_spawn: a0 = their start record. gp is
 * set here, before any C code the linker may have relaxed to use it. */
    .text
    .globl thread_entry
thread_entry:
.option push
.option norelax
    lla     gp, __global_pointer$
.option pop
    mv      s0, zero
    call    thread_trampoline
1:  j       1b
