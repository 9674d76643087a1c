/* Kernel modules from a list file, loaded in order with finit_module(2). */
#ifndef ECIVM_INIT_MODULES_H
#define ECIVM_INIT_MODULES_H

#include <stddef.h>

#define INIT_MODULES_LIST "/etc/ecivm/modules"

/* Loads every module named in LIST (paths relative to MODDIR, one a line,
 * '#' comments and blank lines skipped).  Already loaded is fine.  On error
 * the offending line is copied into FAILED. */
int modules_load(const char *list, const char *moddir, char *failed, size_t cap);

#endif
