/* ecivm logs: the guest console, the guest's containerd/dockerd output, or
 * the daemon's log, optionally following. */
#include <stdio.h>

#include "api-proto.h"
#include "cli.h"

static void print_lines(JsonNode *result)
{
        JsonArray *a = json_object_get_array_member(json_node_get_object(result), "lines");

        for (guint i = 0; a && i < json_array_get_length(a); i++)
                printf("%s\n", json_array_get_string_element(a, i));
        fflush(stdout);
}

/* Follow: keep the connection and print log events until it closes. */
static int follow(EcivmCli *cli, JsonObject *params)
{
        char line[ECIVM_API_MAX_LINE];
        gboolean first = TRUE;
        FILE *in = ecivm_cli_open_stream(cli, "logs", params);

        if (!in)
                return CLI_NOT_RUNNING;
        while (fgets(line, sizeof(line), in)) {
                g_autoptr(GError) error = NULL;
                g_autoptr(JsonNode) node = NULL;
                gint64 id;

                if (first) {
                        first = FALSE;
                        node = ecivm_api_reply_parse(line, strlen(line), &id, &error);
                        if (!node) {
                                fprintf(stderr, "ecivm: %s\n", error->message);
                                fclose(in);
                                return CLI_FAILED;
                        }
                        print_lines(node);
                        continue;
                }
                node = json_from_string(line, NULL);
                if (node && JSON_NODE_HOLDS_OBJECT(node))
                        printf("%s\n", json_object_get_string_member_with_default(json_node_get_object(node), "line", ""));
                fflush(stdout);
        }
        fclose(in);
        return CLI_OK;
}

int ecivm_cli_logs(EcivmCli *cli, int argc, char **argv)
{
        g_autofree char *source = NULL;
        gboolean do_follow = FALSE;
        int lines = 100;
        GOptionEntry entries[] = {
                { "source", 's', 0, G_OPTION_ARG_STRING, &source, "console (default), guest (containerd, dockerd) or daemon", "SRC" },
                { "lines", 'n', 0, G_OPTION_ARG_INT, &lines, "Show the last N lines (default 100)", "N" },
                { "follow", 'f', 0, G_OPTION_ARG_NONE, &do_follow, "Keep printing new lines", NULL },
                { NULL },
        };
        g_autoptr(JsonObject) params = json_object_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonNode) result = NULL;

        if (!ecivm_cli_parse("logs", "Show the VM's logs", entries, &argc, &argv))
                return CLI_USAGE;
        json_object_set_string_member(params, "source", source ? source : "console");
        json_object_set_int_member(params, "lines", lines);
        if (do_follow) {
                json_object_set_boolean_member(params, "follow", TRUE);
                return follow(cli, params);
        }
        result = ecivm_cli_call(cli, "logs", params, 30, &error);
        if (!result) {
                fprintf(stderr, "ecivm: %s\n", error->message);
                return ecivm_cli_daemon_absent(error) ? CLI_NOT_RUNNING : CLI_FAILED;
        }
        print_lines(result);
        return CLI_OK;
}
