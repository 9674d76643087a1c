/* ecivmd's own log, capped: when stderr is a regular file (`ecivm up` starts
 * the daemon with <state>/ecivmd.log), it is rotated once it passes
 * ECIVM_LOG_CAP_BYTES: the file becomes NAME.1 (replacing the previous one)
 * and a new NAME takes stdout and stderr.  Under systemd stderr is the
 * journal, which caps itself: nothing is done. */
#ifndef ECIVM_VMM_LOG_CAP_H
#define ECIVM_VMM_LOG_CAP_H

#include <glib.h>

#define ECIVM_LOG_CAP_BYTES (16 * 1024 * 1024)
#define ECIVM_LOG_CAP_CHECK_S 10

/* Checks every ECIVM_LOG_CAP_CHECK_S on the default main context. */
guint ecivm_log_cap_start(void);

#endif
