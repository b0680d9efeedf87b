/*
 * The server side of root's protocol (see service.h).
 */
#include "mica/service.h"

#include <stdbool.h>

#include "mica/sys.h"

struct service_state *service_state(void)
{
    static struct service_state *state;
    static bool tried;
    if (tried)
        return state;
    tried = true;
    struct service_state *s = (struct service_state *)SERVICE_STATE_VA;
    unsigned rw = MICA_R_READ | MICA_R_WRITE;
    if (mica_map(MICA_SLOT_SELF, SERVICE_SLOT_STATE, SERVICE_STATE_VA, rw, 0))
        return 0;
    /* Root wrote the frame's size in its first page. */
    for (uint32_t i = 1; i < s->pages; i++)
        if (mica_map(MICA_SLOT_SELF, SERVICE_SLOT_STATE, SERVICE_STATE_VA + i * 4096ul, rw, i))
            return 0;
    return state = s;
}

long service_announce_heap(enum service_id id, const void *heap, uint64_t len)
{
    struct mica_msg m = { .info = MICA_INFO(ROOT_ANNOUNCE, 3, 0, 0),
                          .w = { id, (uint64_t)heap, len } };
    long err = mica_call(SERVICE_SLOT_ROOT, &m);
    return err ? err : (long)m.w[0];
}

long service_announce(enum service_id id)
{
    return service_announce_heap(id, 0, 0);
}
