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
/* Copies a NUL-terminated string of at most max - 1 bytes; -ENAMETOOLONG
 * if it is longer, -EFAULT if unreadable. */
int copy_string_from_user(pte_t *root, char *dst, uint64_t src, size_t max);

#endif
