#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <openssl/evp.h>

#include "digest.h"
#include "error.h"

#define CHUNK (1024 * 1024)

static void
evp_md_ctx_cleanup(EVP_MD_CTX *ctx)
{
        EVP_MD_CTX_free(ctx);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_MD_CTX, evp_md_ctx_cleanup)

gboolean
ecivm_sha256_fd(int fd, char out[ECIVM_SHA256_HEX_LEN + 1], GError **error)
{
        g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new();
        g_autofree guchar *buf = g_malloc(CHUNK);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int md_len = 0;
        off_t off = 0;

        g_return_val_if_fail(out != NULL, FALSE);
        if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
                g_set_error_literal(error, ECIVM_ERROR, ECIVM_ERROR_IO, "sha256: OpenSSL digest init failed");
                return FALSE;
        }
        for (;;) {
                ssize_t n = pread(fd, buf, CHUNK, off);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int saved = errno;
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "sha256: read at offset %lld: %s",
                                    (long long)off, g_strerror(saved));
                        return FALSE;
                }
                if (n == 0)
                        break;
                if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) {
                        g_set_error_literal(error, ECIVM_ERROR, ECIVM_ERROR_IO, "sha256: OpenSSL digest update failed");
                        return FALSE;
                }
                off += n;
        }
        if (EVP_DigestFinal_ex(ctx, md, &md_len) != 1 || md_len * 2 != ECIVM_SHA256_HEX_LEN) {
                g_set_error_literal(error, ECIVM_ERROR, ECIVM_ERROR_IO, "sha256: OpenSSL digest final failed");
                return FALSE;
        }
        for (unsigned int i = 0; i < md_len; i++) {
                out[2 * i] = "0123456789abcdef"[md[i] >> 4];
                out[2 * i + 1] = "0123456789abcdef"[md[i] & 0xf];
        }
        out[ECIVM_SHA256_HEX_LEN] = '\0';
        return TRUE;
}

gboolean
ecivm_sha256_file(const char *path, char out[ECIVM_SHA256_HEX_LEN + 1], GError **error)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        gboolean ok;

        if (fd < 0) {
                int saved = errno;
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s: %s", path, g_strerror(saved));
                return FALSE;
        }
        ok = ecivm_sha256_fd(fd, out, error);
        if (!ok)
                g_prefix_error(error, "%s: ", path);
        g_close(fd, NULL);
        return ok;
}
