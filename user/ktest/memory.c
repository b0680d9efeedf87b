/*
 * Cases: memory, devices and interrupts. MAP, UNMAP and PROTECT with their
 * argument checks, FRAME_INFO, shared frames, DEVICE_FRAME on a virtio-mmio
 * slot, and IRQ_GET / IRQ_BIND / IRQ_ACK, through the UART's interrupt.
 */
#include "ktest.h"

#define R   MICA_R_READ
#define RW  (MICA_R_READ | MICA_R_WRITE)
#define SELF MICA_SLOT_SELF

#define VIRTIO0       0x10001000ul     /* QEMU virt: the first virtio-mmio slot */
#define VIRTIO_LAST   0x10008000ul
#define VIRTIO_MAGIC  0x74726976u      /* "virt" */
#define UART0         0x10000000ul
#define UART0_IRQ     10
#define UART_IER      1
#define UART_IER_THRI 0x02
#define PLIC          0x0c000000ul
#define RAM           0x80000000ul

static inline volatile uint64_t *at(uint64_t va)
{
    return (volatile uint64_t *)va;
}

void mem_map_unmap(void)
{
    long f = kt_new(MICA_OBJ_FRAME, 2);
    EXPECT_EQ(mica_map(SELF, f, KT_MAP(0), RW, 0), 0);
    EXPECT_EQ(mica_map(SELF, f, KT_MAP(1), R, 1), 0);
    EXPECT_EQ(*at(KT_MAP(0)), 0);                     /* frames come zeroed */
    *at(KT_MAP(0)) = 42;
    EXPECT_EQ(*at(KT_MAP(1)), 0);                     /* the other page */
    EXPECT_EQ(mica_unmap(SELF, KT_MAP(0)), 0);
    EXPECT_EQ(mica_unmap(SELF, KT_MAP(0)), -ENOENT);
    EXPECT_EQ(mica_map(SELF, f, KT_MAP(2), R, 0), 0);
    EXPECT_EQ(*at(KT_MAP(2)), 42);                    /* the frame kept it */
    kt_free(f);
    EXPECT_EQ(*at(KT_MAP(2)), 42);                    /* the mapping keeps the frame */
    EXPECT_EQ(mica_unmap(SELF, KT_MAP(1)), 0);
    EXPECT_EQ(mica_unmap(SELF, KT_MAP(2)), 0);
    /* Execute-only is a valid mapping. */
    f = kt_new(MICA_OBJ_FRAME, 1);
    EXPECT_EQ(mica_map(SELF, f, KT_MAP(0), MICA_R_EXEC, 0), 0);
    EXPECT_EQ(mica_unmap(SELF, KT_MAP(0)), 0);
    kt_free(f);
}

