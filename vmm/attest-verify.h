/* Offline verification of an attestation document (pure: every input is
 * bytes the caller read; no I/O).
 *
 * Checks, in this order; the first failure stops the run and is named:
 *   document        the envelope parses (attest.h), payloadType is ours
 *   signature       Ed25519 over the payload bytes with the given public key
 *   payload         the signed payload parses, every member has its type
 *   nonce           payload nonce == the expected one (skipped without one)
 *   instance        payload instance == the expected UUID (skipped without one)
 *   eventlog        the events replay to the recorded composite, the payload's
 *                   composite is that one, events are exactly kernel, initrd,
 *                   cmdline, root, settings, eci-config in that order
 *   manifest        the manifest parses; its signature verifies with the
 *                   manifest key (skipped without one)
 *   kernel, initrd  event digest == manifest sha256 (kernel: and release)
 *   cmdline         event cmdline == the manifest's, digest == its sha256
 *   root            event digest == verityRootHash; salt, dataBlocks and
 *                   hash tree digest == the manifest's
 *   settings, eci-config  digest == sha256 of the recorded text
 *   guest-nonce     the guest echoed the payload's nonce
 *   guest-cmdline   /proc/cmdline == the measured cmdline
 *   guest-kernel    uname release == manifest kernel.release
 *   guest-verity    dm-verity status "V" (verified, no corruption seen)
 *   guest-lockdown  the selected lockdown mode is integrity or confidentiality
 *   guest-tainted   /proc/sys/kernel/tainted == 0
 *   guest-runtime   daemon.json hashes to daemonJsonSha256; its runtimes and
 *                   default runtime are the recorded ones; the default is
 *                   runc and no other runtime is registered (the ECI runtime
 *                   is installed as runc) */
#ifndef ECIVM_VMM_ATTEST_VERIFY_H
#define ECIVM_VMM_ATTEST_VERIFY_H

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct {
        const char *document;     /* the document file */
        gsize document_len;
        const char *key_pem;      /* attestation public key (PEM) */
        const char *manifest;     /* manifest.json bytes */
        gsize manifest_len;
        const char *manifest_sig; /* manifest.json.sig text, or NULL */
        const char *manifest_key_pem; /* NULL: manifest signature not checked */
        const char *nonce;        /* expected nonce (hex), or NULL */
        const char *instance;     /* expected instance UUID, or NULL */
} EcivmAttestVerifyInput;

typedef enum { ECIVM_CHECK_PASS, ECIVM_CHECK_FAIL, ECIVM_CHECK_SKIP } EcivmCheckResult;

typedef struct {
        char *name;
        EcivmCheckResult result;
        char *detail;
} EcivmAttestCheck;

typedef struct {
        gboolean ok;
        GPtrArray *checks;          /* of EcivmAttestCheck *, in order run */
        const char *first_failure;  /* name of the failing check, or NULL */
        char *instance, *nonce;     /* from the payload once it parsed (else NULL) */
        JsonNode *evidence;         /* the payload's guest evidence once it parsed (else NULL) */
} EcivmAttestReport;

EcivmAttestReport *ecivm_attest_verify(const EcivmAttestVerifyInput *in);
void ecivm_attest_report_free(EcivmAttestReport *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmAttestReport, ecivm_attest_report_free)

const char *ecivm_check_result_name(EcivmCheckResult r);

/* {"ok":bool,"checks":[{"check","result","detail"}…],"firstFailure":name|null} */
JsonNode *ecivm_attest_report_to_json(const EcivmAttestReport *r);
/* "check | result | detail" lines for people. */
char *ecivm_attest_report_to_table(const EcivmAttestReport *r);

#endif
