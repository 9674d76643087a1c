/* What a container may mount: an allow-list of bind sources (pure).
 *
 * dockerd, root in the VM, hands the runtime whatever paths it was asked
 * for, and follows symlinks that containers plant.  So a bind source is
 * accepted only when it is one of a few kinds of path dockerd makes for
 * containers, and only when the runtime reached it without a symlink or
 * another mount on the way (guest/runc/facts.c resolves each source once,
 * by file descriptor, and the mount is made from that descriptor). */
#ifndef ECIVM_RUNC_MOUNT_SOURCES_H
#define ECIVM_RUNC_MOUNT_SOURCES_H

#include <glib.h>

#include "contract.h"

#define ECI_DOCKER_ROOT WIRE_PATH_DOCKER_ROOT
#define ECI_DOCKER_SOCKET WIRE_PATH_DOCKER_SOCKET

typedef enum {
        ECI_SOURCE_OTHER,          /* any other path of the VM */
        ECI_SOURCE_VOLUME,         /* ECI_DOCKER_ROOT/volumes/<name>/_data */
        ECI_SOURCE_CONTAINER_FILE, /* ECI_DOCKER_ROOT/containers/<id>/{hosts,hostname,resolv.conf} */
        ECI_SOURCE_CONTAINER_SHM,  /* ECI_DOCKER_ROOT/containers/<id>/mounts/shm */
        ECI_SOURCE_BUILD_DATA,     /* ECI_DOCKER_ROOT/{overlay2,buildkit}/...: layers and builder state */
        ECI_SOURCE_ENGINE_SOCKET,  /* ECI_DOCKER_SOCKET */
} EciSourceClass;

/* How the runtime reached a source. */
typedef enum {
        ECI_SOURCE_UNRESOLVED, /* missing, or not openable */
        ECI_SOURCE_PLAIN,      /* beneath its root, no symlink, no other file system on the way */
        ECI_SOURCE_TMPFS_ROOT, /* the root of a tmpfs of its own, reached without a symlink */
        ECI_SOURCE_FOREIGN,    /* a symlink or another mount is on the way: something was bound there */
} EciSourceShape;

typedef struct {
        EciSourceClass cls;
        char *owner;      /* the volume's name or the container's ID; NULL for the other classes */
        const char *root; /* the directory the source must lie beneath (static) */
        char *below;      /* the source relative to ROOT */
} EciSource;

/* Classifies PATH (absolute, as the VM's root sees it) by its text only. */
void eci_source_classify(const char *path, EciSource *out);
void eci_source_clear(EciSource *s);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(EciSource, eci_source_clear)

const char *eci_source_shape_name(EciSourceShape shape);
/* "plain", "tmpfs-root", "foreign", "unresolved"; FALSE for anything else */
gboolean eci_source_shape_parse(const char *name, EciSourceShape *out);

#endif