void mem_map_errors(void)
{
    long f = kt_new(MICA_OBJ_FRAME, 2);
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long empty = slot_alloc();
    /* Rights Sv39 cannot express. */
    EXPECT_EQ(mica_map(SELF, f, KT_MAP(0), MICA_R_WRITE, 0), -EINVAL);
    EXPECT_EQ(mica_map(SELF, f, KT_MAP(0), MICA_R_WRITE | MICA_R_EXEC, 0), -EINVAL);
    EXPECT_EQ(mica_map(SELF, f, KT_MAP(0), 0, 0), -EINVAL);
    EXPECT_EQ(mica_map(SELF, f, KT_MAP(0), R | MICA_R_GRANT, 0), -EINVAL);
    EXPECT_EQ(mica_call6(MICA_SYS_MAP, SELF, f, (long)KT_MAP(0), (1l << 32) | R, 0, 0), -EINVAL);
    /* More rights than the frame capability gives. */
    long ro = kt_copy(f, R, 0);
    EXPECT_EQ(mica_map(SELF, ro, KT_MAP(0), RW, 0), -EACCES);
    EXPECT_EQ(mica_map(SELF, ro, KT_MAP(0), R | MICA_R_EXEC, 0), -EACCES);
    EXPECT_EQ(mica_map(SELF, MICA_SLOT_ARCHIVE, KT_MAP(0), RW, 0), -EACCES);
    EXPECT_EQ(mica_map(SELF, ro, KT_MAP(0), R, 0), 0);
    /* Already mapped. */
    EXPECT_EQ(mica_map(SELF, f, KT_MAP(0), RW, 1), -EEXIST);
    EXPECT_EQ(mica_unmap(SELF, KT_MAP(0)), 0);
    /* Addresses: beyond Sv39's user half, in the kernel, unaligned, page 0. */
    const uint64_t bad[] = { KT_TOO_HIGH, KT_KERNEL_PTR, KT_MAP(3) + 8, 0, ~0ul & ~0xffful };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        EXPECT_EQ(mica_map(SELF, f, bad[i], R, 0), -EINVAL);
        EXPECT_EQ(mica_unmap(SELF, bad[i]), -EINVAL);
        EXPECT_EQ(mica_protect(SELF, bad[i], R), -EINVAL);
    }
    /* Pages the frame does not have. */
    EXPECT_EQ(mica_map(SELF, f, KT_MAP(0), R, 2), -EINVAL);
    EXPECT_EQ(mica_map(SELF, f, KT_MAP(0), R, ~0ul), -EINVAL);
    /* Not a frame, not a process. */
    EXPECT_EQ(mica_map(SELF, ep, KT_MAP(0), R, 0), -EINVAL);
    EXPECT_EQ(mica_map(SELF, empty, KT_MAP(0), R, 0), -EBADF);
    EXPECT_EQ(mica_map(ep, f, KT_MAP(0), R, 0), -EINVAL);
    EXPECT_EQ(mica_map(empty, f, KT_MAP(0), R, 0), -EBADF);
    /* Nothing mapped there. */
    EXPECT_EQ(mica_unmap(SELF, KT_MAP(5)), -ENOENT);
    EXPECT_EQ(mica_unmap(SELF, KT_UNMAPPED), -ENOENT);
    EXPECT_EQ(mica_frame_info(ep), -EINVAL);
    kt_free(ro);
    slot_free(empty);
    kt_free(ep);
    kt_free(f);
}

struct writer {
    struct kt_thread t;
    uint64_t va;
};

static void store_to(uint64_t p)
{
    struct writer *w = (struct writer *)p;
    *at(w->va) = 1;
}

void mem_protect(void)
{
    long f = kt_new(MICA_OBJ_FRAME, 2);
    EXPECT_EQ(mica_map(SELF, f, KT_MAP(0), RW, 0), 0);
    *at(KT_MAP(0)) = 7;
    EXPECT_EQ(mica_protect(SELF, KT_MAP(0), R), 0);
    EXPECT_EQ(*at(KT_MAP(0)), 7);
    /* A store now faults. */
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct writer w = { .va = KT_MAP(0) };
    kt_thread_start(&w.t, store_to, (uint64_t)&w, KT_PRIO, ep);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(ep, &m), 0);
    EXPECT_EQ(MICA_INFO_LABEL(m.info), MICA_FAULT_PAGE);
    EXPECT_EQ(m.w[1], KT_MAP(0));
    EXPECT_EQ(m.w[2], MICA_R_WRITE);
    /* Up again, as far as the frame capability allowed at map time. */
    EXPECT_EQ(mica_protect(SELF, KT_MAP(0), RW), 0);
    m.info = MICA_INFO(MICA_RESUME, 0, 0, 0);
    EXPECT_EQ(mica_reply(&m), 0);
    EXPECT(kt_thread_join(&w.t));
    kt_thread_stop(&w.t);
    EXPECT_EQ(*at(KT_MAP(0)), 1);
    EXPECT_EQ(mica_protect(SELF, KT_MAP(0), RW | MICA_R_EXEC), 0);
    long ro = kt_copy(f, R, 0);
    EXPECT_EQ(mica_map(SELF, ro, KT_MAP(1), R, 1), 0);
    EXPECT_EQ(mica_protect(SELF, KT_MAP(1), RW), -EACCES);
    EXPECT_EQ(mica_protect(SELF, KT_MAP(1), R | MICA_R_EXEC), -EACCES);
    /* Rights Sv39 cannot express; nothing mapped. */
    EXPECT_EQ(mica_protect(SELF, KT_MAP(0), MICA_R_WRITE), -EINVAL);
    EXPECT_EQ(mica_protect(SELF, KT_MAP(0), 0), -EINVAL);
    EXPECT_EQ(mica_protect(SELF, KT_MAP(0), R | MICA_R_GRANT), -EINVAL);
    EXPECT_EQ(mica_call6(MICA_SYS_PROTECT, SELF, (long)KT_MAP(0), (1l << 32) | R, 0, 0, 0),
              -EINVAL);
    EXPECT_EQ(mica_protect(SELF, KT_MAP(5), R), -ENOENT);
    EXPECT_EQ(mica_protect(SELF, KT_UNMAPPED, R), -ENOENT);
    /* Ranges: absent pages are skipped; rights are checked for all first. */
    EXPECT_EQ(mica_protect_range(SELF, KT_MAP(0), 8, R), 0);
    EXPECT_EQ(mica_protect_range(SELF, KT_MAP(0), 2, RW), -EACCES);
    EXPECT_EQ(mica_protect_range(SELF, KT_MAP(2), 3, R), 0);
    EXPECT_EQ(mica_protect_range(SELF, KT_TOO_HIGH - KT_PAGE, 2, R), -EINVAL);
    EXPECT_EQ(mica_protect_range(SELF, KT_MAP(0), ~0ul, R), -EINVAL);
    EXPECT_EQ(mica_unmap_range(SELF, KT_TOO_HIGH - KT_PAGE, 2), -EINVAL);
    EXPECT_EQ(mica_unmap_range(SELF, KT_MAP(0), 8), 0);
    EXPECT_EQ(mica_unmap(SELF, KT_MAP(0)), -ENOENT);
    EXPECT_EQ(mica_unmap(SELF, KT_MAP(1)), -ENOENT);
    EXPECT_EQ(mica_unmap_range(SELF, KT_MAP(0), 8), 0);
    kt_free(ro);
    kt_free(ep);
    kt_free(f);
}

