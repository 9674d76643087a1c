#include <stdio.h>

#include "cli.h"

static void row(const char *label, const char *value)
{
        if (value && *value)
                printf("%-13s %s\n", label, value);
}

void ecivm_cli_print_status(JsonNode *status)
{
        JsonObject *o = json_node_get_object(status);
        JsonObject *t = json_object_get_object_member(o, "bootSeconds");
        g_autofree char *state = g_strdup_printf("%s (since %s)", json_object_get_string_member_with_default(o, "state", "?"),
                                                 json_object_get_string_member_with_default(o, "since", "?"));
        g_autofree char *accel = NULL;
        g_autofree char *boot = NULL;

        row("state:", state);
        row("reason:", json_object_get_string_member_with_default(o, "reason", NULL));
        if (json_object_has_member(o, "accel"))
                accel = g_strdup_printf("%s (%s)", json_object_get_string_member(o, "accel"),
                                        json_object_get_string_member_with_default(o, "accelReason", ""));
        row("accelerator:", accel);
        row("guest kernel:", json_object_get_string_member_with_default(o, "guestKernel", NULL));
        row("boot id:", json_object_get_string_member_with_default(o, "guestBootId", NULL));
        row("guest error:", json_object_get_string_member_with_default(o, "guestFailure", NULL));
        row("qemu pid:", json_object_get_string_member_with_default(o, "qemuPid", NULL));
        if (t && json_object_get_double_member_with_default(t, "toReady", 0) > 0)
                boot = g_strdup_printf("%.2f s to dockerd ready (measure %.2f s, init at %.2f s)",
                                       json_object_get_double_member_with_default(t, "toReady", 0),
                                       json_object_get_double_member_with_default(t, "measure", 0),
                                       json_object_get_double_member_with_default(t, "toInit", 0));
        row("boot:", boot);
        if (*json_object_get_string_member_with_default(o, "dockerSocket", "")) {
                g_autofree char *sock =
                        g_strdup_printf("unix://%s", json_object_get_string_member(o, "dockerSocket"));
                row("docker:", sock);
        }
        row("console log:", json_object_get_string_member_with_default(o, "consoleLog", NULL));
}

int ecivm_cli_status(EcivmCli *cli, int argc, char **argv)
{
        gboolean json = FALSE;
        GOptionEntry entries[] = {
                { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Machine-readable output", NULL },
                { NULL },
        };
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonNode) status = NULL;
        const char *state;

        if (!ecivm_cli_parse("status", "Show the VM's state (exit 0 ready, 3 not running, 1 failed)", entries, &argc,
                             &argv))
                return CLI_USAGE;
        status = ecivm_cli_call(cli, "status", NULL, 10, &error);
        if (!status && ecivm_cli_daemon_absent(error)) {
                if (json)
                        printf("{\"state\":\"stopped\",\"daemon\":false}\n");
                else
                        printf("state:        stopped (ecivmd not running)\n");
                return CLI_NOT_RUNNING;
        }
        if (!status) {
                fprintf(stderr, "ecivm: %s\n", error->message);
                return CLI_FAILED;
        }
        if (json) {
                g_autofree char *text = json_to_string(status, TRUE);
                printf("%s\n", text);
        } else {
                ecivm_cli_print_status(status);
        }
        state = json_object_get_string_member_with_default(json_node_get_object(status), "state", "");
        if (g_str_equal(state, "ready"))
                return CLI_OK;
        return g_str_equal(state, "failed") ? CLI_FAILED : CLI_NOT_RUNNING;
}
