/* The dm-verity root, set up with device-mapper ioctls (no dmsetup in the
 * initramfs).  Helpers return -errno and name the failing step via WHAT. */
#ifndef ECIVM_INIT_VERITY_H
#define ECIVM_INIT_VERITY_H

#include <stddef.h>

#include "cmdline.h"

#define VERITY_DM_NAME "ecivm-root"
#define VERITY_DEV "/dev/ecivm-root"

/* Checks the hash device's veritysetup superblock against the cmdline, then
 * creates VERITY_DM_NAME read-only with the table
 *   0 <blocks*8> verity 1 <root> <hash dev> 4096 4096 <blocks> 1 sha256 <root hash> <salt>
 * (hash tree at hash block 1, after the superblock), resumes it and makes
 * the VERITY_DEV block node.  WHAT gets a static description on failure. */
int verity_setup(const struct init_cmdline *c, const char **what);

/* 'V' (verified so far), 'C' (a corrupted block was read), or -errno
 * (-ENXIO when no verity device exists). */
int verity_status(void);

#endif
