/* ecivm keygen --out DIR [--name NAME]: an Ed25519 key pair, DIR/NAME.key
 * (PKCS#8 PEM, 0600, DIR 0700) and DIR/NAME.pub (PEM).  Used by the image
 * build for the image signing key; an existing key is never overwritten. */
#include <stdio.h>

#include "cli.h"
#include "error.h"
#include "sign.h"

int ecivm_cli_keygen(EcivmCli *cli, int argc, char **argv)
{
        g_autofree char *out = NULL, *name = NULL, *pub = NULL, *id = NULL;
        gboolean if_missing = FALSE;
        GOptionEntry entries[] = {
                { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Directory for the keys (created 0700)", "DIR" },
                { "name", 0, 0, G_OPTION_ARG_STRING, &name, "Base name of the files (default: image)", "NAME" },
                { "if-missing", 0, 0, G_OPTION_ARG_NONE, &if_missing, "Succeed without change if NAME.key exists",
                  NULL },
                { NULL },
        };
        g_autoptr(GError) error = NULL;

        (void) cli;
        if (!ecivm_cli_parse("keygen", "Generate an Ed25519 key pair", entries, &argc, &argv))
                return CLI_USAGE;
        if (!out) {
                fprintf(stderr, "ecivm keygen: --out DIR is required\n");
                return CLI_USAGE;
        }
        if (!name)
                name = g_strdup("image");
        if (!g_regex_match_simple("^[A-Za-z0-9_-]{1,64}$", name, 0, 0)) {
                fprintf(stderr, "ecivm keygen: --name: expected 1-64 characters from A-Za-z0-9_-\n");
                return CLI_USAGE;
        }
        if (!ecivm_sign_keygen(out, name, &error)) {
                if (if_missing && g_error_matches(error, ECIVM_ERROR, ECIVM_ERROR_STATE))
                        return CLI_OK;
                fprintf(stderr, "ecivm keygen: %s\n", error->message);
                return CLI_FAILED;
        }
        pub = g_strdup_printf("%s/%s.pub", out, name);
        id = ecivm_sign_key_id(pub, NULL);
        printf("ecivm: wrote %s/%s.key (0600) and %s (key id %s)\n", out, name, pub, id ? id : "?");
        return CLI_OK;
}
