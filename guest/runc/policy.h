/* The ECI policy: a pure function over an OCI runtime config (config.json).
 *
 * Config in, config out (rewritten in place) or a refusal whose message is
 * what `docker run` shows.  Everything that needs I/O (the allocated ID
 * range, the realpath/mount identity of bind sources, the identity of
 * namespace paths and of PID 1's namespaces, the image allow-list decision)
 * is resolved by the caller and passed in the context. */
#ifndef ECIVM_RUNC_POLICY_H
#define ECIVM_RUNC_POLICY_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "mount-sources.h"

#define ECI_POLICY_ERROR (eci_policy_error_quark())
GQuark eci_policy_error_quark(void);

typedef enum {
        ECI_POLICY_ERROR_REFUSED, /* the config asks for something ECI forbids */
        ECI_POLICY_ERROR_INVALID, /* not a config we understand */
} EciPolicyError;

/* A bind source as the caller resolved it in the VM (guest/runc/facts.c). */
typedef struct {
        char *realpath;       /* of the opened file (its /proc/self/fd link); NULL: unresolved */
        EciSourceShape shape; /* how it was reached */
        int fd;               /* O_PATH; the mount is made from it (-1: none) */
} EciBindFact;

typedef struct {
        guint32 id_base;              /* host uid/gid of the container's root */
        guint32 id_count;             /* 65536 */
        gboolean socket_mount_allowed; /* the image is on the socket allow-list */
        /* namespace type ("pid", "network", …) -> identity of PID 1's one */
        GHashTable *vm_ns;
        /* namespace path in the config -> identity ("dev:ino"); a path that is
         * missing here could not be resolved and is refused */
        GHashTable *ns_identity;
        /* bind mount source -> EciBindFact */
        GHashTable *binds;
        /* the container being created: its own files may be bound */
        const char *container_id;
        /* the container whose IPC namespace the config joins (the caller
         * compared the namespaces): its shm may be bound too */
        const char *ipc_container;
        /* the realpath of dockerd's docker-init, bound read-only by --init */
        const char *docker_init;
        /* when set, root.path becomes this (the shim's id-mapped rootfs) */
        const char *root_path;
        /* when set, lxcfs's mount point: its proc files are bound over /proc */
        const char *lxcfs_dir;
        /* when set, ecivm-procfs's mount point: its diskstats (the
         * container's own I/O) is bound over /proc/diskstats instead */
        const char *procfs_dir;
        /* the agent's filtered engine socket: what an allow-listed container
         * gets when it binds dockerd's socket (NULL: it gets nothing) */
        const char *engine_socket;
        /* a BuildKit build step (dockerd's executor asks for no cgroup
         * namespace): it gets one of its own instead of a refusal, and may
         * bind ECI_SOURCE_BUILD_DATA paths */
        gboolean build_step;
} EciPolicyContext;

/* Rewrites CONFIG (the parsed config.json) in place.  Returns FALSE with
 * ECI_POLICY_ERROR_REFUSED and a message such as
 * "ecivm: --pid=host is not allowed: containers cannot share namespaces with
 * the VM", or ECI_POLICY_ERROR_INVALID for a malformed config. */
gboolean eci_policy_apply(JsonNode *config, const EciPolicyContext *ctx, GError **error);

/* The syscalls a container never gets, whatever its profile or caps. */
extern const char *const eci_policy_denied_syscalls[];

#endif