void mem_shared_frame(void)
{
    long f = kt_new(MICA_OBJ_FRAME, 2), g = kt_new(MICA_OBJ_FRAME, 1);
    long pa = mica_frame_info(f);
    EXPECT(pa >= (long)RAM && (pa & (KT_PAGE - 1)) == 0);
    EXPECT(mica_frame_info(g) >= (long)RAM && mica_frame_info(g) != pa);
    EXPECT(mica_frame_info(MICA_SLOT_ARCHIVE) >= (long)RAM);
    EXPECT_EQ(mica_map(SELF, f, KT_MAP(0), RW, 0), 0);
    EXPECT_EQ(mica_map(SELF, f, KT_MAP(1), R, 0), 0);
    *at(KT_MAP(0)) = 0x1234;
    EXPECT_EQ(*at(KT_MAP(1)), 0x1234);
    *at(KT_MAP(0) + 8) = 0x5678;
    EXPECT_EQ(*at(KT_MAP(1) + 8), 0x5678);
    EXPECT_EQ(mica_unmap(SELF, KT_MAP(0)), 0);
    EXPECT_EQ(mica_unmap(SELF, KT_MAP(1)), 0);
    long empty = slot_alloc();
    EXPECT_EQ(mica_frame_info(empty), -EBADF);
    EXPECT_EQ(mica_frame_info(MICA_SLOT_SELF), -EINVAL);
    slot_free(empty);
    kt_free(g);
    kt_free(f);
}

void mem_other_process(void)
{
    long b = kt_new(MICA_OBJ_BUDGET, 32);
    long p = slot_alloc(), f = slot_alloc();
    EXPECT_EQ(mica_create(b, MICA_OBJ_PROCESS, p, 16), 0);
    EXPECT_EQ(mica_create(b, MICA_OBJ_FRAME, f, 1), 0);
    EXPECT_EQ(mica_map(p, f, KT_MAP(0), RW, 0), 0);
    EXPECT_EQ(mica_map(p, f, KT_MAP(0), RW, 0), -EEXIST);
    EXPECT_EQ(mica_unmap(p, KT_MAP(0)), 0);
    EXPECT_EQ(mica_unmap(p, KT_MAP(0)), -ENOENT);
    EXPECT_EQ(mica_map(p, f, KT_MAP(0), RW, 0), 0);
    EXPECT_EQ(mica_map(p, f, KT_MAP(1), R, 0), 0);
    EXPECT_EQ(mica_map(SELF, f, KT_MAP(0), RW, 0), 0);
    *at(KT_MAP(0)) = 99;
    /* Destroyed with its mappings: the frame stays ours. */
    EXPECT_EQ(mica_process_destroy(p), 0);
    EXPECT_EQ(*at(KT_MAP(0)), 99);
    EXPECT_EQ(mica_unmap(SELF, KT_MAP(0)), 0);
    slot_free(p);
    slot_free(f);
    EXPECT_EQ(mica_budget_info(b, 1), 0);
    kt_free(b);
}

