/* Pre-boot measurement: open each artifact once, hash what was opened, and
 * compare with the manifest.  QEMU is handed these very fds (as
 * /proc/self/fd/N), so what was measured is what is launched even if a path
 * is swapped afterwards. */
#ifndef ECIVM_VMM_MEASURE_H
#define ECIVM_VMM_MEASURE_H

#include <glib.h>

#include "cmdline.h"
#include "manifest.h"

typedef struct {
        EcivmManifest *manifest;
        int kernel_fd, initrd_fd, root_fd;
        char kernel_sha256[65], initrd_sha256[65], root_sha256[65];
        char *cmdline;
} EcivmMeasuredImage;

/* Refuses with "<artifact>: digest mismatch: expected X actual Y" (or a
 * cmdline mismatch) when anything differs from IMAGE_DIR/manifest.json. */
EcivmMeasuredImage *ecivm_measure_image(const char *image_dir, const EcivmCmdlineParams *params, GError **error);
void ecivm_measured_image_free(EcivmMeasuredImage *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmMeasuredImage, ecivm_measured_image_free)

#endif
