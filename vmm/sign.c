#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "error.h"
#include "sign.h"

#define ED25519_SIG_LEN 64
#define ED25519_PUB_LEN 32

static void evp_pkey_cleanup(EVP_PKEY *k)
{
        EVP_PKEY_free(k);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_PKEY, evp_pkey_cleanup)

static void evp_md_ctx_cleanup(EVP_MD_CTX *c)
{
        EVP_MD_CTX_free(c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_MD_CTX, evp_md_ctx_cleanup)

static void bio_cleanup(BIO *b)
{
        BIO_free(b);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIO, bio_cleanup)

static gboolean is_ed25519(EVP_PKEY *k, const char *path, GError **error)
{
        if (EVP_PKEY_id(k) != EVP_PKEY_ED25519) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: not an Ed25519 key", path);
                return FALSE;
        }
        return TRUE;
}

static EVP_PKEY *load_pem(const char *path, const char *text, gsize len, gboolean private_key, GError **error)
{
        g_autoptr(BIO) bio = BIO_new_mem_buf(text, (int) len);
        EVP_PKEY *k;

        if (bio == NULL) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s: out of memory", path);
                return NULL;
        }
        k = private_key ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        if (k == NULL) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: not a PEM %s key", path,
                            private_key ? "private" : "public");
                return NULL;
        }
        if (!is_ed25519(k, path, error)) {
                EVP_PKEY_free(k);
                return NULL;
        }
        return k;
}

static EVP_PKEY *load_file(const char *path, gboolean private_key, GError **error)
{
        g_autofree char *text = NULL;
        gsize len = 0;
        g_autoptr(GError) local = NULL;

        if (!g_file_get_contents(path, &text, &len, &local)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s", local->message);
                return NULL;
        }
        if (len > 64 * 1024) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: too large for a key", path);
                return NULL;
        }
        return load_pem(path, text, len, private_key, error);
}

static char *pkey_id(EVP_PKEY *k)
{
        unsigned char raw[ED25519_PUB_LEN];
        size_t len = sizeof(raw);
        g_autofree char *hex = NULL;

        if (EVP_PKEY_get_raw_public_key(k, raw, &len) != 1)
                return g_strdup("unknown");
        hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, raw, len);
        return g_strndup(hex, 16);
}

static char *pem_of(EVP_PKEY *k, gboolean private_key)
{
        g_autoptr(BIO) bio = BIO_new(BIO_s_mem());
        char *data = NULL;
        long n;

        if (bio == NULL)
                return NULL;
        if ((private_key ? PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL)
                         : PEM_write_bio_PUBKEY(bio, k)) != 1)
                return NULL;
        n = BIO_get_mem_data(bio, &data);
        return n > 0 ? g_strndup(data, (gsize) n) : NULL;
}

static gboolean write_new(const char *path, const char *text, mode_t mode, GError **error)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        gsize len = strlen(text);

        if (fd < 0) {
                g_set_error(error, ECIVM_ERROR, errno == EEXIST ? ECIVM_ERROR_STATE : ECIVM_ERROR_IO, "%s: %s",
                            path, g_strerror(errno));
                return FALSE;
        }
        if (fchmod(fd, mode) < 0 || write(fd, text, len) != (ssize_t) len || fsync(fd) < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s: %s", path, g_strerror(errno));
                close(fd);
                (void) unlink(path);
                return FALSE;
        }
        return close(fd) == 0;
}

gboolean ecivm_sign_keygen(const char *dir, const char *name, GError **error)
{
        g_autofree char *key_path = g_strdup_printf("%s/%s.key", dir, name);
        g_autofree char *pub_path = g_strdup_printf("%s/%s.pub", dir, name);
        g_autoptr(EVP_PKEY) k = NULL;
        g_autofree char *priv = NULL, *pub = NULL;

        if (g_mkdir_with_parents(dir, 0700) < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s: %s", dir, g_strerror(errno));
                return FALSE;
        }
        k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        if (k == NULL) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "Ed25519 key generation failed");
                return FALSE;
        }
        priv = pem_of(k, TRUE);
        pub = pem_of(k, FALSE);
        if (priv == NULL || pub == NULL) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "PEM encoding failed");
                return FALSE;
        }
        if (!write_new(key_path, priv, 0600, error))
                return FALSE;
        (void) unlink(pub_path);
        return write_new(pub_path, pub, 0644, error);
}

