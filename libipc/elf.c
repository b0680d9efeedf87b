/*
 * ELF64 executable checks; the contract is in elf.h.
 *
 * The file is untrusted, so every field is read with byte loads (an image
 * inside the boot archive is only 4-byte aligned) and every sum of two
 * file-controlled values is checked for overflow before it is compared.
 * Only static executables are accepted: there is no dynamic linker, so a
 * file that asks for one is rejected rather than started half-working.
 * Nothing here allocates or maps; the loader maps exactly the segments
 * returned in struct elf_image.
 */
#include "mica/elf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kernel maps user memory in 4 KiB pages; segments may not share one. */
#define ELF_PAGE_SIZE 4096u

#define EI_NIDENT     16
#define EI_CLASS      4
#define EI_DATA       5
#define EI_VERSION    6
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1
#define ET_EXEC       2
#define EM_RISCV      243
#define PN_XNUM       0xffffu

#define PT_LOAD       1
#define PT_DYNAMIC    2
#define PT_INTERP     3

/* File layouts, as in the System V gABI; decoded field by field below. */
struct elf64_ehdr {
    uint8_t e_ident[EI_NIDENT];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header is 64 bytes");

struct elf64_phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 phdr is 56 bytes");

static uint64_t load_le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;

    while (n-- > 0)
        v = (v << 8) | p[n];
    return v;
}

/* Reads field f of the on-file struct type t that starts at p. */
#define FIELD(p, t, f) load_le((p) + offsetof(t, f), sizeof(((t *)0)->f))

/* p must hold sizeof(struct elf64_ehdr) bytes; e_ident is checked in place. */
static void decode_ehdr(const uint8_t *p, struct elf64_ehdr *h)
{
    h->e_type = (uint16_t)FIELD(p, struct elf64_ehdr, e_type);
    h->e_machine = (uint16_t)FIELD(p, struct elf64_ehdr, e_machine);
    h->e_version = (uint32_t)FIELD(p, struct elf64_ehdr, e_version);
    h->e_entry = FIELD(p, struct elf64_ehdr, e_entry);
    h->e_phoff = FIELD(p, struct elf64_ehdr, e_phoff);
    h->e_shoff = FIELD(p, struct elf64_ehdr, e_shoff);
    h->e_flags = (uint32_t)FIELD(p, struct elf64_ehdr, e_flags);
    h->e_ehsize = (uint16_t)FIELD(p, struct elf64_ehdr, e_ehsize);
    h->e_phentsize = (uint16_t)FIELD(p, struct elf64_ehdr, e_phentsize);
    h->e_phnum = (uint16_t)FIELD(p, struct elf64_ehdr, e_phnum);
    h->e_shentsize = (uint16_t)FIELD(p, struct elf64_ehdr, e_shentsize);
    h->e_shnum = (uint16_t)FIELD(p, struct elf64_ehdr, e_shnum);
    h->e_shstrndx = (uint16_t)FIELD(p, struct elf64_ehdr, e_shstrndx);
}

/* p must hold sizeof(struct elf64_phdr) bytes. */
static void decode_phdr(const uint8_t *p, struct elf64_phdr *ph)
{
    ph->p_type = (uint32_t)FIELD(p, struct elf64_phdr, p_type);
    ph->p_flags = (uint32_t)FIELD(p, struct elf64_phdr, p_flags);
    ph->p_offset = FIELD(p, struct elf64_phdr, p_offset);
    ph->p_vaddr = FIELD(p, struct elf64_phdr, p_vaddr);
    ph->p_paddr = FIELD(p, struct elf64_phdr, p_paddr);
    ph->p_filesz = FIELD(p, struct elf64_phdr, p_filesz);
    ph->p_memsz = FIELD(p, struct elf64_phdr, p_memsz);
    ph->p_align = FIELD(p, struct elf64_phdr, p_align);
}

/* Reads and checks the file header; returns NULL or why it is bad. */
static const char *check_ehdr(const uint8_t *p, size_t len,
                              struct elf64_ehdr *h)
{
    if (len < sizeof(struct elf64_ehdr))
        return "elf: file shorter than the ELF header";
    if (p[0] != 0x7f || p[1] != 'E' || p[2] != 'L' || p[3] != 'F')
        return "elf: bad magic";
    if (p[EI_CLASS] != ELFCLASS64)
        return "elf: not a 64-bit ELF file";
    if (p[EI_DATA] != ELFDATA2LSB)
        return "elf: not a little-endian ELF file";
    decode_ehdr(p, h);
    if (p[EI_VERSION] != EV_CURRENT || h->e_version != EV_CURRENT)
        return "elf: unknown ELF version";
    if (h->e_type != ET_EXEC)
        return "elf: not an executable (e_type != ET_EXEC)";
    if (h->e_machine != EM_RISCV)
        return "elf: not a RISC-V executable";
    if (h->e_ehsize != sizeof(struct elf64_ehdr))
        return "elf: bad e_ehsize";
    if (h->e_phentsize != sizeof(struct elf64_phdr))
        return "elf: bad e_phentsize";
    /* PN_XNUM moves the real count into section 0; static links never
     * need that many headers. */
    if (h->e_phnum == PN_XNUM)
        return "elf: extended program header count not supported";
    /* e_phnum is 16 bits, so the product cannot overflow; the sum can. */
    if (h->e_phoff > len ||
        (uint64_t)h->e_phnum * sizeof(struct elf64_phdr) > len - h->e_phoff)
        return "elf: program header table outside the file";
    return NULL;
}

