/*
 * The server side of root's protocol (see service.h).
 */
#include "mica/service.h"

#include "mica/sys.h"

long service_announce(enum service_id id)
{
    struct mica_msg m = { .info = MICA_INFO(ROOT_ANNOUNCE, 1, 0, 0), .w = { id } };
    long err = mica_call(SERVICE_SLOT_ROOT, &m);
    return err ? err : (long)m.w[0];
}
