/*
 * Host unit test for kernel/archive.c.
 *
 * Archives are written in memory the way `cpio -o -H newc` writes them,
 * then one thing is broken per case; a rejected archive must give -1 and
 * the message of the check that case aims at. Every archive handed to the
 * reader is a heap copy of exactly its length, so ASan reports any read
 * past the end; the truncation case tries every prefix of a good archive.
 *
 *   test_archive [CPIO_FILE [NAME...]]
 *
 * With CPIO_FILE (made by `cpio -o -H newc`), it walks the whole archive
 * and checks that archive_find() finds every NAME given.
 */
#include "mica/archive.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARC_CAP      4096
#define MAX_ENTRIES  16
#define HDR_LEN      110
#define FIELD_LEN    8

/* Field indexes after the 6-byte magic. */
enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE,
       F_DEVMAJOR, F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE,
       F_CHECK, F_COUNT };

#define MODE_FILE  0100644u
#define MODE_EXEC  0100755u
#define MODE_DIR   0040755u
#define MODE_LINK  0120777u

struct arc {
    uint8_t buf[ARC_CAP];
    size_t len;
    size_t entry[MAX_ENTRIES];   /* header offsets, in order */
    int nentry;
    bool lower_hex;
};

static void pad4(struct arc *a)
{
    while (a->len % 4 != 0)
        a->buf[a->len++] = 0;
}

static void add_entry(struct arc *a, const char *name, uint32_t mode,
                      const char *data)
{
    size_t namesize = strlen(name) + 1, size = data ? strlen(data) : 0;
    uint32_t field[F_COUNT] = {0};
    char hdr[HDR_LEN + 1];

    field[F_INO] = (uint32_t)a->nentry + 100;
    field[F_MODE] = mode;
    field[F_NLINK] = 1;
    field[F_FILESIZE] = (uint32_t)size;
    field[F_NAMESIZE] = (uint32_t)namesize;
    memcpy(hdr, "070701", 6);
    for (int i = 0; i < F_COUNT; i++)
        snprintf(hdr + 6 + i * FIELD_LEN, FIELD_LEN + 1,
                 a->lower_hex ? "%08x" : "%08X", field[i]);
    a->entry[a->nentry++] = a->len;
    memcpy(a->buf + a->len, hdr, HDR_LEN);
    a->len += HDR_LEN;
    memcpy(a->buf + a->len, name, namesize);
    a->len += namesize;
    pad4(a);
    memcpy(a->buf + a->len, data ? data : "", size);
    a->len += size;
    pad4(a);
}

static void add_trailer(struct arc *a)
{
    add_entry(a, "TRAILER!!!", 0, NULL);
}

/* Overwrites field f of entry i with an 8-character string. */
static void set_field_str(struct arc *a, int i, int f, const char *s)
{
    memcpy(a->buf + a->entry[i] + 6 + f * FIELD_LEN, s, FIELD_LEN);
}

static void set_field(struct arc *a, int i, int f, uint32_t v)
{
    char s[FIELD_LEN + 1];
    snprintf(s, sizeof(s), "%08X", v);
    set_field_str(a, i, f, s);
}

#define ROOT_DATA  "\x7f" "ELF root image"    /* odd length: data padding */
#define SH_DATA    "shell"

/* Regular files "root", "./init" (empty) and "bin/sh", mixed with a
 * directory and a symlink that must be skipped. Entry 1 is "root". */
static void build_good(struct arc *a)
{
    bool lower = a->lower_hex;
    memset(a, 0, sizeof(*a));
    a->lower_hex = lower;
    add_entry(a, ".", MODE_DIR, NULL);
    add_entry(a, "root", MODE_EXEC, ROOT_DATA);
    add_entry(a, "./init", MODE_FILE, "");
    add_entry(a, "bin", MODE_DIR, NULL);
    add_entry(a, "bin/sh", MODE_EXEC, SH_DATA);
    add_entry(a, "link", MODE_LINK, "root");
    add_trailer(a);
}