/* MAP_COPY: the frames mapped in one process, into another at the same
 * addresses (a fork's sharing), read back through PROCESS_COPY. */
void mem_map_copy(void)
{
    long b = kt_new(MICA_OBJ_BUDGET, 16);
    long p = slot_alloc(), f = kt_new(MICA_OBJ_FRAME, 2);
    EXPECT_EQ(mica_create(b, MICA_OBJ_PROCESS, p, 16), 0);
    EXPECT_EQ(mica_map(SELF, f, KT_MAP(0), RW, 0), 0);
    long ro = kt_copy(f, R, 0);
    EXPECT_EQ(mica_map(SELF, ro, KT_MAP(2), R, 1), 0);
    *at(KT_MAP(0)) = 0x11;
    EXPECT_EQ(mica_map_copy(SELF, KT_MAP(0), p, 4, R), 2);     /* absent pages skipped */
    uint64_t v = 0;
    EXPECT_EQ(mica_process_copy(p, KT_MAP(0), &v, 8, MICA_COPY_FROM), 8);
    EXPECT_EQ(v, 0x11);
    EXPECT_EQ(mica_process_copy(p, KT_MAP(0), &v, 8, MICA_COPY_TO), -EFAULT);
    /* Raised as far as our mapping may be: the same frame, so we see it. */
    EXPECT_EQ(mica_protect(p, KT_MAP(0), RW), 0);
    v = 0x22;
    EXPECT_EQ(mica_process_copy(p, KT_MAP(0), &v, 8, MICA_COPY_TO), 8);
    EXPECT_EQ(*at(KT_MAP(0)), 0x22);
    EXPECT_EQ(mica_protect(p, KT_MAP(2), RW), -EACCES);
    /* Asking for more than the source may have gives what it may. */
    EXPECT_EQ(mica_unmap(p, KT_MAP(2)), 0);
    EXPECT_EQ(mica_map_copy(SELF, KT_MAP(2), p, 1, RW), 1);
    EXPECT_EQ(mica_process_copy(p, KT_MAP(2), &v, 8, MICA_COPY_TO), -EFAULT);
    EXPECT_EQ(mica_process_destroy(p), 0);
    EXPECT_EQ(mica_map_copy(SELF, KT_MAP(0), p, 1, R), -ESRCH);
    EXPECT_EQ(mica_unmap_range(SELF, KT_MAP(0), 3), 0);
    kt_free(ro);
    kt_free(f);
    slot_free(p);
    EXPECT_EQ(mica_budget_info(b, 1), 0);
    kt_free(b);
}

