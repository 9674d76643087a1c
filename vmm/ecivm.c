/* ecivm: the command line for users and admins. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
        const char *name;
        int (*run)(EcivmCli *cli, int argc, char **argv);
        const char *summary;
} commands[] = {
        { "up", ecivm_cli_up, "start the VM (and ecivmd if needed); wait for dockerd" },
        { "down", ecivm_cli_down, "stop the VM cleanly" },
        { "status", ecivm_cli_status, "show the VM's state" },
        { "restart", ecivm_cli_restart, "stop the VM cleanly and boot it again" },
        { "events", ecivm_cli_events, "follow state changes (JSON lines)" },
        { "logs", ecivm_cli_logs, "show the console, guest service or daemon log (-f follows)" },
        { "settings", ecivm_cli_settings, "show, set or reset settings (admin-locked keys are refused)" },
        { "manifest", ecivm_cli_manifest, "write (and sign) an image directory's manifest.json" },
        { "keygen", ecivm_cli_keygen, "generate an Ed25519 key pair (image or attestation key)" },
        { "attest", ecivm_cli_attest, "get a signed attestation document for the running VM" },
        { "security-report", ecivm_cli_security_report, "check the running VM against the ECI security table, live" },
        { "verify", ecivm_cli_verify, "verify an attestation document offline" },
        { "export-libvirt", ecivm_cli_export_libvirt, "print the libvirt domain XML of the measured VM" },
};

static void usage(FILE *f)
{
        fprintf(f, "usage: ecivm [--run-dir=DIR] [--state-dir=DIR] [--image-dir=DIR] [--trusted-key=FILE] [--admin-settings=FILE] COMMAND "
                   "[ARGS]\n\ncommands:\n");
        for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
                fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
        fprintf(f, "\nenvironment: ECIVM_RUN_DIR, ECIVM_STATE_DIR, ECIVM_IMAGE_DIR, ECIVM_TRUSTED_KEY, ECIVM_ADMIN_SETTINGS\n");
}

gboolean ecivm_cli_parse(const char *name, const char *summary, GOptionEntry *entries, int *argc, char ***argv)
{
        g_autofree char *param = g_strdup_printf("- %s", summary);
        g_autoptr(GOptionContext) ctx = g_option_context_new(param);
        g_autoptr(GError) error = NULL;

        g_option_context_add_main_entries(ctx, entries, NULL);
        g_set_prgname(name);
        if (!g_option_context_parse(ctx, argc, argv, &error)) {
                fprintf(stderr, "ecivm %s: %s\n", name, error->message);
                return FALSE;
        }
        if (g_str_equal(name, "manifest"))
                return TRUE;
        if (*argc > 1) {
                fprintf(stderr, "ecivm %s: unexpected argument \"%s\"\n", name, (*argv)[1]);
                return FALSE;
        }
        return TRUE;
}

/* From a build tree the images are beside the binary; installed, in datadir. */
static char *default_image_dir(void)
{
        g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
        g_autofree char *dir = self ? g_path_get_dirname(self) : NULL;
        g_autofree char *built = dir ? g_build_filename(dir, "..", "images", "out", NULL) : NULL;
        g_autofree char *probe = built ? g_build_filename(built, "manifest.json", NULL) : NULL;

        if (probe && g_file_test(probe, G_FILE_TEST_EXISTS))
                return g_canonicalize_filename(built, NULL);
        return g_strdup(ECIVM_DATADIR "/images");
}

/* The image key of a build tree (images/keys/image.pub beside the binary's
 * images/out), else none: ecivmd then uses its default directory. */
static char *default_trusted_key(void)
{
        g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
        g_autofree char *dir = self ? g_path_get_dirname(self) : NULL;
        g_autofree char *key = dir ? g_build_filename(dir, "..", "images", "keys", "image.pub", NULL) : NULL;

        if (key && g_file_test(key, G_FILE_TEST_EXISTS))
                return g_canonicalize_filename(key, NULL);
        return NULL;
}

static char *pick(char *flag, const char *env, char *fallback)
{
        if (flag) {
                g_free(fallback);
                return g_canonicalize_filename(flag, NULL);
        }
        if (g_getenv(env)) {
                g_free(fallback);
                return g_canonicalize_filename(g_getenv(env), NULL);
        }
        return fallback;
}

int main(int argc, char **argv)
{
        g_autofree char *run_dir = NULL, *state_dir = NULL, *image_dir = NULL, *trusted_key = NULL;
        g_autofree char *admin_settings = NULL;
        EcivmCli cli;
        int i = 1;

        for (; i < argc && argv[i][0] == '-'; i++) {
                char **slot = g_str_has_prefix(argv[i], "--run-dir=")     ? &run_dir
                              : g_str_has_prefix(argv[i], "--state-dir=") ? &state_dir
                              : g_str_has_prefix(argv[i], "--image-dir=") ? &image_dir
                              : g_str_has_prefix(argv[i], "--trusted-key=") ? &trusted_key
                              : g_str_has_prefix(argv[i], "--admin-settings=") ? &admin_settings
                                                                           : NULL;
                if (g_str_equal(argv[i], "--help") || g_str_equal(argv[i], "-h")) {
                        usage(stdout);
                        return CLI_OK;
                }
                if (!slot) {
                        fprintf(stderr, "ecivm: unknown option \"%s\" (global options take the form --name=value)\n",
                                argv[i]);
                        return CLI_USAGE;
                }
                g_free(*slot);
                *slot = g_strdup(strchr(argv[i], '=') + 1);
        }
        if (i >= argc) {
                usage(stderr);
                return CLI_USAGE;
        }
        cli.run_dir = pick(run_dir, "ECIVM_RUN_DIR", g_strdup("/run/ecivm"));
        cli.state_dir = pick(state_dir, "ECIVM_STATE_DIR", g_strdup(ECIVM_LOCALSTATEDIR "/lib/ecivm"));
        cli.image_dir = pick(image_dir, "ECIVM_IMAGE_DIR", default_image_dir());
        cli.trusted_key = pick(trusted_key, "ECIVM_TRUSTED_KEY", default_trusted_key());
        cli.admin_settings = pick(admin_settings, "ECIVM_ADMIN_SETTINGS", NULL);
        for (size_t c = 0; c < G_N_ELEMENTS(commands); c++) {
                if (g_str_equal(argv[i], commands[c].name)) {
                        int r = commands[c].run(&cli, argc - i, argv + i);
                        g_free(cli.run_dir);
                        g_free(cli.state_dir);
                        g_free(cli.image_dir);
                        g_free(cli.trusted_key);
                        g_free(cli.admin_settings);
                        return r;
                }
        }
        fprintf(stderr, "ecivm: unknown command \"%s\" (see ecivm --help)\n", argv[i]);
        return CLI_USAGE;
}