#define ROOT_ENTRY 1
#define NREGULAR   3

static const char *const good_names[NREGULAR] = {"root", "./init", "bin/sh"};
static const char *const good_data[NREGULAR] = {ROOT_DATA, "", SH_DATA};

static uint8_t *heap_copy(const uint8_t *p, size_t len)
{
    uint8_t *c = malloc(len ? len : 1);
    if (c == NULL) {
        fprintf(stderr, "test_archive: out of memory\n");
        exit(2);
    }
    memcpy(c, p, len);
    return c;
}

static bool expect(bool cond, const char *name, const char *what)
{
    if (!cond)
        printf("FAIL %s: %s\n", name, what);
    return cond;
}

/* The entry must lie in the archive and its name end inside it. */
static bool entry_inside(const uint8_t *base, size_t len,
                         const struct archive_entry *e)
{
    const uint8_t *name = (const uint8_t *)e->name;
    const uint8_t *data = e->data;
    if (name < base || name >= base + len || data < base ||
        data > base + len || e->size > (size_t)(base + len - data))
        return false;
    return memchr(name, 0, (size_t)(base + len - name)) != NULL;
}

/* Walks the whole archive; returns the final result (0 or -1) and how many
 * regular entries came first. Fails the case on any other result. */
static int walk(const char *name, const uint8_t *base, size_t len,
                struct archive_entry *got, int max, int *count,
                const char **err)
{
    size_t pos = 0;
    struct archive_entry e;
    int r;

    *count = 0;
    *err = NULL;
    while ((r = archive_next(base, len, &pos, &e, err)) == 1) {
        if (!expect(entry_inside(base, len, &e), name, "entry outside"))
            return 2;
        if (*count < max)
            got[*count] = e;
        if (++*count > 1000) {
            expect(false, name, "no end");
            return 2;
        }
    }
    return r;
}

static bool good_entries(const char *name, const struct archive_entry *got)
{
    for (int i = 0; i < NREGULAR; i++) {
        if (!expect(strcmp(got[i].name, good_names[i]) == 0, name,
                    "wrong name") ||
            !expect(got[i].size == strlen(good_data[i]) &&
                    memcmp(got[i].data, good_data[i], got[i].size) == 0,
                    name, "wrong data"))
            return false;
    }
    return true;
}

static bool case_good(const char *name, bool lower)
{
    static struct arc a;
    struct archive_entry got[NREGULAR];
    const char *err;
    int count;

    a.lower_hex = lower;
    build_good(&a);
    a.lower_hex = false;
    uint8_t *p = heap_copy(a.buf, a.len);
    int r = walk(name, p, a.len, got, NREGULAR, &count, &err);
    bool ok = expect(r == 0, name, err ? err : "bad result") &&
              expect(count == NREGULAR, name, "wrong entry count") &&
              good_entries(name, got);
    free(p);
    return ok;
}

/* After the trailer, further calls keep returning 0. */
static bool case_trailer_sticky(const char *name)
{
    static struct arc a;
    struct archive_entry e;
    size_t pos = 0;
    const char *err;

    build_good(&a);
    uint8_t *p = heap_copy(a.buf, a.len);
    while (archive_next(p, a.len, &pos, &e, &err) == 1)
        ;
    bool ok = expect(archive_next(p, a.len, &pos, &e, &err) == 0, name,
                     "second call after trailer not 0");
    free(p);
    return ok;
}

struct find_case {
    const char *query;
    int want;             /* 0 found, -1 not */
    const char *data;     /* expected data when found */
};

static const struct find_case finds[] = {
    {"root", 0, ROOT_DATA},
    {"./root", 0, ROOT_DATA},
    {"init", 0, ""},
    {"./init", 0, ""},
    {"bin/sh", 0, SH_DATA},
    {"bin", -1, NULL},          /* directory */
    {".", -1, NULL},            /* directory */
    {"link", -1, NULL},         /* symlink */
    {"TRAILER!!!", -1, NULL},
    {"roo", -1, NULL},
    {"rootx", -1, NULL},
    {"", -1, NULL},
};

