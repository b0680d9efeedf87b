/*
 * root: the first user process. It will start the servers and restart them
 * when they fail; for now it reports how the boot went and exits, which
 * powers the machine off.
 */
#include "mica/bootinfo.h"
#include "mica/runtime.h"

int main(void *arg)
{
    const struct mica_bootinfo *bi = arg;
    if (bi->magic != MICA_BOOTINFO_MAGIC || bi->version != MICA_BOOTINFO_VERSION) {
        debug_printf("root: bad boot info\n");
        return 1;
    }
    debug_printf("root: Mica root task running; first user instruction at %lu "
                 "instructions (firmware %lu, kernel %lu)\n",
                 (unsigned long)runtime_start_instret,
                 (unsigned long)bi->firmware_instret,
                 (unsigned long)(bi->kernel_instret - bi->firmware_instret));
    debug_printf("root: %lu KiB free, init='%s'\n",
                 (unsigned long)(bi->free_pages * 4), bi->init);
    return 0;
}
