/* Every mount ecivm-init makes; each helper returns -errno and names the
 * failing mount point through WHAT (a static string or the caller's path). */
#ifndef ECIVM_INIT_MOUNTS_H
#define ECIVM_INIT_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>

#define INIT_NEWROOT "/newroot"

int mounts_early(const char **what);
int mounts_root(const char *dev, const char *fstype, const char **what);
/* 1 if DEV carries an ext4 superblock, 0 if not, -errno on read errors. */
int mounts_has_ext4(const char *dev);
int mounts_data(const char *dev, const char **what);
int mounts_stage2(const char **what);
/* In a child about to exec dockerd: a mount namespace of its own that
 * shares only WIRE_PATH_DOCKER_ROOT and WIRE_PATH_DOCKER_EXEC_ROOT with the VM. */
int mounts_enter_dockerd_namespace(void);
/* Unmounts everything at or below PREFIX, deepest first; busy ones lazily. */
void mounts_umount_tree(const char *prefix);

#endif