static bool case_find(const char *name)
{
    static struct arc a;
    bool ok = true;

    build_good(&a);
    uint8_t *p = heap_copy(a.buf, a.len);
    for (size_t i = 0; i < sizeof(finds) / sizeof(finds[0]); i++) {
        struct archive_entry e = {0};
        const struct find_case *f = &finds[i];
        int r = archive_find(p, a.len, f->query, &e);
        char what[128];
        snprintf(what, sizeof(what), "query \"%s\" gave %d", f->query, r);
        ok &= expect(r == f->want, name, what);
        if (r == 0 && f->want == 0)
            ok &= expect(e.size == strlen(f->data) &&
                         memcmp(e.data, f->data, e.size) == 0, name, what);
    }
    free(p);
    return ok;
}

/* Every prefix of a good archive: no stray read, and -1 until the trailer's
 * name is complete, 0 with all entries from then on. */
static bool case_truncated(const char *name)
{
    static struct arc a;
    struct archive_entry got[NREGULAR], e;
    const char *err;
    int count;

    build_good(&a);
    size_t trailer_end = a.entry[a.nentry - 1] + HDR_LEN +
                         sizeof("TRAILER!!!");
    for (size_t n = 0; n <= a.len; n++) {
        uint8_t *p = heap_copy(a.buf, n);
        int r = walk(name, p, n, got, NREGULAR, &count, &err);
        int want = n < trailer_end ? -1 : 0;
        char what[96];
        snprintf(what, sizeof(what), "prefix %zu gave %d", n, r);
        bool ok = expect(r == want, name, what) &&
                  expect(r == -1 ? err != NULL : count == NREGULAR, name,
                         what);
        /* bin/sh (entry 4) is found once its data padding is in. */
        int want_find = n >= a.entry[5] ? 0 : -1;
        ok = ok && expect(archive_find(p, n, "bin/sh", &e) == want_find,
                          name, what);
        free(p);
        if (!ok)
            return false;
    }
    return true;
}

static bool case_null(const char *name)
{
    size_t pos = 0;
    struct archive_entry e;
    const char *err = NULL;
    return expect(archive_next(NULL, 0, &pos, &e, &err) == -1 && err,
                  name, "NULL accepted") &&
           expect(archive_find(NULL, 0, "root", &e) == -1, name,
                  "NULL find");
}

static bool case_pos_past_end(const char *name)
{
    static struct arc a;
    struct archive_entry e;
    const char *err = NULL;

    build_good(&a);
    uint8_t *p = heap_copy(a.buf, a.len);
    size_t pos = a.len + 100;
    int r = archive_next(p, a.len, &pos, &e, &err);
    free(p);
    return expect(r == -1 && err, name, "pos past end accepted");
}

/* Mutations of the good archive; each breaks one thing. */
static void m_magic_odc(struct arc *a) { memcpy(a->buf, "070707", 6); }
static void m_magic_crc(struct arc *a) { memcpy(a->buf + a->entry[ROOT_ENTRY], "070702", 6); }
static void m_magic_garbage(struct arc *a) { a->buf[a->entry[4] + 3] = 'x'; }
static void m_namesize_0(struct arc *a) { set_field(a, ROOT_ENTRY, F_NAMESIZE, 0); }

static void m_name_unterminated(struct arc *a)
{
    set_field(a, ROOT_ENTRY, F_NAMESIZE, 4);   /* "root" without its NUL */
}

/* namesize 6 covers "root", its NUL and a padding byte. */
static void m_nul_in_name(struct arc *a)
{
    set_field(a, ROOT_ENTRY, F_NAMESIZE, 6);
}

static void m_namesize_huge(struct arc *a)
{
    set_field(a, ROOT_ENTRY, F_NAMESIZE, 0xffffffffu);
}

