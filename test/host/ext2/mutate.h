/*
 * fuzz_ext2's random numbers and mutations: where the structures of the
 * seed image are (filled in by fuzz_ext2.c) and how a copy is changed.
 * Included by test/host/fuzz_ext2.c only; everything is static.
 */
#ifndef TEST_EXT2_MUTATE_H
#define TEST_EXT2_MUTATE_H

#include <stdint.h>
#include <string.h>

#define BS          1024u
#define IMG_SIZE    (1024u * BS)
#define MAX_TARGETS 256

#include "../fuzz_rng.h"

/* Where the structures of the seed image are, by kind. */
enum kind { SUPER, GROUP, INODE, DIRBLK, INDBLK, BITMAP, KINDS };

static struct {
    uint32_t at[MAX_TARGETS];   /* byte offsets (inodes) or block numbers */
    unsigned n;
} targets[KINDS];

static void add_target(enum kind k, uint32_t v)
{
    if (targets[k].n < MAX_TARGETS)
        targets[k].at[targets[k].n++] = v;
}

static uint32_t get32(const uint8_t *p, size_t off, unsigned w)
{
    uint32_t v = 0;
    for (unsigned i = w; i-- > 0;)
        v = v << 8 | p[off + i];
    return v;
}

static void put32(uint8_t *p, size_t off, uint32_t v, unsigned w)
{
    for (unsigned i = 0; i < w; i++)
        p[off + i] = (uint8_t)(v >> 8 * i);
}

/* A value that is likely to matter in a field holding old. */
static uint32_t interesting(uint32_t old)
{
    static const uint32_t fixed[] = {
        0, 1, 2, 3, 4, 7, 8, 11, 12, 0x7f, 0x80, 0xff, 0x100, 255, 256, 1023, 1024, 1025,
        4096, 8192, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
        040755, 0100644, 0120777, 0xef53,
    };
    switch (below(6)) {
    case 0:
        return fixed[below(sizeof fixed / sizeof fixed[0])];
    case 1:
        return old + (uint32_t)below(9) - 4;
    case 2:
        return (uint32_t)below(IMG_SIZE / BS + 8);      /* a block number */
    case 3:
        return old ^ (1u << below(32));
    case 4: {
        enum kind k = below(2) ? DIRBLK : INDBLK;       /* another structure */
        return targets[k].at[below(targets[k].n)];
    }
    default:
        return (uint32_t)rnd();
    }
}

/* Superblock fields that the core reads. */
static const uint16_t super_fields[][2] = {
    { 0, 4 }, { 4, 4 }, { 8, 4 }, { 12, 4 }, { 16, 4 }, { 20, 4 }, { 24, 4 }, { 32, 4 },
    { 40, 4 }, { 56, 2 }, { 76, 4 }, { 84, 4 }, { 88, 2 }, { 92, 4 }, { 96, 4 }, { 100, 4 },
};
/* Inode fields: mode, size, links, blocks, flags, i_block, generation,
 * file_acl, size_high, uid_high, extra_isize, the extra times. */
static const uint16_t inode_fields[][2] = {
    { 0, 2 }, { 4, 4 }, { 26, 2 }, { 28, 4 }, { 32, 4 }, { 40, 4 }, { 44, 4 }, { 84, 4 },
    { 88, 4 }, { 92, 4 }, { 96, 4 }, { 100, 4 }, { 104, 4 }, { 108, 4 }, { 120, 2 },
    { 128, 2 }, { 132, 4 }, { 136, 4 },
};

static void mutate_field(uint8_t *p, size_t off, unsigned w)
{
    put32(p, off, interesting(get32(p, off, w)), w);
}

static void mutate_dirblk(uint8_t *p)
{
    uint32_t blk = targets[DIRBLK].at[below(targets[DIRBLK].n)];
    uint8_t *b = p + (size_t)blk * BS;
    /* Walk to a record while the chain holds, else anywhere aligned. */
    uint32_t off = 0, steps = (uint32_t)below(8);
    for (uint32_t i = 0; i < steps; i++) {
        uint32_t rec = get32(b, off + 4, 2);
        if (rec < 12 || off + rec + 8 > BS)
            break;
        off += rec;
    }
    if (below(4) == 0)
        off = (uint32_t)below(BS / 4) * 4;
    if (off + 8 > BS)
        return;
    switch (below(5)) {
    case 0: mutate_field(b, off, 4); break;             /* inode */
    case 1: mutate_field(b, off + 4, 2); break;         /* rec_len */
    case 2: b[off + 6] = (uint8_t)interesting(b[off + 6]); break;
    case 3: b[off + 7] = (uint8_t)below(10); break;     /* file type */
    default: b[off + 8 + below(BS - off - 8)] = (uint8_t)rnd(); break;
    }
}

static void mutate(uint8_t *p)
{
    switch (below(16)) {
    case 0: case 1: case 2: {
        unsigned i = (unsigned)below(sizeof super_fields / sizeof super_fields[0]);
        mutate_field(p, 1024 + super_fields[i][0], super_fields[i][1]);
        break;
    }
    case 3:
        if (below(2)) {
            p[1024 + below(256)] = (uint8_t)rnd();
        } else {        /* a feature bit: filetype, large_file, dir_index, others */
            static const uint16_t bits[][2] = { { 0x60, 1 }, { 0x64, 1 }, { 0x5c, 5 },
                                                { 0x5c, 3 }, { 0x60, 4 }, { 0x64, 3 } };
            unsigned i = (unsigned)below(sizeof bits / sizeof bits[0]);
            p[1024 + bits[i][0]] ^= (uint8_t)(1u << bits[i][1]);
        }
        break;
    case 4: {
        size_t g = (size_t)targets[GROUP].at[0] * BS + below(4) * 32;
        static const uint8_t gfields[][2] = { { 0, 4 }, { 4, 4 }, { 8, 4 }, { 12, 2 },
                                              { 14, 2 }, { 16, 2 } };
        unsigned i = (unsigned)below(6);
        mutate_field(p, g + gfields[i][0], gfields[i][1]);
        break;
    }
    case 5: case 6: case 7: case 8: {
        size_t at = targets[INODE].at[below(targets[INODE].n)];
        unsigned i = (unsigned)below(sizeof inode_fields / sizeof inode_fields[0]);
        mutate_field(p, at + inode_fields[i][0], inode_fields[i][1]);
        break;
    }
    case 9: case 10: case 11:
        mutate_dirblk(p);
        break;
    case 12: case 13: {
        size_t blk = targets[INDBLK].at[below(targets[INDBLK].n)];
        mutate_field(p, blk * BS + below(BS / 4) * 4, 4);
        break;
    }
    case 14: {
        size_t blk = targets[BITMAP].at[below(targets[BITMAP].n)];
        p[blk * BS + below(BS)] ^= (uint8_t)(1u << below(8));
        break;
    }
    default:
        if (below(2)) {
            p[below(IMG_SIZE)] = (uint8_t)rnd();
        } else {        /* a structure block copied over another */
            enum kind from = (enum kind)below(KINDS), to = (enum kind)below(KINDS);
            if (from != INODE && to != INODE)
                memcpy(p + (size_t)targets[to].at[below(targets[to].n)] * BS,
                       p + (size_t)targets[from].at[below(targets[from].n)] * BS, BS);
        }
        break;
    }
}

#endif