void mem_map_copy_errors(void)
{
    long b = kt_new(MICA_OBJ_BUDGET, 16);
    long p = slot_alloc(), f = kt_new(MICA_OBJ_FRAME, 1);
    EXPECT_EQ(mica_create(b, MICA_OBJ_PROCESS, p, 16), 0);
    EXPECT_EQ(mica_map(SELF, f, KT_MAP(0), RW, 0), 0);
    EXPECT_EQ(mica_map_copy(SELF, KT_MAP(0), p, 1, R), 1);
    EXPECT_EQ(mica_map_copy(SELF, KT_MAP(0), p, 1, R), -EEXIST);
    /* Execute alone from a page that may not execute leaves no rights:
     * refused, not a PTE the MMU would walk as a table (kfuzz). */
    long fro = kt_copy(f, R, 0);
    EXPECT_EQ(mica_map(SELF, fro, KT_MAP(1), R, 0), 0);
    EXPECT_EQ(mica_map_copy(SELF, KT_MAP(1), p, 1, MICA_R_EXEC), -EACCES);
    EXPECT_EQ(mica_unmap(SELF, KT_MAP(1)), 0);
    kt_free(fro);
    /* Arguments. */
    EXPECT_EQ(mica_map_copy(SELF, KT_MAP(4), p, 1, MICA_R_WRITE), -EINVAL);
    EXPECT_EQ(mica_call6(MICA_SYS_MAP_COPY, SELF, (long)KT_MAP(4), p, 1, (1l << 32) | R, 0),
              -EINVAL);
    EXPECT_EQ(mica_map_copy(SELF, KT_MAP(4) + 8, p, 1, R), -EINVAL);
    EXPECT_EQ(mica_map_copy(SELF, KT_MAP(4), p, 0, R), -EINVAL);
    EXPECT_EQ(mica_map_copy(SELF, KT_TOO_HIGH - KT_PAGE, p, 2, R), -EINVAL);
    EXPECT_EQ(mica_map_copy(SELF, KT_KERNEL_PTR, p, 1, R), -EINVAL);
    EXPECT_EQ(mica_map_copy(SELF, KT_MAP(4), p, 8, R), 0);          /* nothing there */
    long pro = kt_copy(p, R, 0), ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    EXPECT_EQ(mica_map_copy(SELF, KT_MAP(0), pro, 1, R), -EACCES);
    EXPECT_EQ(mica_map_copy(ep, KT_MAP(0), p, 1, R), -EINVAL);
    /* No budget left for the page tables. */
    long p2 = slot_alloc(), b2 = kt_new(MICA_OBJ_BUDGET, 8);
    EXPECT_EQ(mica_create(b2, MICA_OBJ_PROCESS, p2, 256), 0);
    long fill = slot_alloc(), spare = mica_budget_info(b2, 0);
    if (spare > 1)
        EXPECT_EQ(mica_create(b2, MICA_OBJ_FRAME, fill, (uint64_t)spare - 1), 0);
    EXPECT_EQ(mica_map_copy(SELF, KT_MAP(0), p2, 1, R), -ENOMEM);
    slot_free(fill);
    slot_free(p2);
    EXPECT_EQ(mica_budget_info(b2, 1), 0);
    kt_free(b2);
    EXPECT_EQ(mica_unmap(SELF, KT_MAP(0)), 0);
    EXPECT_EQ(mica_process_destroy(p), 0);
    kt_free(ep);
    kt_free(pro);
    kt_free(f);
    slot_free(p);
    EXPECT_EQ(mica_budget_info(b, 1), 0);
    kt_free(b);
}

void device_frame_virtio(void)
{
    long b = kt_new(MICA_OBJ_BUDGET, 4);
    long d = slot_alloc(), d2 = slot_alloc();
    EXPECT_EQ(mica_device_frame(MICA_SLOT_DEVICE_CONTROL, b, VIRTIO0, 1, d), 0);
    EXPECT_EQ(mica_cap_info(d), MICA_OBJ_FRAME | RW << 8);
    EXPECT_EQ(mica_frame_info(d), VIRTIO0);
    EXPECT_EQ(mica_map(SELF, d, KT_MAP(0), R, 0), 0);
    EXPECT_EQ(*(volatile uint32_t *)KT_MAP(0), VIRTIO_MAGIC);
    EXPECT_EQ(mica_map(SELF, d, KT_MAP(1), MICA_R_EXEC, 0), -EACCES);
    EXPECT_EQ(mica_device_frame(MICA_SLOT_DEVICE_CONTROL, b, VIRTIO0, 1, d2), -EBUSY);
    /* A device frame is not memory for an IPC buffer. */
    long t = kt_new(MICA_OBJ_THREAD, SELF);
    EXPECT_EQ(mica_thread_configure(t, d, KT_PRIO, NULL), -EINVAL);
    kt_free(t);
    /* Gone when unmapped and deleted: the region can be had again. */
    EXPECT_EQ(mica_unmap(SELF, KT_MAP(0)), 0);
    EXPECT_EQ(mica_cap_delete(d), 0);
    EXPECT_EQ(mica_budget_info(b, 1), 0);
    EXPECT_EQ(mica_device_frame(MICA_SLOT_DEVICE_CONTROL, b, VIRTIO0, 1, d2), 0);
    /* Still mapped after its capability goes, and still busy. */
    EXPECT_EQ(mica_map(SELF, d2, KT_MAP(0), R, 0), 0);
    EXPECT_EQ(mica_cap_delete(d2), 0);
    EXPECT_EQ(*(volatile uint32_t *)KT_MAP(0), VIRTIO_MAGIC);
    EXPECT_EQ(mica_device_frame(MICA_SLOT_DEVICE_CONTROL, b, VIRTIO0, 1, d), -EBUSY);
    EXPECT_EQ(mica_unmap(SELF, KT_MAP(0)), 0);
    EXPECT_EQ(mica_device_frame(MICA_SLOT_DEVICE_CONTROL, b, VIRTIO0, 1, d), 0);
    slot_free(d2);
    slot_free(d);
    EXPECT_EQ(mica_budget_info(b, 1), 0);
    kt_free(b);
}