static void m_filesize_huge(struct arc *a)
{
    set_field(a, ROOT_ENTRY, F_FILESIZE, 0xffffffffu);
}

static void m_filesize_past_end(struct arc *a)
{
    set_field(a, 4, F_FILESIZE, (uint32_t)a->len);
}

/* The trailer is gone: the archive just stops after the last entry. */
static void m_no_trailer(struct arc *a)
{
    a->len = a->entry[a->nentry - 1];
}

/* cpio pads to 512-byte blocks with zeros, which are not a header. */
static void m_no_trailer_zero_pad(struct arc *a)
{
    a->len = a->entry[a->nentry - 1];
    memset(a->buf + a->len, 0, 512);
    a->len += 512;
}

static void m_trailer_name_cut(struct arc *a)
{
    a->len = a->entry[a->nentry - 1] + HDR_LEN + 5;
}

static void m_hex_prefix(struct arc *a) { set_field_str(a, ROOT_ENTRY, F_FILESIZE, "0x000010"); }
static void m_hex_space(struct arc *a) { set_field_str(a, ROOT_ENTRY, F_MODE, " 00081ED"); }
static void m_hex_sign(struct arc *a) { set_field_str(a, ROOT_ENTRY, F_MTIME, "+0000000"); }

/* Fine: the trailer followed by the zero blocks cpio writes. */
static void m_block_padding(struct arc *a)
{
    memset(a->buf + a->len, 0, 512 - a->len % 512);
    a->len += 512 - a->len % 512;
}

/* Fine: the trailer's own padding is cut off. */
static void m_trailer_unpadded(struct arc *a)
{
    a->len = a->entry[a->nentry - 1] + HDR_LEN + sizeof("TRAILER!!!");
}

static void m_only_trailer(struct arc *a)
{
    memset(a, 0, sizeof(*a));
    add_trailer(a);
}

/* A regular file with no permission bits is still a regular file. */
static void m_mode_bare_regular(struct arc *a)
{
    set_field(a, ROOT_ENTRY, F_MODE, 0100000u);
}

struct bad_case {
    const char *name;
    void (*mutate)(struct arc *a);
    const char *want_err;    /* NULL: the walk must end with 0 */
    int want_count;          /* regular entries expected when accepted */
};

static const struct bad_case mutations[] = {
    {"good_block_padding", m_block_padding, NULL, NREGULAR},
    {"good_trailer_unpadded", m_trailer_unpadded, NULL, NREGULAR},
    {"good_only_trailer", m_only_trailer, NULL, 0},
    {"good_mode_bare_regular", m_mode_bare_regular, NULL, NREGULAR},
    {"bad_magic_odc", m_magic_odc, "bad magic", 0},
    {"bad_magic_crc", m_magic_crc, "bad magic", 0},
    {"bad_magic_later_entry", m_magic_garbage, "bad magic", 0},
    {"hex_prefix_0x", m_hex_prefix, "non-hex digit", 0},
    {"hex_space", m_hex_space, "non-hex digit", 0},
    {"hex_sign", m_hex_sign, "non-hex digit", 0},
    {"namesize_0", m_namesize_0, "empty name", 0},
    {"name_not_nul_terminated", m_name_unterminated, "not NUL-terminated", 0},
    {"nul_inside_name", m_nul_in_name, "NUL inside name", 0},
    {"namesize_past_end", m_namesize_huge, "name runs past the end", 0},
    {"filesize_huge", m_filesize_huge, "data runs past the end", 0},
    {"filesize_past_end", m_filesize_past_end, "data runs past the end", 0},
    {"missing_trailer", m_no_trailer, "missing TRAILER", 0},
    {"missing_trailer_zero_pad", m_no_trailer_zero_pad, "bad magic", 0},
    {"trailer_name_cut", m_trailer_name_cut, "name runs past the end", 0},
};

