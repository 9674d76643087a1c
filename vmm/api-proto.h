/* ecivmd's service protocol (pure codec), version 1.
 *
 * A unix stream socket carrying one JSON object per line ("\n"-terminated,
 * at most ECIVM_API_MAX_LINE bytes).  Request:
 *   {"v":1,"id":7,"method":"start","params":{"accel":"tcg","wait":true}}
 * Reply (same id):
 *   {"v":1,"id":7,"ok":true,"result":{...}}
 *   {"v":1,"id":7,"ok":false,"error":{"code":"state","message":"..."}}
 * Methods (closed set): ping, status, start {accel?, wait?}, stop {wait?},
 * restart {wait?}, subscribe, logs {source?, lines?, follow?}, settings-show,
 * settings-set {key, value}, settings-reset {key?} (vm-settings.h), attest
 * {nonce?} (attest.h: replies {document, publicKey, keyId} once the guest answered).  Logs
 * replies {"source":…,"lines":[…]}; with follow, new lines arrive as
 *   {"v":1,"event":"log","source":"guest","line":"..."}  After subscribe's reply the connection also
 * carries events, one per line, without an id:
 *   {"v":1,"event":"state","state":"ready","reason":"...","since":"..."}
 * Error codes: invalid (malformed request), unknown-method, state, refused,
 * io, internal.  JSON is json-glib's; nothing is parsed by hand.
 */
#ifndef ECIVM_VMM_API_PROTO_H
#define ECIVM_VMM_API_PROTO_H

#include <glib.h>
#include <json-glib/json-glib.h>

#define ECIVM_API_VERSION 1
#define ECIVM_API_MAX_LINE_BYTES 65536
#define ECIVM_API_MAX_LINE ECIVM_API_MAX_LINE_BYTES

typedef struct {
        gint64 id;
        char *method;
        JsonObject *params; /* never NULL (empty when absent) */
} EcivmApiRequest;

void ecivm_api_request_free(EcivmApiRequest *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmApiRequest, ecivm_api_request_free)

/* Strict: v must be 1, id a non-negative integer, method one of the closed
 * set, params an object if present, no other members.  On failure *ret_id
 * gets the id if one could be read (else -1) so the error can be answered. */
EcivmApiRequest *ecivm_api_request_parse(const char *line, gsize len, gint64 *ret_id, GError **error);
char *ecivm_api_request_build(gint64 id, const char *method, JsonObject *params);

/* Reply lines, newline included.  RESULT may be NULL ({}). */
char *ecivm_api_reply_ok(gint64 id, JsonNode *result);
char *ecivm_api_reply_error(gint64 id, const char *code, const char *message);
/* Error code for a GError from vmm/ (ECIVM_ERROR_* -> "state", ...). */
const char *ecivm_api_error_code(const GError *error);

/* Client side: returns the result node (new ref) or NULL with the server's
 * error message in ERROR. */
JsonNode *ecivm_api_reply_parse(const char *line, gsize len, gint64 *ret_id, GError **error);

#endif
