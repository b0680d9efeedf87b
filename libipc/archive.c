/*
 * Boot archive reader: cpio "newc" as written by `cpio -o -H newc`.
 *
 * Each entry is a 110-byte ASCII header (magic "070701" and thirteen
 * 8-digit hex fields), then the name with its NUL, padded so the data
 * starts on a 4-byte boundary, then the data, padded to 4 bytes. The entry
 * named "TRAILER!!!" ends the archive. Offsets and padding are relative to
 * the start of the archive. The archive is linked into the kernel, but it
 * is still read as untrusted input: every digit is checked and every offset
 * is compared against len before it is used, so a bad archive gives an
 * error and never a read outside [base, base + len).
 */
#include "mica/archive.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NEWC_MAGIC       "070701"
#define NEWC_MAGIC_LEN   6
#define NEWC_FIELD_LEN   8
#define NEWC_HEADER_LEN  110    /* magic + 13 fields */
#define NEWC_ALIGN       4
#define NEWC_TRAILER     "TRAILER!!!"

/* Field positions, in header order after the magic. */
enum newc_field {
    NEWC_INO, NEWC_MODE, NEWC_UID, NEWC_GID, NEWC_NLINK, NEWC_MTIME,
    NEWC_FILESIZE, NEWC_DEVMAJOR, NEWC_DEVMINOR, NEWC_RDEVMAJOR,
    NEWC_RDEVMINOR, NEWC_NAMESIZE, NEWC_CHECK, NEWC_NFIELDS
};
_Static_assert(NEWC_MAGIC_LEN + NEWC_NFIELDS * NEWC_FIELD_LEN ==
               NEWC_HEADER_LEN, "newc header layout");

#define S_IFMT   0170000u
#define S_IFREG  0100000u

static bool str_eq(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static const char *strip_dot_slash(const char *name)
{
    if (name[0] == '.' && name[1] == '/')
        return name + 2;
    return name;
}

static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses the eight hex digits at p; false if any is not a hex digit. */
static bool parse_field(const uint8_t *p, uint32_t *out)
{
    uint32_t v = 0;

    for (int i = 0; i < NEWC_FIELD_LEN; i++) {
        int d = hex_value(p[i]);
        if (d < 0)
            return false;
        v = (v << 4) | (uint32_t)d;
    }
    *out = v;
    return true;
}

/*
 * Rounds *off up to NEWC_ALIGN; false if the padding would pass len.
 * Needs *off <= len.
 */
static bool align_within(size_t *off, size_t len)
{
    size_t pad = (NEWC_ALIGN - *off % NEWC_ALIGN) % NEWC_ALIGN;

    if (pad > len - *off)
        return false;
    *off += pad;
    return true;
}

/* One parsed entry; offsets are from the start of the archive. */
struct newc_entry {
    uint32_t mode;
    size_t name_off;
    size_t data_off;
    size_t data_size;
    size_t next;      /* where the following header starts */
    bool trailer;
};

static const char *parse_header(const uint8_t *p, size_t len, size_t pos,
                                uint32_t field[NEWC_NFIELDS])
{
    if (p == NULL)
        return "archive: no data";
    if (pos == len)
        return "archive: missing TRAILER!!!";
    if (pos > len || len - pos < NEWC_HEADER_LEN)
        return "archive: truncated header";
    for (int i = 0; i < NEWC_MAGIC_LEN; i++) {
        if (p[pos + i] != (uint8_t)NEWC_MAGIC[i])
            return "archive: bad magic (not cpio newc)";
    }
    for (int i = 0; i < NEWC_NFIELDS; i++) {
        const uint8_t *f = p + pos + NEWC_MAGIC_LEN + i * NEWC_FIELD_LEN;
        if (!parse_field(f, &field[i]))
            return "archive: non-hex digit in header";
    }
    return NULL;
}

/* The name must hold exactly one NUL, as its last byte. */
static const char *check_name(const uint8_t *name, uint32_t namesize)
{
    if (namesize == 0)
        return "archive: empty name";
    for (uint32_t i = 0; i + 1 < namesize; i++) {
        if (name[i] == '\0')
            return "archive: NUL inside name";
    }
    if (name[namesize - 1] != '\0')
        return "archive: name not NUL-terminated";
    return NULL;
}

/* Parses the entry at pos; every offset it returns lies within len. */
static const char *parse_entry(const uint8_t *p, size_t len, size_t pos,
                               struct newc_entry *e)
{
    uint32_t field[NEWC_NFIELDS];
    const char *why = parse_header(p, len, pos, field);

    if (why != NULL)
        return why;
    /* The trailer returns before the data fields are known. */
    e->data_off = e->data_size = e->next = 0;
    uint32_t namesize = field[NEWC_NAMESIZE];
    e->name_off = pos + NEWC_HEADER_LEN;
    if (namesize > len - e->name_off)
        return "archive: name runs past the end";
    if ((why = check_name(p + e->name_off, namesize)) != NULL)
        return why;
    e->mode = field[NEWC_MODE];
    e->trailer = str_eq((const char *)p + e->name_off, NEWC_TRAILER);
    if (e->trailer)
        return NULL;
    /* Only the trailer may end the archive, so every other entry must
     * have its padding and data inside it. */
    e->data_off = e->name_off + namesize;
    if (!align_within(&e->data_off, len))
        return "archive: name padding runs past the end";
    e->data_size = field[NEWC_FILESIZE];
    if (e->data_size > len - e->data_off)
        return "archive: file data runs past the end";
    e->next = e->data_off + e->data_size;
    if (!align_within(&e->next, len))
        return "archive: data padding runs past the end";
    return NULL;
}

int archive_next(const void *base, size_t len, size_t *pos,
                 struct archive_entry *e, const char **err)
{
    const uint8_t *p = base;
    struct newc_entry ne;
    const char *why;

    /* Each pass advances by at least one header, so this ends. */
    for (;;) {
        if ((why = parse_entry(p, len, *pos, &ne)) != NULL)
            break;
        if (ne.trailer)
            return 0;
        *pos = ne.next;
        if ((ne.mode & S_IFMT) != S_IFREG)
            continue;
        e->name = (const char *)p + ne.name_off;
        e->data = p + ne.data_off;
        e->size = ne.data_size;
        return 1;
    }
    if (err != NULL)
        *err = why;
    return -1;
}

/* Both names may carry a leading "./", as `find . | cpio -o` writes. */
int archive_find(const void *base, size_t len, const char *name,
                 struct archive_entry *e)
{
    struct archive_entry cur;
    size_t pos = 0;
    const char *err;

    name = strip_dot_slash(name);
    while (archive_next(base, len, &pos, &cur, &err) == 1) {
        if (str_eq(strip_dot_slash(cur.name), name)) {
            /* Not *e = cur: that may become a memcpy call at -Os. */
            e->name = cur.name;
            e->data = cur.data;
            e->size = cur.size;
            return 0;
        }
    }
    return -1;
}