void device_frame_errors(void)
{
    long d = slot_alloc();
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long empty = slot_alloc();
    const long dc = MICA_SLOT_DEVICE_CONTROL, bud = MICA_SLOT_BUDGET;
    /* Not a device the kernel lets user space have. */
    const uint64_t nodev[] = { RAM, RAM + 0x200000, (uint64_t)mica_frame_info(MICA_SLOT_IPC_BUFFER),
                               PLIC, 0, ~0ul & ~0xffful };
    for (unsigned i = 0; i < sizeof nodev / sizeof nodev[0]; i++)
        EXPECT_EQ(mica_device_frame(dc, bud, nodev[i], 1, d), -ENODEV);
    EXPECT_EQ(mica_device_frame(dc, bud, VIRTIO_LAST, 2, d), -ENODEV);  /* runs past it */
    EXPECT_EQ(mica_device_frame(dc, bud, UART0, 2, d), -ENODEV);        /* two regions */
    EXPECT_EQ(mica_device_frame(dc, bud, VIRTIO0 + 4, 1, d), -EINVAL);
    EXPECT_EQ(mica_device_frame(dc, bud, VIRTIO0, 0, d), -EINVAL);
    EXPECT_EQ(mica_device_frame(dc, bud, VIRTIO0, MICA_MAX_FRAME_PAGES + 1, d), -EINVAL);
    /* The capabilities. */
    EXPECT_EQ(mica_device_frame(MICA_SLOT_IRQ_CONTROL, bud, VIRTIO0, 1, d), -EINVAL);
    EXPECT_EQ(mica_device_frame(empty, bud, VIRTIO0, 1, d), -EBADF);
    EXPECT_EQ(mica_device_frame(dc, ep, VIRTIO0, 1, d), -EINVAL);
    long ro = kt_copy(bud, R, 0);
    EXPECT_EQ(mica_device_frame(dc, ro, VIRTIO0, 1, d), -EACCES);
    EXPECT_EQ(mica_device_frame(dc, bud, VIRTIO0, 1, ep), -EEXIST);
    /* A budget with no room for the frame object. */
    long b = kt_new(MICA_OBJ_BUDGET, 1);
    long t = slot_alloc();
    EXPECT_EQ(mica_create(b, MICA_OBJ_THREAD, t, SELF), 0);   /* fills its page */
    EXPECT_EQ(mica_device_frame(dc, b, VIRTIO0, 1, d), -ENOMEM);
    slot_free(t);
    EXPECT_EQ(mica_budget_info(b, 1), 0);
    kt_free(b);
    EXPECT_EQ(mica_cap_info(d), -EBADF);
    kt_free(ro);
    slot_free(empty);
    kt_free(ep);
    slot_free(d);
}

