/* ecivm attest: a signed attestation document for the running VM
 * (attest.h), written to stdout or --out.  The daemon asks the guest for
 * evidence and signs with its attestation key; where that key's public half
 * is goes to stderr. */
#include <stdio.h>
#include <string.h>

#include "attest.h"
#include "cli.h"
#include "error.h"

static char *random_nonce(void)
{
        GString *s = g_string_new(NULL);

        for (int i = 0; i < 8; i++)
                g_string_append_printf(s, "%08x", g_random_int());
        return g_string_free(s, FALSE);
}

int ecivm_cli_attest(EcivmCli *cli, int argc, char **argv)
{
        g_autofree char *nonce = NULL, *out = NULL, *text = NULL;
        GOptionEntry entries[] = {
                { "nonce", 0, 0, G_OPTION_ARG_STRING, &nonce, "Nonce to bind (hex, up to 64 bytes; default: random)",
                  "HEX" },
                { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Write the document to FILE (default: stdout)", "FILE" },
                { NULL },
        };
        g_autoptr(JsonObject) params = json_object_new();
        g_autoptr(JsonNode) result = NULL;
        g_autoptr(GError) error = NULL;
        JsonObject *r;

        if (!ecivm_cli_parse("attest", "Get a signed attestation document for the running VM", entries, &argc, &argv))
                return CLI_USAGE;
        if (!nonce)
                nonce = random_nonce();
        if (!ecivm_attest_nonce_check(nonce, "--nonce", &error)) {
                fprintf(stderr, "ecivm attest: %s\n", error->message);
                return CLI_USAGE;
        }
        json_object_set_string_member(params, "nonce", nonce);
        result = ecivm_cli_call(cli, "attest", params, 30, &error);
        if (!result) {
                fprintf(stderr, "ecivm attest: %s\n", error->message);
                return ecivm_cli_daemon_absent(error) ? CLI_NOT_RUNNING : CLI_FAILED;
        }
        r = json_node_get_object(result);
        if (!json_object_has_member(r, "document") || !JSON_NODE_HOLDS_OBJECT(json_object_get_member(r, "document"))) {
                fprintf(stderr, "ecivm attest: malformed reply from ecivmd\n");
                return CLI_FAILED;
        }
        text = json_to_string(json_object_get_member(r, "document"), TRUE);
        if (out) {
                g_autofree char *data = g_strconcat(text, "\n", NULL);
                if (!g_file_set_contents(out, data, -1, &error)) {
                        fprintf(stderr, "ecivm attest: %s\n", error->message);
                        return CLI_FAILED;
                }
                fprintf(stderr, "attestation document: %s\n", out);
        } else {
                printf("%s\n", text);
        }
        fprintf(stderr, "instance: %s\nnonce: %s\nattestation public key: %s (id %s)\n",
                json_object_get_string_member_with_default(r, "instance", "?"), nonce,
                json_object_get_string_member_with_default(r, "publicKey", "?"),
                json_object_get_string_member_with_default(r, "keyId", "?"));
        return CLI_OK;
}