/* Checks one PT_LOAD header on its own; returns NULL or why it is bad. */
static const char *check_load(const struct elf64_phdr *ph, size_t len,
                              uint64_t user_top)
{
    if (ph->p_filesz > ph->p_memsz)
        return "elf: segment filesz larger than memsz";
    if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
        return "elf: segment data outside the file";
    if (ph->p_memsz > UINT64_MAX - ph->p_vaddr)
        return "elf: segment end overflows";
    if (ph->p_vaddr < ELF_PAGE_SIZE)
        return "elf: segment below the first page";
    if (ph->p_vaddr + ph->p_memsz > user_top)
        return "elf: segment above the user address range";
    /* The loader maps file pages at vaddr, so both must sit at the same
     * offset within their page. */
    if (ph->p_vaddr % ELF_PAGE_SIZE != ph->p_offset % ELF_PAGE_SIZE)
        return "elf: segment vaddr and offset not congruent mod page size";
    if (ph->p_flags & ~(uint32_t)(ELF_SEG_R | ELF_SEG_W | ELF_SEG_X))
        return "elf: segment has unknown flags";
    /* Sv39 cannot map a page writable but not readable, or with no rights. */
    if (!(ph->p_flags & ELF_SEG_R) && (ph->p_flags & ELF_SEG_W))
        return "elf: segment is writable but not readable";
    if (!(ph->p_flags & (ELF_SEG_R | ELF_SEG_X)))
        return "elf: segment has no access rights";
    return NULL;
}

/* Reads the program headers into out->seg, unsorted. */
static const char *collect_segments(const uint8_t *p, size_t len,
                                    const struct elf64_ehdr *h,
                                    uint64_t user_top, struct elf_image *out)
{
    out->nseg = 0;
    for (size_t i = 0; i < h->e_phnum; i++) {
        struct elf64_phdr ph;
        decode_phdr(p + h->e_phoff + i * sizeof(ph), &ph);
        if (ph.p_type == PT_INTERP || ph.p_type == PT_DYNAMIC)
            return "elf: dynamic executables are not supported";
        /* An empty load maps nothing, so nothing in it can hurt. */
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        const char *why = check_load(&ph, len, user_top);
        if (why)
            return why;
        if (out->nseg == ELF_MAX_SEGMENTS)
            return "elf: too many PT_LOAD segments";
        struct elf_segment *s = &out->seg[out->nseg++];
        s->vaddr = ph.p_vaddr;
        s->memsz = ph.p_memsz;
        s->offset = ph.p_offset;
        s->filesz = ph.p_filesz;
        s->flags = ph.p_flags;
    }
    if (out->nseg == 0)
        return "elf: no loadable segment";
    return NULL;
}

/* Field by field: a struct assignment may become a memcpy call at -Os,
 * and this file links against nothing. */
static void seg_copy(struct elf_segment *dst, const struct elf_segment *src)
{
    dst->vaddr = src->vaddr;
    dst->memsz = src->memsz;
    dst->offset = src->offset;
    dst->filesz = src->filesz;
    dst->flags = src->flags;
}

/* Insertion sort by vaddr: at most ELF_MAX_SEGMENTS entries. */
static void sort_segments(struct elf_image *img)
{
    for (int i = 1; i < img->nseg; i++) {
        struct elf_segment s;
        int j = i;
        seg_copy(&s, &img->seg[i]);
        for (; j > 0 && img->seg[j - 1].vaddr > s.vaddr; j--)
            seg_copy(&img->seg[j], &img->seg[j - 1]);
        seg_copy(&img->seg[j], &s);
    }
}

/* Sorted segments must not touch a common page: each page gets one set of
 * permissions and one source. memsz > 0, so end - 1 cannot underflow. */
static const char *check_disjoint(const struct elf_image *img)
{
    for (int i = 1; i < img->nseg; i++) {
        const struct elf_segment *prev = &img->seg[i - 1];
        uint64_t prev_last_page = (prev->vaddr + prev->memsz - 1) /
                                  ELF_PAGE_SIZE;
        if (img->seg[i].vaddr / ELF_PAGE_SIZE <= prev_last_page)
            return "elf: segments overlap or share a page";
    }
    return NULL;
}

static bool entry_executable(const struct elf_image *img, uint64_t entry)
{
    for (int i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        if ((s->flags & ELF_SEG_X) && entry >= s->vaddr &&
            entry - s->vaddr < s->memsz)
            return true;
    }
    return false;
}

static const char *check_image(const uint8_t *p, size_t len,
                               uint64_t user_top, struct elf_image *out)
{
    struct elf64_ehdr h;
    const char *why;

    if (p == NULL)
        return "elf: no data";
    if ((why = check_ehdr(p, len, &h)) != NULL)
        return why;
    if ((why = collect_segments(p, len, &h, user_top, out)) != NULL)
        return why;
    sort_segments(out);
    if ((why = check_disjoint(out)) != NULL)
        return why;
    if (!entry_executable(out, h.e_entry))
        return "elf: entry point not in an executable segment";
    out->entry = h.e_entry;
    out->phnum = h.e_phnum;
    out->phentsize = h.e_phentsize;
    out->phdr_vaddr = 0;
    /* The program headers as the program sees them (its AT_PHDR). */
    for (int i = 0; i < out->nseg; i++) {
        const struct elf_segment *s = &out->seg[i];
        if (h.e_phoff >= s->offset && h.e_phoff - s->offset < s->filesz)
            out->phdr_vaddr = s->vaddr + (h.e_phoff - s->offset);
    }
    return NULL;
}

int elf_check(const void *data, size_t len, uint64_t user_top,
              struct elf_image *out, const char **err)
{
    const char *why = check_image(data, len, user_top, out);

    if (why == NULL)
        return 0;
    if (err != NULL)
        *err = why;
    return -1;
}
