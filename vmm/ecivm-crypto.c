/* ecivm-crypto: the libcrypto operations ecivmd needs, one per run, so the
 * long-running daemon never maps OpenSSL (crypto-helper.c is its client).
 *
 *   ecivm-crypto sha256 FD                   -> 64 hex digits of FD's content
 *   ecivm-crypto verify WHAT SIG KEY...      (data on stdin) -> signer key id
 *   ecivm-crypto sign KEY                    (data on stdin) -> base64 signature
 *   ecivm-crypto key-id PATH                 -> key id
 *   ecivm-crypto public-pem KEY              -> PEM of the public half
 *   ecivm-crypto keygen DIR NAME
 *
 * Results go to stdout.  A failure prints the GError message on stderr and
 * exits with ECIVM_CRYPTO_EXIT_BASE + its ECIVM_ERROR code, so the client
 * reports exactly what an in-process call would have. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "crypto-helper.h"
#include "digest.h"
#include "error.h"
#include "sign.h"

static GBytes *read_stdin(GError **error)
{
        g_autoptr(GByteArray) buf = g_byte_array_new();
        guint8 chunk[65536];

        for (;;) {
                ssize_t n = read(STDIN_FILENO, chunk, sizeof(chunk));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "stdin: %s", g_strerror(errno));
                        return NULL;
                }
                if (n == 0)
                        return g_byte_array_free_to_bytes(g_steal_pointer(&buf));
                g_byte_array_append(buf, chunk, (guint) n);
        }
}

static char *run(int argc, char **argv, GError **error)
{
        const char *op = argc > 1 ? argv[1] : "";
        g_autoptr(GBytes) in = NULL;
        char hex[ECIVM_SHA256_HEX_LEN + 1];
        char *key_id = NULL;
        gsize len = 0;
        const void *data;

        if (g_str_equal(op, "sha256") && argc == 3)
                return ecivm_sha256_fd((int) g_ascii_strtoll(argv[2], NULL, 10), hex, error) ? g_strdup(hex) : NULL;
        if (g_str_equal(op, "key-id") && argc == 3)
                return ecivm_sign_key_id(argv[2], error);
        if (g_str_equal(op, "public-pem") && argc == 3)
                return ecivm_sign_public_pem(argv[2], error);
        if (g_str_equal(op, "keygen") && argc == 4)
                return ecivm_sign_keygen(argv[2], argv[3], error) ? g_strdup("") : NULL;
        if ((g_str_equal(op, "sign") && argc == 3) || (g_str_equal(op, "verify") && argc >= 5)) {
                if (!(in = read_stdin(error)))
                        return NULL;
                data = g_bytes_get_data(in, &len);
                if (g_str_equal(op, "sign"))
                        return ecivm_sign_data(argv[2], data, len, error);
                if (!ecivm_sign_verify((const char *const *) argv + 4, argv[2], data, len, argv[3], &key_id, error))
                        return NULL;
                return key_id;
        }
        g_set_error_literal(error, ECIVM_ERROR, ECIVM_ERROR_INVALID,
                            "usage: ecivm-crypto sha256|verify|sign|key-id|public-pem|keygen ...");
        return NULL;
}

int main(int argc, char **argv)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *out = run(argc, argv, &error);

        if (out == NULL) {
                fprintf(stderr, "%s\n", error ? error->message : "failed");
                return ECIVM_CRYPTO_EXIT_BASE + (error && error->domain == ECIVM_ERROR ? error->code : ECIVM_ERROR_IO);
        }
        fputs(out, stdout);
        return fflush(stdout) == 0 ? 0 : ECIVM_CRYPTO_EXIT_BASE + ECIVM_ERROR_IO;
}
