/*
 * Reply capabilities: SAVE_REPLY turns the implicit right to answer the
 * last call into a capability, so the answer can come later, from any
 * thread of the process. It names the caller without keeping it alive;
 * answering it (SEND on it) or deleting it consumes it, and a caller whose
 * right is deleted unanswered gets -EPEERDIED.
 */
#ifndef MICA_REPLY_H
#define MICA_REPLY_H

struct cap;
struct object;
struct thread;

/* Moves t's implicit reply right into the empty slot dst. */
void reply_save(struct thread *t, struct cap *dst);
/* The caller a reply capability names, or NULL if that call is over. */
struct thread *reply_caller(const struct cap *c);
/* Hooks of cap_move / cap_delete. */
void reply_moved(struct cap *dst, struct cap *src);
void reply_deleted(struct object *caller, struct cap *c);

#endif
