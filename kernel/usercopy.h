/*
 * Copies between the kernel and user memory. The kernel never dereferences
 * a user pointer: it walks the thread's page table in software, checks the
 * user bit and the rights of every page, and copies through the direct map.
 * So a bad pointer is an -EFAULT, never a kernel fault.
 */
#ifndef MICA_USERCOPY_H
#define MICA_USERCOPY_H

#include <stddef.h>
#include <stdint.h>

#include "vm.h"

int copy_from_user(pte_t *root, void *dst, uint64_t src, size_t n);
int copy_to_user(pte_t *root, uint64_t dst, const void *src, size_t n);
/* Copies between two address spaces (grants). */
int copy_user_to_user(pte_t *dst_root, uint64_t dst, pte_t *src_root, uint64_t src, size_t n);
/* The same, stopping at the first page that is not there: returns the
 * bytes copied (0 if the first page fails). */
size_t copy_user_partial(pte_t *dst_root, uint64_t dst, pte_t *src_root, uint64_t src, size_t n);
/* Where a copy between address spaces has got to in one of them: the
 * last-level table of the last page it used, so that consecutive pages of
 * a 2 MiB region cost one walk from the root between them. Valid during
 * one kernel call (page tables do not change under it). */
struct user_cursor {
    pte_t *root;
    uint64_t region;           /* va >> 21 the table is for; ~0: none */
    pte_t *table;
    uint64_t ram, ram_end;     /* kalloc_ram_range() */
};

struct user_cursor user_cursor(pte_t *root);

/* copy_user_partial through cursors kept by the caller across copies. */
size_t copy_user_cursors(struct user_cursor *dst, uint64_t d, struct user_cursor *src,
                         uint64_t s, size_t n);
/* Copies a NUL-terminated string of at most max - 1 bytes; -ENAMETOOLONG
 * if it is longer, -EFAULT if unreadable. */
int copy_string_from_user(pte_t *root, char *dst, uint64_t src, size_t max);

#endif
