/* Attestation documents (pure): the guest's evidence, the signed payload
 * and its envelope.  No I/O; vm-attest.c gathers and signs, attest-verify.c
 * checks.
 *
 * The document file is an envelope around the exact bytes that were signed
 * (the manifest's rule: what was signed is what is parsed, no JSON
 * canonicalisation on either side):
 *   { "payloadType": "application/vnd.ecivm.attestation.v1+json",
 *     "payload": "<base64 of the payload JSON bytes>",
 *     "signature": "<base64 Ed25519 signature over those bytes>",
 *     "keyId": "<first 16 hex of sha256(raw public key)>" }
 * One self-contained file (unlike manifest.json + .sig) that survives
 * re-indenting or re-encoding of the envelope by whoever carries it.
 *
 * Payload (members in this order):
 *   { "attestationVersion": 1, "instance": "<uuid, per boot>",
 *     "bootTime": "<ISO 8601 UTC, QEMU exec>", "issuedAt": "<ISO 8601 UTC>",
 *     "nonce": "<lowercase hex, may be empty>",
 *     "manifestSigner": "<key id>", "manifestSha256": "<of the signed manifest bytes>",
 *     "eventLog": { eventlog.h }, "composite": "<64 hex>",
 *     "evidence": { the members of WIRE_EVIDENCE_FIELDS, then those of
 *                   WIRE_EVIDENCE_DERIVED (wire/contract.h) } } */
#ifndef ECIVM_VMM_ATTEST_H
#define ECIVM_VMM_ATTEST_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "wire.h"

#define ECIVM_ATTEST_VERSION 1
#define ECIVM_ATTEST_PAYLOAD_TYPE "application/vnd.ecivm.attestation.v1+json"
#define ECIVM_ATTEST_NONCE_MAX_BYTES 64 /* 128 hex digits (WIRE_EVIDENCE_NONCE_MAX) */
#define ECIVM_ATTEST_DOC_MAX (1024 * 1024)
#define ECIVM_ATTEST_DOCKER_DEFAULT_RUNTIME "runc"

/* NONCE: empty or an even number of hex digits, at most 64 bytes.
 * ECIVM_ERROR_INVALID "<what>: expected hex digits" / "…: longer than 64 bytes". */
gboolean ecivm_attest_nonce_check(const char *nonce, const char *what, GError **error);

/* The "attest" request's params: {nonce?} and nothing else. */
gboolean ecivm_attest_params_check(JsonObject *params, GError **error);

/* The runtimes and default runtime of a daemon.json text (as above).
 * ECIVM_ERROR_INVALID if it is not a JSON object or the members have the
 * wrong type. */
gboolean ecivm_attest_daemon_json_runtimes(const char *text, GStrv *ret_runtimes, char **ret_default,
                                           GError **error);

/* Guest EVIDENCE_REPLY -> the "evidence" object (new reference).
 * ECIVM_ERROR_PROTOCOL for a missing field, bad hex, a length that does not
 * match, or a daemon.json that is not JSON. */
JsonNode *ecivm_attest_evidence_from_wire(const struct wire_control *c, GError **error);

typedef struct {
        const char *instance;
        gint64 boot_time_us; /* real time */
        gint64 issued_at_us;
        const char *nonce;
        const char *manifest_signer;
        const char *manifest_sha256;
        JsonNode *event_log; /* eventlog.h JSON */
        const char *composite;
        JsonNode *evidence;
} EcivmAttestPayload;

/* The payload bytes to sign (compact JSON, no trailing newline). */
char *ecivm_attest_payload_build(const EcivmAttestPayload *p);

/* The envelope around PAYLOAD (new reference). */
JsonNode *ecivm_attest_envelope(const char *payload, const char *signature_b64, const char *key_id);

/* ISO 8601 UTC with seconds ("2025-01-02T03:04:05Z"). */
char *ecivm_attest_iso8601(gint64 real_time_us);

#endif
