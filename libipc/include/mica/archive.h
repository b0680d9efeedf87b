/*
 * The boot archive: a cpio "newc" archive of named ELF images, linked into
 * the kernel image by the build. The kernel starts the root task from the
 * entry named "root"; root asks for the others by name.
 */
#ifndef MICA_ARCHIVE_H
#define MICA_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

struct archive_entry {
    const char *name;  /* NUL-terminated, inside the archive */
    const void *data;
    size_t size;
};

/*
 * Iterates: *pos starts at 0. Returns 1 and fills *e for the next regular
 * entry, 0 at the end ("TRAILER!!!"), -1 if the archive is malformed (*err
 * says why). Never reads outside [base, base + len).
 */
int archive_next(const void *base, size_t len, size_t *pos,
                 struct archive_entry *e, const char **err);

/* Finds the regular entry named name. Returns 0 and fills *e, -1 if absent
 * or the archive is malformed. */
int archive_find(const void *base, size_t len, const char *name,
                 struct archive_entry *e);

#endif
