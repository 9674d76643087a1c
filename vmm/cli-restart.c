#include <stdio.h>

#include "cli.h"

int ecivm_cli_restart(EcivmCli *cli, int argc, char **argv)
{
        GOptionEntry entries[] = { { NULL } };
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonNode) status = NULL;
        g_autoptr(JsonObject) params = json_object_new();
        JsonObject *o;

        if (!ecivm_cli_parse("restart", "Stop the VM cleanly and boot it again", entries, &argc, &argv))
                return CLI_USAGE;
        json_object_set_boolean_member(params, "wait", TRUE);
        status = ecivm_cli_call(cli, "restart", params, 0, &error);
        if (!status) {
                fprintf(stderr, "ecivm: %s\n", ecivm_cli_daemon_absent(error) ? "not running (use ecivm up)" : error->message);
                return CLI_FAILED;
        }
        o = json_node_get_object(status);
        printf("ecivm: VM %s%s%s\n", json_object_get_string_member_with_default(o, "state", "?"),
               json_object_has_member(o, "reason") ? ": " : "",
               json_object_get_string_member_with_default(o, "reason", ""));
        return g_strcmp0(json_object_get_string_member_with_default(o, "state", ""), "ready") == 0 ? CLI_OK : CLI_FAILED;
}
