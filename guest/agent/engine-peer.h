/* Who may use the engine-socket stand-in: the pure decision (no I/O), so
 * the unit tests see exactly what the agent decides.  A peer's uid, as the
 * VM sees it (SO_PEERCRED), names a user-ID range of ecivm-runc's
 * allocator; the peer is answered only when a container holds that range
 * now and that container was given the stand-in (engine-grant.h). */
#ifndef ECIVM_AGENT_ENGINE_PEER_H
#define ECIVM_AGENT_ENGINE_PEER_H

#include <stddef.h>

#include "../engine-grant.h"

enum engine_peer_verdict {
        ENGINE_PEER_ALLOW = 0,
        ENGINE_PEER_NO_TABLE,     /* no readable allocator file: no container holds a range */
        ENGINE_PEER_OUTSIDE,      /* below the containers' ranges: the VM's root and system users */
        ENGINE_PEER_NO_CONTAINER, /* no container holds the range */
        ENGINE_PEER_GID,          /* the gid is not in the same range */
        ENGINE_PEER_NOT_GRANTED,  /* its container was not given the stand-in */
};

/* The grant file's text of container ID ("<base> <size>\n"), or NULL when
 * it has none. */
typedef const char *(*engine_grant_lookup)(void *user, const char *id);

/* RANGES: the allocator's file text (NULL when it could not be read).  On
 * ENGINE_PEER_ALLOW, RET_ID (ENGINE_GRANT_MAX_ID + 1 bytes) holds the
 * container's id; it is set too for ENGINE_PEER_GID and _NOT_GRANTED. */
enum engine_peer_verdict engine_peer_decide(unsigned long uid, unsigned long gid, const char *ranges,
                                            engine_grant_lookup grant, void *user, char *ret_id);
/* what a refusal's log line says after the uid */
const char *engine_peer_verdict_str(enum engine_peer_verdict v);
/* an id that can name a grant file: 1..ENGINE_GRANT_MAX_ID of [A-Za-z0-9_.-],
 * not starting with '.' */
int engine_grant_id_valid(const char *id);

#endif
