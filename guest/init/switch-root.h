/* Leave the initramfs for the real root without exec'ing: we stay PID 1. */
#ifndef ECIVM_INIT_SWITCH_ROOT_H
#define ECIVM_INIT_SWITCH_ROOT_H

/* Moves /dev /proc /sys /run under NEWROOT, makes NEWROOT the root and frees
 * the initramfs (only files on its own device).  WHAT names the failing step. */
int switch_root(const char *newroot, const char **what);

#endif
