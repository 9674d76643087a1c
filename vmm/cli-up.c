#include <stdio.h>

#include "accel.h"
#include "cli.h"

static gboolean is_state(JsonNode *status, const char *state)
{
        JsonObject *o = json_node_get_object(status);
        return g_strcmp0(json_object_get_string_member_with_default(o, "state", ""), state) == 0;
}

static void print_ready(JsonNode *status)
{
        JsonObject *o = json_node_get_object(status);
        JsonObject *t = json_object_get_object_member(o, "bootSeconds");

        printf("ecivm: VM ready in %.1f s (accelerator %s: %s)\n",
               json_object_get_double_member_with_default(t, "toReady", 0),
               json_object_get_string_member_with_default(o, "accel", "?"),
               json_object_get_string_member_with_default(o, "accelReason", ""));
        printf("ecivm: export DOCKER_HOST=unix://%s\n", json_object_get_string_member_with_default(o, "dockerSocket", ""));
}

int ecivm_cli_up(EcivmCli *cli, int argc, char **argv)
{
        g_autofree char *accel = NULL;
        int cpus = 0, memory = 0, timeout = 0;
        GOptionEntry entries[] = {
                { "accel", 0, 0, G_OPTION_ARG_STRING, &accel, "auto|kvm|tcg (default auto)", "MODE" },
                { "cpus", 0, 0, G_OPTION_ARG_INT, &cpus, "Guest vCPUs (when this starts ecivmd)", "N" },
                { "memory", 0, 0, G_OPTION_ARG_INT, &memory, "Guest memory (when this starts ecivmd)", "MiB" },
                { "boot-timeout", 0, 0, G_OPTION_ARG_INT, &timeout, "Seconds to wait for dockerd", "S" },
                { NULL },
        };
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonNode) status = NULL;
        g_autoptr(JsonObject) params = json_object_new();
        gboolean spawned = FALSE;

        if (!ecivm_cli_parse("up", "Start the VM and wait until dockerd is ready", entries, &argc, &argv))
                return CLI_USAGE;
        /* checked here too: a running VM would never show the daemon the value */
        if (accel) {
                EcivmAccelMode mode;

                if (!ecivm_accel_mode_parse(accel, &mode, &error)) {
                        fprintf(stderr, "ecivm up: --%s\n", error->message);
                        return CLI_USAGE;
                }
        }
        status = ecivm_cli_call(cli, "status", NULL, 10, &error);
        if (!status && ecivm_cli_daemon_absent(error)) {
                g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func(g_free);
                if (cpus)
                        g_ptr_array_add(extra, g_strdup_printf("--cpus=%d", cpus));
                if (memory)
                        g_ptr_array_add(extra, g_strdup_printf("--memory=%d", memory));
                if (timeout)
                        g_ptr_array_add(extra, g_strdup_printf("--boot-timeout=%d", timeout));
                g_ptr_array_add(extra, NULL);
                g_clear_error(&error);
                if (!ecivm_cli_spawn_daemon(cli, (char **) extra->pdata, &error)) {
                        fprintf(stderr, "ecivm: %s\n", error->message);
                        return CLI_FAILED;
                }
                spawned = TRUE;
        } else if (!status) {
                fprintf(stderr, "ecivm: %s\n", error->message);
                return CLI_FAILED;
        } else if (is_state(status, "ready")) {
                print_ready(status);
                return CLI_OK;
        }
        g_clear_pointer(&status, json_node_unref);
        if (accel)
                json_object_set_string_member(params, "accel", accel);
        json_object_set_boolean_member(params, "wait", TRUE);
        status = ecivm_cli_call(cli, "start", params, 0, &error);
        if (!status) {
                fprintf(stderr, "ecivm: %s\n", error->message);
                if (spawned) /* a daemon started for a refused request must not linger */
                        json_node_unref(ecivm_cli_call(cli, "stop", NULL, 10, NULL));
                return CLI_FAILED;
        }
        if (!is_state(status, "ready")) {
                JsonObject *o = json_node_get_object(status);
                fprintf(stderr, "ecivm: VM %s: %s\n", json_object_get_string_member_with_default(o, "state", "?"),
                        json_object_get_string_member_with_default(o, "reason", "no reason given"));
                return CLI_FAILED;
        }
        print_ready(status);
        return CLI_OK;
}
