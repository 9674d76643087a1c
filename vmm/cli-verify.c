/* ecivm verify: offline verification of an attestation document against a
 * manifest and the attestation public key (attest-verify.h).  Needs no
 * daemon; exit 0 only when every check passed. */
#include <stdio.h>

#include "attest-verify.h"
#include "attest.h"
#include "cli.h"
#include "manifest.h"

static char *read_input(const char *path, const char *what, gsize max, gsize *ret_len)
{
        g_autoptr(GError) error = NULL;
        char *text = NULL;
        gsize len = 0;

        if (!g_file_get_contents(path, &text, &len, &error)) {
                fprintf(stderr, "ecivm verify: %s: %s\n", what, error->message);
                return NULL;
        }
        if (len > max) {
                fprintf(stderr, "ecivm verify: %s: %s: larger than %" G_GSIZE_FORMAT " bytes\n", what, path, max);
                g_free(text);
                return NULL;
        }
        if (ret_len)
                *ret_len = len;
        return text;
}

static int report(const EcivmAttestReport *r, gboolean json)
{
        if (json) {
                g_autoptr(JsonNode) n = ecivm_attest_report_to_json(r);
                g_autofree char *text = json_to_string(n, TRUE);
                printf("%s\n", text);
        } else {
                g_autofree char *table = ecivm_attest_report_to_table(r);
                fputs(table, stdout);
        }
        return r->ok ? CLI_OK : CLI_FAILED;
}

int ecivm_cli_verify(EcivmCli *cli, int argc, char **argv)
{
        g_autofree char *manifest = NULL, *manifest_key = NULL, *key = NULL, *nonce = NULL, *instance = NULL;
        gboolean json = FALSE;
        GOptionEntry entries[] = {
                { "manifest", 0, 0, G_OPTION_ARG_FILENAME, &manifest, "The image manifest (required)", "M" },
                { "manifest-key", 0, 0, G_OPTION_ARG_FILENAME, &manifest_key,
                  "Check the manifest's signature (M.sig) with this public key", "PUB" },
                { "key", 0, 0, G_OPTION_ARG_FILENAME, &key, "Attestation public key (required)", "PUB" },
                { "nonce", 0, 0, G_OPTION_ARG_STRING, &nonce, "Expected nonce", "HEX" },
                { "instance", 0, 0, G_OPTION_ARG_STRING, &instance, "Expected VM instance UUID", "UUID" },
                { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Machine-readable output", NULL },
                { NULL },
        };
        g_autoptr(GOptionContext) ctx = g_option_context_new("DOC - verify an attestation document offline");
        g_autoptr(GError) error = NULL;
        g_autofree char *doc = NULL, *key_pem = NULL, *m = NULL, *m_sig = NULL, *m_key = NULL, *sig_path = NULL;
        g_autoptr(EcivmAttestReport) r = NULL;
        EcivmAttestVerifyInput in = { 0 };

        (void) cli;
        g_option_context_add_main_entries(ctx, entries, NULL);
        g_set_prgname("verify");
        if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc != 2 || !manifest || !key) {
                fprintf(stderr, "ecivm verify: %s\n",
                        error ? error->message : "usage: ecivm verify DOC --manifest M --key PUB [--manifest-key PUB] "
                                                 "[--nonce HEX] [--instance UUID] [--json]");
                return CLI_USAGE;
        }
        if (!(doc = read_input(argv[1], "document", ECIVM_ATTEST_DOC_MAX, &in.document_len)) ||
            !(key_pem = read_input(key, "--key", 64 * 1024, NULL)) ||
            !(m = read_input(manifest, "--manifest", ECIVM_MANIFEST_MAX_SIZE, &in.manifest_len)) ||
            (manifest_key && !(m_key = read_input(manifest_key, "--manifest-key", 64 * 1024, NULL))))
                return CLI_FAILED;
        sig_path = g_strconcat(manifest, ".sig", NULL);
        if (manifest_key)
                (void) g_file_get_contents(sig_path, &m_sig, NULL, NULL);
        in.document = doc;
        in.key_pem = key_pem;
        in.manifest = m;
        in.manifest_sig = m_sig;
        in.manifest_key_pem = m_key;
        in.nonce = nonce;
        in.instance = instance;
        r = ecivm_attest_verify(&in);
        return report(r, json);
}
