/* ecivm security-report, the pure part: the seed's security table for this
 * VM, computed from facts gathered live (cli-security-report.c gathers them:
 * a fresh attestation verified against the manifest, the host's kernel,
 * probe requests through the Docker socket, the settings, QEMU's argv).
 * Nothing is a constant: a row says Yes only when its facts show it.
 *
 * Facts (a JSON object; a missing member is a fact that could not be had):
 *   attestation: {"ok", "checks": [{"check","result","detail"}], "evidence": {...}}
 *   host:        {"kernel", "bootId", "kernelSha256"}
 *   probes:      {"uidMap" | "uidMapError", "pidHost": {"status","message"},
 *                 "socketMount": {"status","message"}, and the live probes of
 *                 the isolation classes "vmPathVolume", "otherContainers",
 *                 "filterDifferential", "runcBind", "runtimeBind":
 *                 {"request","stage": "create"|"start","status","message",
 *                  "effect": created or started, "removed", and for binds
 *                  "source"}}
 *   settings:    the daemon's settings-show result
 *   qemuArgv:    [...] (absent with the libvirt backend)
 */
#ifndef ECIVM_VMM_SECURITY_REPORT_H
#define ECIVM_VMM_SECURITY_REPORT_H

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct {
        const char *property;
        gboolean secure;
        GPtrArray *evidence; /* char *: what was checked and what it showed */
} EcivmSecurityRow;

/* GPtrArray of EcivmSecurityRow *, in the table's order. */
GPtrArray *ecivm_security_rows(JsonObject *facts);
gboolean ecivm_security_all_secure(GPtrArray *rows);
JsonNode *ecivm_security_rows_to_json(GPtrArray *rows);
char *ecivm_security_rows_to_table(GPtrArray *rows);

#endif
