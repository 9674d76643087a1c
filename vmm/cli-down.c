#include <stdio.h>

#include "cli.h"

/* A daemon that `up` started ends with its VM: wait for it, so that a
 * following `up` never talks to the one on its way out. */
static void wait_daemon_gone(EcivmCli *cli)
{
        for (int i = 0; i < 100; i++) {
                g_autoptr(GError) e = NULL;
                g_autoptr(JsonNode) r = ecivm_cli_call(cli, "ping", NULL, 2, &e);

                if (!r)
                        return;
                g_usleep(100 * 1000);
        }
}

int ecivm_cli_down(EcivmCli *cli, int argc, char **argv)
{
        GOptionEntry entries[] = { { NULL } };
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonNode) status = NULL;
        g_autoptr(JsonObject) params = json_object_new();
        JsonObject *o;

        if (!ecivm_cli_parse("down", "Stop the VM: containers stop, disks sync, power off", entries, &argc, &argv))
                return CLI_USAGE;
        json_object_set_boolean_member(params, "wait", TRUE);
        status = ecivm_cli_call(cli, "stop", params, 0, &error);
        if (!status && ecivm_cli_daemon_absent(error)) {
                printf("ecivm: not running\n");
                return CLI_OK;
        }
        if (!status) {
                fprintf(stderr, "ecivm: %s\n", error->message);
                return CLI_FAILED;
        }
        o = json_node_get_object(status);
        if (json_object_has_member(o, "daemon") &&
            json_object_get_boolean_member_with_default(json_object_get_object_member(o, "daemon"), "exitWhenStopped",
                                                        FALSE))
                wait_daemon_gone(cli);
        printf("ecivm: VM %s%s%s\n", json_object_get_string_member_with_default(o, "state", "?"),
               json_object_has_member(o, "reason") ? ": " : "",
               json_object_get_string_member_with_default(o, "reason", ""));
        return g_strcmp0(json_object_get_string_member_with_default(o, "state", ""), "stopped") == 0 ? CLI_OK
                                                                                                     : CLI_FAILED;
}
