/* The container's root file system, owned by its user-ID range without a
 * copy: Docker's overlay is rebuilt over id-mapped lower layers. */
#ifndef ECIVM_RUNC_ROOTFS_H
#define ECIVM_RUNC_ROOTFS_H

#include <glib.h>
#include <json-glib/json-glib.h>

/* Mounts DIR/ID/rootfs for CONFIG's root.path and returns that path; NULL
 * without an error when the root needs nothing (not an overlay). */
char *eci_rootfs_prepare(const char *dir, const char *id, JsonNode *config, guint32 base, guint32 size,
                         GError **error);
/* Unmounts and removes DIR/ID (best effort). */
void eci_rootfs_release(const char *dir, const char *id);
/* After the policy: every bind source the policy accepted from Docker's
 * data (BINDS: source -> EciBindFact) is mounted from the descriptor it was
 * checked through, without its submounts, under DIR/ID (released with the
 * rootfs), and the config points there.  Volumes and layer snapshots (a
 * build step's cache mounts) are id-mapped to the container's range. */
gboolean eci_rootfs_map_binds(const char *dir, const char *id, JsonNode *config, GHashTable *binds, guint32 base,
                              guint32 size, GError **error);

/* Read-only binds of CONFIG mounted under ROOTFS here, in the VM's mount
 * namespace, and taken out of CONFIG: copied into the container's mount
 * namespace (owned by its user namespace) they are locked, so nothing inside,
 * CAP_SYS_ADMIN included, can unmount them or make them writable.  Binds that
 * another mount of CONFIG would cover are left to runc. */
gboolean eci_rootfs_lock_readonly_binds(const char *rootfs, JsonNode *config, guint32 base, GError **error);

#endif
