/* Kernel command line builder (pure).
 *
 * The result always starts with the fixed, security-relevant prefix
 * ECIVM_CMDLINE_FIXED, which nothing from the outside can alter.  Every
 * variable value is checked against [A-Za-z0-9/_.-] (device paths must also
 * be absolute) so no setting can smuggle in "init=", a second parameter or a
 * quoted string.  The parameters the guest reads are the keys of
 * WIRE_CMDLINE_KEYS (wire/contract.h), in the ecivm.* namespace.
 */
#ifndef ECIVM_VMM_CMDLINE_H
#define ECIVM_VMM_CMDLINE_H

#include <glib.h>

#include "contract.h"

#define ECIVM_CMDLINE_FIXED \
        "console=ttyS0 panic=-1 apparmor=0 lockdown=integrity module.sig_enforce=1"

typedef struct {
        const char *root_device;    /* ecivm.root */
        const char *rootfstype;     /* ecivm.rootfstype */
        const char *data_device;    /* ecivm.data */
        gboolean dockerd_iptables;  /* adds ecivm.dockerd_iptables=1 */
        guint heartbeat_seconds;    /* WIRE_CMDLINE_HEARTBEAT_MIN..MAX */
        gboolean probe;             /* adds ecivm.probe=1 (KVM probe boot) */
        gboolean quiet;             /* adds quiet */
        /* dm-verity root (all or none): adds ecivm.verity=<root hash>
         * ecivm.verity_salt=<salt> ecivm.verity_hash=<device>
         * ecivm.verity_blocks=<data blocks>; hash and salt are 64 lowercase
         * hex digits, the hash device differs from root and data. */
        const char *verity_root_hash;
        const char *verity_salt;
        const char *verity_hash_device;
        guint64 verity_data_blocks;
} EcivmCmdlineParams;

/* Fills P with the defaults the images are built for (WIRE_CMDLINE_DEFAULT_*
 * and WIRE_CMDLINE_HEARTBEAT_DEFAULT): no iptables, no probe, quiet, the
 * verity hash device but no verity values (the manifest has them). */
void ecivm_cmdline_params_init(EcivmCmdlineParams *p);

/* Returns the command line (g_free), or NULL with an ECIVM_ERROR_INVALID
 * error whose message starts with the offending field's name, e.g.
 * "root_device: invalid character ' ' at offset 8 (allowed: A-Za-z0-9/_.-)". */
char *ecivm_cmdline_build(const EcivmCmdlineParams *p, GError **error);

#endif
