/* Log files the service can show: the guest console, the guest's service
 * logs (containerd, dockerd) and the daemon's own log. */
#ifndef ECIVM_VMM_LOGS_H
#define ECIVM_VMM_LOGS_H

#include <glib.h>

#define ECIVM_LOGS_MAX_LINES 10000

/* Map a source name (console|guest|daemon) to its file in STATE_DIR. */
char *ecivm_logs_path(const char *state_dir, const char *source, GError **error);
/* The last N complete lines of PATH (at most 4 MiB read) and the offset
 * after them, where a follower goes on.  A missing file is empty. */
GStrv ecivm_logs_tail(const char *path, guint n, goffset *ret_end, GError **error);
/* Complete lines appended since *OFFSET (which moves past them). */
GStrv ecivm_logs_read_new(const char *path, goffset *offset);

#endif
