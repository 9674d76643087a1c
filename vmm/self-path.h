/* Where ecivmd finds its helpers and modules. */
#ifndef ECIVM_VMM_SELF_PATH_H
#define ECIVM_VMM_SELF_PATH_H

#include <glib.h>

/* NAME beside the running binary if it exists there (a build tree: vmm/),
 * else INSTALLED_DIR/NAME.  Whoever can write beside the binary can replace
 * the binary itself, so the file is trusted as much as the binary is. */
char *ecivm_path_beside_self(const char *name, const char *installed_dir);

#endif
