/* ecivmd's digest.h and sign.h: each call runs ecivm-crypto
 * (crypto-helper.h).  Only the functions the daemon calls are here; the
 * daemon does not link libcrypto, so any other use fails to link. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <sys/wait.h>

#include "child.h"
#include "crypto-helper.h"
#include "digest.h"
#include "error.h"
#include "self-path.h"
#include "sign.h"

#define HELPER_FD 3

static gboolean set_failure(int status, const GString *err, GError **error)
{
        g_autofree char *msg = g_strstrip(g_strndup(err->str, err->len));
        int code = ECIVM_ERROR_IO;

        if (WIFEXITED(status)) {
                int st = WEXITSTATUS(status);

                if (st >= ECIVM_CRYPTO_EXIT_BASE && st <= ECIVM_CRYPTO_EXIT_BASE + ECIVM_ERROR_PROTOCOL)
                        code = st - ECIVM_CRYPTO_EXIT_BASE;
                if (!*msg) {
                        g_free(msg);
                        msg = g_strdup_printf(ECIVM_CRYPTO_HELPER ": exit status %d", st);
                }
        } else if (!*msg) {
                g_free(msg);
                msg = g_strdup_printf(ECIVM_CRYPTO_HELPER ": killed by signal %d", WTERMSIG(status));
        }
        g_set_error_literal(error, ECIVM_ERROR, code, msg);
        return FALSE;
}

/* Runs the helper with ARGS (NULL-terminated), IN on its stdin and, if
 * PASS_FD >= 0, a duplicate of it as fd HELPER_FD.  *RET_OUT: its stdout. */
static gboolean helper(const char *const *args, int pass_fd, const void *in, gsize in_len, char **ret_out,
                       GError **error)
{
        g_autofree char *path = ecivm_path_beside_self(ECIVM_CRYPTO_HELPER, ECIVM_LIBEXECDIR);
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autoptr(GString) out = NULL, err = NULL;
        EcivmChildFd fd = { -1, HELPER_FD };
        int status;

        if (pass_fd >= 0) {
                fd.fd = fcntl(pass_fd, F_DUPFD_CLOEXEC, HELPER_FD + 1);
                if (fd.fd < 0) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "dup: %s", g_strerror(errno));
                        return FALSE;
                }
        }
        g_ptr_array_add(argv, path);
        for (; *args; args++)
                g_ptr_array_add(argv, (gpointer) *args);
        g_ptr_array_add(argv, NULL);
        if (!ecivm_child_communicate((const char *const *) argv->pdata, &fd, pass_fd >= 0 ? 1 : 0, in, in_len, &out,
                                     &err, &status, error)) {
                g_prefix_error(error, "%s: ", path);
                return FALSE;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return set_failure(status, err, error);
        if (ret_out)
                *ret_out = g_strndup(out->str, out->len);
        return TRUE;
}

gboolean ecivm_sha256_fd(int fd, char out[ECIVM_SHA256_HEX_LEN + 1], GError **error)
{
        const char *const args[] = { "sha256", G_STRINGIFY(HELPER_FD), NULL };
        g_autofree char *hex = NULL;

        if (!helper(args, fd, NULL, 0, &hex, error))
                return FALSE;
        if (strlen(hex) != ECIVM_SHA256_HEX_LEN || strspn(hex, "0123456789abcdef") != ECIVM_SHA256_HEX_LEN) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_PROTOCOL, ECIVM_CRYPTO_HELPER ": sha256: bad output");
                return FALSE;
        }
        memcpy(out, hex, ECIVM_SHA256_HEX_LEN + 1);
        return TRUE;
}

gboolean ecivm_sign_verify(const char *const *pub_paths, const char *what, const void *data, gsize len,
                           const char *sig_b64, char **ret_key_id, GError **error)
{
        g_autoptr(GPtrArray) args = g_ptr_array_new();
        g_autofree char *id = NULL;

        g_ptr_array_add(args, (gpointer) "verify");
        g_ptr_array_add(args, (gpointer) what);
        g_ptr_array_add(args, (gpointer) sig_b64);
        for (; pub_paths && *pub_paths; pub_paths++)
                g_ptr_array_add(args, (gpointer) *pub_paths);
        g_ptr_array_add(args, NULL);
        if (!helper((const char *const *) args->pdata, -1, data, len, &id, error))
                return FALSE;
        if (ret_key_id)
                *ret_key_id = g_steal_pointer(&id);
        return TRUE;
}

char *ecivm_sign_data(const char *key_path, const void *data, gsize len, GError **error)
{
        const char *const args[] = { "sign", key_path, NULL };
        char *sig = NULL;

        return helper(args, -1, data, len, &sig, error) ? sig : NULL;
}

char *ecivm_sign_key_id(const char *path, GError **error)
{
        const char *const args[] = { "key-id", path, NULL };
        char *id = NULL;

        return helper(args, -1, NULL, 0, &id, error) ? id : NULL;
}

char *ecivm_sign_public_pem(const char *key_path, GError **error)
{
        const char *const args[] = { "public-pem", key_path, NULL };
        char *pem = NULL;

        return helper(args, -1, NULL, 0, &pem, error) ? pem : NULL;
}

gboolean ecivm_sign_keygen(const char *dir, const char *name, GError **error)
{
        const char *const args[] = { "keygen", dir, name, NULL };

        return helper(args, -1, NULL, 0, NULL, error);
}
