/* Console logging: one short kernel-style line per event, write-only. */
#ifndef ECIVM_INIT_LOG_H
#define ECIVM_INIT_LOG_H

#include "util.h"

/* Points stdin at /dev/null and stdout/stderr plus the log at /dev/console. */
int log_open_console(void);
void log_msg(const char *fmt, ...) _printf_(1, 2);
/* Logs "<msg>: <strerror(-error)>" and returns ERROR. */
int log_errno(int error, const char *fmt, ...) _printf_(2, 3);
/* Copies the last LINES lines of a service log written since offset FROM
 * to the console. */
void log_tail(const char *name, const char *path, off_t from, unsigned lines);
/* Writes TEXT verbatim (no prefix) to the console. */
void log_raw(const char *text);

#endif