static bool case_mutation(const struct bad_case *bc)
{
    static struct arc a;
    struct archive_entry got[NREGULAR];
    const char *err;
    int count;
    char what[160];

    build_good(&a);
    bc->mutate(&a);
    uint8_t *p = heap_copy(a.buf, a.len);
    int r = walk(bc->name, p, a.len, got, NREGULAR, &count, &err);
    free(p);
    if (bc->want_err == NULL) {
        snprintf(what, sizeof(what), "got %d (%s), %d entries", r,
                 err ? err : "-", count);
        return expect(r == 0 && count == bc->want_count, bc->name, what);
    }
    snprintf(what, sizeof(what), "want \"%s\", got %d \"%s\"", bc->want_err,
             r, err ? err : "(null)");
    return expect(r == -1 && err != NULL && strstr(err, bc->want_err),
                  bc->name, what);
}

/* Every hex digit of every field is checked, not just the ones used. */
static bool case_each_field(const char *name)
{
    static struct arc a;
    struct archive_entry got[NREGULAR];
    const char *err;
    int count;

    for (int f = 0; f < F_COUNT; f++) {
        for (int d = 0; d < FIELD_LEN; d++) {
            build_good(&a);
            a.buf[a.entry[ROOT_ENTRY] + 6 + f * FIELD_LEN + d] = 'g';
            uint8_t *p = heap_copy(a.buf, a.len);
            int r = walk(name, p, a.len, got, NREGULAR, &count, &err);
            free(p);
            char what[64];
            snprintf(what, sizeof(what), "field %d digit %d accepted", f, d);
            if (!expect(r == -1 && err && strstr(err, "non-hex"), name, what))
                return false;
        }
    }
    return true;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = n >= 0 ? malloc(n ? (size_t)n : 1) : NULL;
    if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

static bool real_file(const char *path, int nnames, char **names)
{
    size_t len, pos = 0;
    struct archive_entry e;
    const char *err = NULL;
    int r, count = 0;

    uint8_t *p = read_file(path, &len);
    if (!expect(p != NULL, "real_cpio", "cannot read file"))
        return false;
    while ((r = archive_next(p, len, &pos, &e, &err)) == 1) {
        count++;
        printf("       %s (%zu bytes)\n", e.name, e.size);
    }
    bool ok = expect(r == 0, "real_cpio", err ? err : "walk failed");
    for (int i = 0; i < nnames; i++) {
        char what[300];
        snprintf(what, sizeof(what), "\"%s\" not found", names[i]);
        ok &= expect(archive_find(p, len, names[i], &e) == 0, "real_cpio",
                     what);
    }
    free(p);
    if (ok)
        printf("ok   real_cpio %s: %d regular entries, %d names found\n",
               path, count, nnames);
    return ok;
}

struct simple_case {
    const char *name;
    bool (*run)(const char *name);
};

static bool case_good_upper(const char *name) { return case_good(name, false); }
static bool case_good_lower(const char *name) { return case_good(name, true); }

static const struct simple_case simple[] = {
    {"good_upper_hex", case_good_upper},
    {"good_lower_hex", case_good_lower},
    {"trailer_sticky", case_trailer_sticky},
    {"find", case_find},
    {"null_base", case_null},
    {"pos_past_end", case_pos_past_end},
    {"non_hex_every_digit", case_each_field},
    {"truncated_every_prefix", case_truncated},
};

int main(int argc, char **argv)
{
    int ncases = 0, failed = 0;

    for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
        bool ok = simple[i].run(simple[i].name);
        if (ok)
            printf("ok   %s\n", simple[i].name);
        ncases++;
        failed += !ok;
    }
    for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
        bool ok = case_mutation(&mutations[i]);
        if (ok)
            printf("ok   %s\n", mutations[i].name);
        ncases++;
        failed += !ok;
    }
    if (argc > 1) {
        ncases++;
        failed += !real_file(argv[1], argc - 2, argv + 2);
    }
    printf("test_archive: %d cases, %d failed\n", ncases, failed);
    return failed ? 1 : 0;
}
