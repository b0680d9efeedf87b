/*
 * ELF64 executable checks.
 *
 * elf_check() validates an in-memory RISC-V ELF64 executable before anything
 * is mapped from it and returns the PT_LOAD segments to map. Everything the
 * loader later trusts is checked here: header identity, table bounds,
 * segment bounds within the file, page congruence, overlap, address range,
 * and that the entry point lies in an executable segment. Pure code, tested
 * and fuzzed on the host.
 */
#ifndef MICA_ELF_H
#define MICA_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 8

#define ELF_SEG_R 4u  /* same values as ELF's PF_R/PF_W/PF_X */
#define ELF_SEG_W 2u
#define ELF_SEG_X 1u

struct elf_segment {
    uint64_t vaddr;   /* where the segment starts in the address space */
    uint64_t memsz;   /* bytes in memory (>= filesz; the rest is zero) */
    uint64_t offset;  /* file offset of the first byte */
    uint64_t filesz;  /* bytes taken from the file */
    uint32_t flags;   /* ELF_SEG_* */
};

struct elf_image {
    uint64_t entry;
    uint64_t phdr_vaddr;      /* where the program headers are mapped, 0 if not */
    uint16_t phnum;
    uint16_t phentsize;
    int nseg;
    struct elf_segment seg[ELF_MAX_SEGMENTS]; /* sorted by vaddr, disjoint pages */
};

/*
 * Checks the executable at data (len bytes) and fills *out. Every segment
 * must lie in [page_size, user_top). Returns 0, or -1 and sets *err to a
 * static message.
 */
int elf_check(const void *data, size_t len, uint64_t user_top,
              struct elf_image *out, const char **err);

#endif
