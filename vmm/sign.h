/* Ed25519 keys and detached signatures (OpenSSL libcrypto).
 *
 * Keys are PEM files: the private key PKCS#8 ("BEGIN PRIVATE KEY", written
 * 0600), the public key SubjectPublicKeyInfo ("BEGIN PUBLIC KEY").  A
 * signature file holds the 64-byte Ed25519 signature in base64 and a
 * newline; it signs the exact bytes of the file it sits beside (no JSON
 * canonicalisation: what was signed is what is parsed).  A key is named in
 * messages by its id: the first 16 hex digits of sha256(raw public key). */
#ifndef ECIVM_VMM_SIGN_H
#define ECIVM_VMM_SIGN_H

#include <glib.h>

#define ECIVM_SIG_B64_MAX 128

/* Writes DIR/NAME.key (0600, DIR created 0700) and DIR/NAME.pub (0644).
 * Refuses (ECIVM_ERROR_STATE) if NAME.key exists. */
gboolean ecivm_sign_keygen(const char *dir, const char *name, GError **error);

/* Base64 Ed25519 signature of DATA with the private key in KEY_PATH. */
char *ecivm_sign_data(const char *key_path, const void *data, gsize len, GError **error);

/* Verifies SIG_B64 (surrounding whitespace ignored) over DATA with any of
 * the public keys in PUB_PATHS (NULL-terminated, at least one).  On success
 * RET_KEY_ID (optional) gets the matching key's id.  ECIVM_ERROR_MISMATCH
 * "<what>: signature does not verify with any trusted key (<ids>)". */
gboolean ecivm_sign_verify(const char *const *pub_paths, const char *what, const void *data, gsize len,
                           const char *sig_b64, char **ret_key_id, GError **error);

/* Same with public keys given as PEM text (for the offline verifier). */
gboolean ecivm_sign_verify_pem(const char *pub_pem, const char *what, const void *data, gsize len,
                               const char *sig_b64, GError **error);

/* Id of the public key in PUB_PATH (or derived from a private key file). */
char *ecivm_sign_key_id(const char *path, GError **error);

/* PEM of the public half of the private key in KEY_PATH (for documents). */
char *ecivm_sign_public_pem(const char *key_path, GError **error);

#endif
