/* The ecivm CLI: one file per command, sharing this context. */
#ifndef ECIVM_VMM_CLI_H
#define ECIVM_VMM_CLI_H

#include <stdio.h>

#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct {
        char *run_dir;
        char *state_dir;
        char *image_dir;
        char *trusted_key; /* passed to ecivmd as --trusted-key; NULL: its default */
        char *admin_settings; /* passed to ecivmd as --admin-settings; NULL: its default */
} EcivmCli;

/* Exit codes */
enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2, CLI_NOT_RUNNING = 3 };

int ecivm_cli_up(EcivmCli *cli, int argc, char **argv);
int ecivm_cli_down(EcivmCli *cli, int argc, char **argv);
int ecivm_cli_status(EcivmCli *cli, int argc, char **argv);
int ecivm_cli_restart(EcivmCli *cli, int argc, char **argv);
int ecivm_cli_events(EcivmCli *cli, int argc, char **argv);
int ecivm_cli_logs(EcivmCli *cli, int argc, char **argv);
int ecivm_cli_manifest(EcivmCli *cli, int argc, char **argv);
int ecivm_cli_settings(EcivmCli *cli, int argc, char **argv);
int ecivm_cli_keygen(EcivmCli *cli, int argc, char **argv);
int ecivm_cli_attest(EcivmCli *cli, int argc, char **argv);
int ecivm_cli_verify(EcivmCli *cli, int argc, char **argv);
int ecivm_cli_export_libvirt(EcivmCli *cli, int argc, char **argv);
int ecivm_cli_security_report(EcivmCli *cli, int argc, char **argv);

/* cli-client.c: one blocking request to ecivmd.  Returns the result, or
 * NULL with ERROR (G_IO_ERROR_NOT_FOUND / CONNECTION_REFUSED when no daemon
 * listens).  TIMEOUT_S 0 waits forever. */
JsonNode *ecivm_cli_call(EcivmCli *cli, const char *method, JsonObject *params, guint timeout_s, GError **error);
gboolean ecivm_cli_daemon_absent(const GError *error);
/* A request whose connection stays open for events (subscribe, logs
 * --follow): returns the stream to read lines from, or NULL after printing
 * why. */
FILE *ecivm_cli_open_stream(EcivmCli *cli, const char *method, JsonObject *params);
/* Start ecivmd in the background for this CLI's directories. */
gboolean ecivm_cli_spawn_daemon(EcivmCli *cli, char **extra_args, GError **error);

/* Parse a command's options; prints the error and returns FALSE. */
gboolean ecivm_cli_parse(const char *name, const char *summary, GOptionEntry *entries, int *argc, char ***argv);

void ecivm_cli_print_status(JsonNode *status);

#endif
