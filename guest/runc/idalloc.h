/* Exclusive user-ID ranges per container, persistent and lock-protected.
 *
 * DIR/ranges holds one line per range that was ever handed out; DIR/ranges.lock
 * is held (flock) around every read-modify-write, and the file is replaced
 * atomically (write, fsync, rename).  Range I covers host IDs
 * FIRST + I * SIZE … + SIZE - 1.  A released range keeps the container's ID
 * ("free" tombstone), so the same container gets it back when it starts
 * again and nobody else took it. */
#ifndef ECIVM_RUNC_IDALLOC_H
#define ECIVM_RUNC_IDALLOC_H

#include <glib.h>

#define ECI_IDALLOC_ERROR (eci_idalloc_error_quark())
GQuark eci_idalloc_error_quark(void);

typedef enum {
        ECI_IDALLOC_ERROR_EXHAUSTED,
        ECI_IDALLOC_ERROR_CORRUPT,
        ECI_IDALLOC_ERROR_IO,
        ECI_IDALLOC_ERROR_INVALID,
} EciIdAllocError;

typedef struct {
        const char *dir;
        guint32 first; /* 100000 */
        guint32 size;  /* 65536 */
        guint32 count; /* number of ranges */
        /* Optional: is the container holding a "used" range still there?
         * Ranges of vanished containers (a VM reboot, a `runc run` that
         * never got its delete) are taken back when this returns FALSE. */
        gboolean (*still_used)(const char *id, const char *root, gint64 since, gpointer data);
        /* Optional: does a released range's container still exist (stopped)?
         * Such ranges are handed to others only when nothing else is free. */
        gboolean (*still_known)(const char *id, gpointer data);
        gpointer data;
} EciIdAllocConfig;

/* The range of container ID (an existing one, its previous one if free, or a
 * new one); ROOT is recorded for still_used().  Sets *ret_base to its first
 * host ID. */
gboolean eci_idalloc_acquire(const EciIdAllocConfig *cfg, const char *id, const char *root, guint32 *ret_base,
                             GError **error);
/* Frees ID's range (keeping it as ID's tombstone).  No range: TRUE. */
gboolean eci_idalloc_release(const EciIdAllocConfig *cfg, const char *id, GError **error);
/* *ret_base of ID's range in use; FALSE without error when there is none. */
gboolean eci_idalloc_lookup(const EciIdAllocConfig *cfg, const char *id, guint32 *ret_base, GError **error);

#endif
