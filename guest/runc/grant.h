/* The engine-socket stand-in's grants (../engine-grant.h): which
 * containers ecivm-agent answers on it. */
#ifndef ECIVM_RUNC_GRANT_H
#define ECIVM_RUNC_GRANT_H

#include <glib.h>

/* Records that container ID, holding the range BASE..BASE+SIZE-1, was
 * given the stand-in (DIR is made 0700 when missing; a DIR that is not
 * root's alone is refused). */
gboolean eci_grant_add(const char *dir, const char *id, guint32 base, guint32 size, GError **error);
/* Removes ID's grant, if any: before its range is released, and at every
 * create that does not bind the stand-in (a stale grant never outlives
 * its container's next start).  FALSE only when one is there and stays. */
gboolean eci_grant_remove(const char *dir, const char *id, GError **error);

#endif
