/* Pre-boot measurement: verify the manifest's signature, open each artifact
 * once, hash what was opened, and compare with the manifest.  QEMU is handed
 * these very fds (as /proc/self/fd/N), so what was measured is what is
 * launched even if a path is swapped afterwards.
 *
 * Order: read manifest.json and manifest.json.sig once; verify the
 * signature over those exact bytes against the trusted keys; parse the same
 * bytes; hash kernel, initrd and the root's dm-verity hash tree; check the
 * root image's size against root.dataBlocks (its content is checked block by
 * block by dm-verity in the guest, keyed by the root hash on the measured
 * command line); build the command line and compare it with the manifest's. */
#ifndef ECIVM_VMM_MEASURE_H
#define ECIVM_VMM_MEASURE_H

#include <glib.h>

#include "cmdline.h"
#include "eventlog.h"
#include "manifest.h"
#include "vm.h"

#define ECIVM_MANIFEST_SIG_SUFFIX ".sig"

typedef struct {
        EcivmManifest *manifest;
        char manifest_sha256[65]; /* of the signed bytes */
        char *signer;             /* id of the trusted key that verified it */
        int kernel_fd, initrd_fd, root_fd, hash_tree_fd;
        char kernel_sha256[65], initrd_sha256[65], hash_tree_sha256[65];
        char *cmdline;
        EcivmEventLog *event_log; /* set by ecivm_measured_image_log() */
} EcivmMeasuredImage;

/* TRUSTED_KEYS: public key files (NULL-terminated); NULL or empty means
 * every *.pub in ECIVM_DEFAULT_TRUSTED_KEY_DIR.  Refuses with
 * "manifest.json: signature …", "<artifact>: digest mismatch: expected X
 * actual Y", "root: size mismatch: …" or a cmdline mismatch. */
EcivmMeasuredImage *ecivm_measure_image(const char *image_dir, const char *const *trusted_keys,
                                        const EcivmCmdlineParams *params, GError **error);
void ecivm_measured_image_free(EcivmMeasuredImage *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmMeasuredImage, ecivm_measured_image_free)

/* Records the boot's event log (eventlog.h) in M->event_log.  The settings
 * event is the digest of the launch settings that exist today (issue 4 will
 * bring user/admin settings): CONFIG's accel mode, cpus, memory, data disk
 * size, boot timeout, QEMU binary and image dir, as canonical "key=value\n"
 * lines in that order.
 * SETTINGS: the canonical effective settings (admin + user, locked keys
 * named), recorded with the launch parameters the daemon adds to them;
 * ECI_CONFIG: the runtime's eci.json the guest gets (NULL: none). */
gboolean ecivm_measured_image_log(EcivmMeasuredImage *m, const EcivmVmConfig *config, const char *settings,
                                  const char *eci_config, GError **error);

#define ECIVM_DEFAULT_TRUSTED_KEY_DIR ECIVM_SYSCONFDIR "/ecivm/trusted-keys"

/* The default trusted keys (sorted), possibly empty. */
GStrv ecivm_default_trusted_keys(void);

#endif