char *ecivm_sign_data(const char *key_path, const void *data, gsize len, GError **error)
{
        g_autoptr(EVP_PKEY) k = load_file(key_path, TRUE, error);
        g_autoptr(EVP_MD_CTX) ctx = NULL;
        unsigned char sig[ED25519_SIG_LEN];
        size_t sig_len = sizeof(sig);

        if (k == NULL)
                return NULL;
        ctx = EVP_MD_CTX_new();
        if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) != 1 ||
            EVP_DigestSign(ctx, sig, &sig_len, data, len) != 1) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s: signing failed", key_path);
                return NULL;
        }
        return g_base64_encode(sig, sig_len);
}

/* 1 verified, 0 not, -1 malformed signature text. */
static int verify_one(EVP_PKEY *k, const void *data, gsize len, const char *sig_b64)
{
        g_autofree char *trimmed = g_strstrip(g_strdup(sig_b64));
        g_autofree guchar *sig = NULL;
        gsize sig_len = 0;
        g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new();

        if (trimmed[0] == '\0' || strlen(trimmed) > ECIVM_SIG_B64_MAX ||
            strspn(trimmed, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != strlen(trimmed))
                return -1;
        sig = g_base64_decode(trimmed, &sig_len);
        if (sig_len != ED25519_SIG_LEN)
                return -1;
        if (ctx == NULL || EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) != 1)
                return 0;
        return EVP_DigestVerify(ctx, sig, sig_len, data, len) == 1 ? 1 : 0;
}

gboolean ecivm_sign_verify(const char *const *pub_paths, const char *what, const void *data, gsize len,
                           const char *sig_b64, char **ret_key_id, GError **error)
{
        g_autoptr(GString) ids = g_string_new(NULL);

        if (pub_paths == NULL || pub_paths[0] == NULL) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_REFUSED, "%s: no trusted key configured", what);
                return FALSE;
        }
        for (guint i = 0; pub_paths[i] != NULL; i++) {
                g_autoptr(EVP_PKEY) k = load_file(pub_paths[i], FALSE, error);
                g_autofree char *id = NULL;
                int r;

                if (k == NULL) {
                        g_prefix_error(error, "trusted key: ");
                        return FALSE;
                }
                id = pkey_id(k);
                r = verify_one(k, data, len, sig_b64);
                if (r < 0) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID,
                                    "%s: signature is not a base64 Ed25519 signature", what);
                        return FALSE;
                }
                if (r == 1) {
                        if (ret_key_id)
                                *ret_key_id = g_steal_pointer(&id);
                        return TRUE;
                }
                g_string_append_printf(ids, "%s%s", ids->len ? ", " : "", id);
        }
        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_MISMATCH,
                    "%s: signature does not verify with any trusted key (%s)", what, ids->str);
        return FALSE;
}

gboolean ecivm_sign_verify_pem(const char *pub_pem, const char *what, const void *data, gsize len,
                               const char *sig_b64, GError **error)
{
        g_autoptr(EVP_PKEY) k = load_pem("public key", pub_pem, strlen(pub_pem), FALSE, error);
        g_autofree char *id = NULL;
        int r;

        if (k == NULL)
                return FALSE;
        r = verify_one(k, data, len, sig_b64);
        if (r < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: signature is not a base64 Ed25519 signature",
                            what);
                return FALSE;
        }
        if (r == 0) {
                id = pkey_id(k);
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_MISMATCH, "%s: signature does not verify with key %s",
                            what, id);
                return FALSE;
        }
        return TRUE;
}

char *ecivm_sign_key_id(const char *path, GError **error)
{
        g_autoptr(EVP_PKEY) k = load_file(path, FALSE, NULL);

        if (k == NULL)
                k = load_file(path, TRUE, error);
        return k ? pkey_id(k) : NULL;
}

char *ecivm_sign_public_pem(const char *key_path, GError **error)
{
        g_autoptr(EVP_PKEY) k = load_file(key_path, TRUE, error);
        char *pem;

        if (k == NULL)
                return NULL;
        pem = pem_of(k, FALSE);
        if (pem == NULL)
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s: PEM encoding failed", key_path);
        return pem;
}
