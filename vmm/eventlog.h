/* The boot event log (pure): what ecivmd measured before a boot, in order,
 * with a running composite M = sha256(M || digest), M0 = 32 zero bytes.
 *
 * JSON in the spirit of TCG CEL (JSON encoding), one software register:
 *   { "logVersion": 1, "hashAlg": "sha256", "pcr": 23,
 *     "events": [ { "recnum": 0, "pcr": 23,
 *                   "digests": [ { "hashAlg": "sha256", "digest": "<64 hex>" } ],
 *                   "content_type": "ecivm", "content": { "event": "kernel", … } }, … ],
 *     "composite": "<64 hex>" }
 * pcr 23 is the TCG "application support" register; nothing is extended
 * into a real TPM (there is none): the composite is carried in the signed
 * attestation document.  Events, in this order:
 *   kernel     sha256 of the kernel file          content: path, release
 *   initrd     sha256 of the initrd file          content: path
 *   cmdline    sha256 of the command line bytes   content: cmdline
 *   root       the dm-verity root hash itself     content: verityRootHash, veritySalt,
 *                                                          dataBlocks, hashTreeSha256
 *   settings   sha256 of the canonical launch settings text (see content.text)
 *   eci-config sha256 of the ECI runtime config the daemon pushes (none yet:
 *              the empty document; content.note says so)
 */
#ifndef ECIVM_VMM_EVENTLOG_H
#define ECIVM_VMM_EVENTLOG_H

#include <glib.h>
#include <json-glib/json-glib.h>

#define ECIVM_EVENTLOG_PCR 23
#define ECIVM_EVENTLOG_MAX_EVENTS 64

typedef struct {
        char *event;     /* kernel, initrd, cmdline, root, settings, eci-config */
        char digest[65]; /* lowercase hex sha256 */
        JsonNode *content; /* object, includes "event" */
} EcivmEvent;

typedef struct {
        GPtrArray *events; /* of EcivmEvent * */
        guint8 composite[32];
} EcivmEventLog;

EcivmEventLog *ecivm_event_log_new(void);
void ecivm_event_log_free(EcivmEventLog *log);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmEventLog, ecivm_event_log_free)

/* Appends an event and extends the composite.  CONTENT (transfer full, an
 * object or NULL) gets "event" set.  ECIVM_ERROR_INVALID for a bad digest. */
gboolean ecivm_event_log_add(EcivmEventLog *log, const char *event, const char *digest_hex, JsonNode *content,
                             GError **error);

/* Lowercase hex of the composite (g_free). */
char *ecivm_event_log_composite(const EcivmEventLog *log);

/* The JSON above (new reference). */
JsonNode *ecivm_event_log_to_json(const EcivmEventLog *log);

/* Strict parse; replays the events and refuses ("eventLog: composite does not
 * match the replayed events: recorded X replayed Y") a log whose recorded
 * composite differs, or records out of order (recnum). */
EcivmEventLog *ecivm_event_log_from_json(JsonNode *node, GError **error);

/* The event named EVENT, or NULL. */
const EcivmEvent *ecivm_event_log_find(const EcivmEventLog *log, const char *event);

/* What the daemon measured for one boot, as the standard event list. */
typedef struct {
        const char *kernel_path, *kernel_release, *kernel_sha256;
        const char *initrd_path, *initrd_sha256;
        const char *cmdline;
        const char *verity_root_hash, *verity_salt, *hash_tree_sha256;
        guint64 data_blocks;
        const char *settings_text;   /* canonical "key=value\n" lines */
        const char *eci_config_text; /* NULL: none pushed yet (empty document) */
} EcivmBootMeasurements;

EcivmEventLog *ecivm_event_log_for_boot(const EcivmBootMeasurements *b, GError **error);

#endif
