/* ecivmd refuses to run on directories others could write to: the images it
 * measures and the state (data disk, caches) it keeps. */
#ifndef ECIVM_VMM_HOST_PERMS_H
#define ECIVM_VMM_HOST_PERMS_H

#include <glib.h>

/* PATH (if it exists) and the entries directly in it must not be writable by
 * group or others, nor be symlinks pointing elsewhere writable.  The error
 * names the path and its mode: "/var/lib/ecivm: mode 0777 is writable by
 * group or others". */
gboolean ecivm_check_private_tree(const char *path, GError **error);

#endif
