/* The overlay behind a mount point, from /proc/self/mountinfo text (pure:
 * no I/O, unit-tested). */
#ifndef ECIVM_RUNC_MOUNTINFO_H
#define ECIVM_RUNC_MOUNTINFO_H

#include <glib.h>

/* The mount seen last at MOUNT_POINT (the one on top) in MOUNTINFO: when it
 * is an overlay (or a bind of one), its lowerdir (':'-separated, as given to
 * mount(2), so possibly relative) and upperdir, with mountinfo's octal
 * escapes undone.  FALSE when that mount is not an overlay, is read-only
 * (no upperdir) or MOUNT_POINT has no mount. */
gboolean eci_mountinfo_overlay(const char *mountinfo, const char *mount_point, char **ret_lower, char **ret_upper);

#endif
