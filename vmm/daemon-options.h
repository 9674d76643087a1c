/* The policy on dockerd options (linuxVM.dockerDaemonOptions), pure.
 *
 * An allow-list: only options that cannot weaken the VM's or the containers'
 * isolation reach the guest's daemon.json.  Options that would (runtimes,
 * default-runtime, hosts, userns-remap, authorization-plugins, seccomp-profile,
 * builder entitlements, ...) and the ones ecivm-init owns (data-root,
 * exec-root, containerd, iptables, storage-driver, ...) are refused with the
 * rule; anything not on the list is refused as unknown.  insecure-registries
 * passes only when ECI is not locked on by the administrator.
 */
#ifndef ECIVM_VMM_DAEMON_OPTIONS_H
#define ECIVM_VMM_DAEMON_OPTIONS_H

#include <glib.h>

typedef struct {
        gboolean eci_locked; /* the administrator locked ECI on */
} EcivmDaemonOptionsPolicy;

/* Parses TEXT (a JSON object; "" means {}) and returns the canonical JSON of
 * the allowed members.  Each refused member adds "KEY: REASON" to REFUSED
 * (may be NULL).  NULL with ERROR only when TEXT is not a JSON object. */
char *ecivm_daemon_options_filter(const char *text, const EcivmDaemonOptionsPolicy *policy, GPtrArray *refused,
                                  GError **error);

/* Why KEY (with VALUE's canonical JSON) is refused, or NULL if allowed. */
const char *ecivm_daemon_option_refusal(const char *key, const char *value_json,
                                        const EcivmDaemonOptionsPolicy *policy);

#endif
