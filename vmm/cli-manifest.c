/* ecivm manifest: write manifest.json for an image directory (used by the
 * image build), with the cmdline this ecivm builds for it. */
#include <stdio.h>

#include "cli.h"
#include "cmdline.h"
#include "manifest.h"

static gboolean write_manifest(const char *dir, GError **error)
{
        g_autofree char *info_path = g_build_filename(dir, "build-info.env", NULL);
        g_autofree char *pkgs_path = g_build_filename(dir, "packages.txt", NULL);
        g_autofree char *out_path = g_build_filename(dir, "manifest.json", NULL);
        g_autofree char *info = NULL, *pkgs = NULL, *cmdline = NULL, *json = NULL;
        g_autoptr(EcivmManifest) m = NULL;
        EcivmCmdlineParams params;

        ecivm_cmdline_params_init(&params);
        if (!g_file_get_contents(info_path, &info, NULL, error) || !g_file_get_contents(pkgs_path, &pkgs, NULL, error))
                return FALSE;
        cmdline = ecivm_cmdline_build(&params, error);
        if (!cmdline)
                return FALSE;
        m = ecivm_manifest_from_build_info(info, pkgs, cmdline, error);
        if (!m)
                return FALSE;
        json = ecivm_manifest_to_json(m, error);
        return json && g_file_set_contents_full(out_path, json, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

int ecivm_cli_manifest(EcivmCli *cli, int argc, char **argv)
{
        GOptionEntry entries[] = { { NULL } };
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
        if (!write_manifest(dir, &error)) {
                fprintf(stderr, "ecivm manifest: %s\n", error->message);
                return CLI_FAILED;
        }
        printf("ecivm: wrote %s/manifest.json\n", dir);
        (void) cli;
        return CLI_OK;
}