void irq_get_bind_ack(void)
{
    long s = slot_alloc(), s2 = slot_alloc(), empty = slot_alloc();
    long n = kt_new(MICA_OBJ_NOTIFICATION, 0), n2 = kt_new(MICA_OBJ_NOTIFICATION, 0);
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    const long ic = MICA_SLOT_IRQ_CONTROL;
    EXPECT_EQ(mica_irq_get(ic, 1, s), 0);
    EXPECT_EQ(mica_cap_info(s), MICA_OBJ_IRQ | MICA_R_ALL << 8);
    EXPECT_EQ(mica_irq_get(ic, 1, s2), -EBUSY);
    EXPECT_EQ(mica_irq_get(ic, 0, s2), -EINVAL);
    EXPECT_EQ(mica_irq_get(ic, 1023, s2), -EINVAL);
    EXPECT_EQ(mica_irq_get(ic, 1024, s2), -EINVAL);
    EXPECT_EQ(mica_irq_get(ic, ~0u, s2), -EINVAL);
    /* The number is the whole register, not its low 32 bits. */
    EXPECT_EQ(mica_call6(MICA_SYS_IRQ_GET, ic, (1l << 32) | 2, s2, 0, 0, 0), -EINVAL);
    EXPECT_EQ(mica_irq_get(MICA_SLOT_DEVICE_CONTROL, 2, s2), -EINVAL);
    EXPECT_EQ(mica_irq_get(empty, 2, s2), -EBADF);
    EXPECT_EQ(mica_irq_get(ic, 2, ep), -EEXIST);
    EXPECT_EQ(mica_irq_bind(s, n), 0);
    long ro = kt_copy(n2, R, 0);
    EXPECT_EQ(mica_irq_bind(s, ro), -EACCES);
    EXPECT_EQ(mica_irq_bind(s, ep), -EINVAL);
    EXPECT_EQ(mica_irq_bind(s, empty), -EBADF);
    EXPECT_EQ(mica_irq_bind(ep, n), -EINVAL);
    EXPECT_EQ(mica_irq_bind(empty, n), -EBADF);
    EXPECT_EQ(mica_irq_bind(s, n2), 0);               /* rebinding */
    EXPECT_EQ(mica_irq_ack(s), -EINVAL);              /* nothing pending */
    EXPECT_EQ(mica_irq_ack(n), -EINVAL);
    EXPECT_EQ(mica_irq_ack(empty), -EBADF);
    kt_free(n2);                                      /* the binding keeps it */
    EXPECT_EQ(mica_cap_delete(s), 0);
    EXPECT_EQ(mica_irq_get(ic, 1, s2), 0);            /* free again */
    kt_free(ro);
    kt_free(ep);
    kt_free(n);
    slot_free(empty);
    slot_free(s2);
    slot_free(s);
}

/* The whole path of an interrupt: the UART raises its transmitter-empty
 * interrupt as soon as we enable it. */
void irq_uart(void)
{
    long d = slot_alloc(), irq = slot_alloc();
    long n = kt_new(MICA_OBJ_NOTIFICATION, 0);
    long nb = kt_copy(n, MICA_R_WRITE, 8);
    EXPECT_EQ(mica_device_frame(MICA_SLOT_DEVICE_CONTROL, MICA_SLOT_BUDGET, UART0, 1, d), 0);
    EXPECT_EQ(mica_map(SELF, d, KT_MAP(0), RW, 0), 0);
    volatile uint8_t *uart = (volatile uint8_t *)KT_MAP(0);
    EXPECT_EQ(mica_irq_get(MICA_SLOT_IRQ_CONTROL, UART0_IRQ, irq), 0);
    EXPECT_EQ(mica_irq_bind(irq, nb), 0);
    /* A timer on bit 0 so that a missing interrupt fails instead of hanging. */
    const struct mica_bootinfo *bi = (const struct mica_bootinfo *)MICA_BOOTINFO_VA;
    EXPECT_EQ(mica_timer_set(n, mica_time() + bi->timebase_freq / 10, 0), 0);
    uart[UART_IER] = UART_IER_THRI;
    EXPECT_EQ(mica_wait(n), 8);
    uart[UART_IER] = 0;
    EXPECT_EQ(mica_timer_set(n, 0, 0), 0);
    EXPECT_EQ(mica_irq_ack(irq), 0);
    EXPECT_EQ(mica_irq_ack(irq), -EINVAL);
    EXPECT_EQ(mica_poll(n), 0);
    EXPECT_EQ(mica_unmap(SELF, KT_MAP(0)), 0);
    slot_free(irq);
    slot_free(d);
    kt_free(nb);
    kt_free(n);
}
