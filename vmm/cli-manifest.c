/* ecivm manifest: write manifest.json for an image directory (used by the
 * image build), with the cmdline this ecivm builds for it, and sign it
 * (manifest.json.sig) with --sign-key. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmdline.h"
#include "manifest.h"
#include "measure.h"
#include "sign.h"

static gboolean write_manifest(const char *dir, const char *sign_key, GError **error)
{
        g_autofree char *info_path = g_build_filename(dir, "build-info.env", NULL);
        g_autofree char *pkgs_path = g_build_filename(dir, "packages.txt", NULL);
        g_autofree char *out_path = g_build_filename(dir, "manifest.json", NULL);
        g_autofree char *sig_path = g_strconcat(out_path, ECIVM_MANIFEST_SIG_SUFFIX, NULL);
        g_autofree char *info = NULL, *pkgs = NULL, *json = NULL, *sig = NULL, *sig_line = NULL;
        g_autoptr(EcivmManifest) m = NULL;
        EcivmCmdlineParams params;

        ecivm_cmdline_params_init(&params);
        if (!g_file_get_contents(info_path, &info, NULL, error) || !g_file_get_contents(pkgs_path, &pkgs, NULL, error))
                return FALSE;
        m = ecivm_manifest_from_build_info(info, pkgs, &params, error);
        if (!m)
                return FALSE;
        json = ecivm_manifest_to_json(m, error);
        if (!json)
                return FALSE;
        if (sign_key) {
                sig = ecivm_sign_data(sign_key, json, strlen(json), error);
                if (!sig)
                        return FALSE;
                sig_line = g_strconcat(sig, "\n", NULL);
        }
        /* the old signature goes first: never a new manifest beside it */
        if (unlink(sig_path) < 0 && errno != ENOENT) {
                g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", sig_path,
                            g_strerror(errno));
                return FALSE;
        }
        if (!g_file_set_contents_full(out_path, json, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
                return FALSE;
        return !sig_line ||
               g_file_set_contents_full(sig_path, sig_line, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

int ecivm_cli_manifest(EcivmCli *cli, int argc, char **argv)
{
        g_autofree char *sign_key = NULL;
        GOptionEntry entries[] = {
                { "sign-key", 0, 0, G_OPTION_ARG_FILENAME, &sign_key,
                  "Ed25519 private key (PEM) to sign with: writes manifest.json.sig", "FILE" },
                { NULL },
        };
        g_autoptr(GError) error = NULL;
        const char *dir;

        if (!ecivm_cli_parse("manifest", "Write IMAGE-DIR/manifest.json from build-info.env and packages.txt", entries,
                             &argc, &argv))
                return CLI_USAGE;
        if (argc != 2) {
                fprintf(stderr, "ecivm manifest: expected one argument, the image directory\n");
                return CLI_USAGE;
        }
        dir = argv[1];
        if (!write_manifest(dir, sign_key, &error)) {
                fprintf(stderr, "ecivm manifest: %s\n", error->message);
                return CLI_FAILED;
        }
        printf("ecivm: wrote %s/manifest.json%s\n", dir, sign_key ? " and manifest.json.sig" : " (unsigned)");
        (void) cli;
        return CLI_OK;
}
