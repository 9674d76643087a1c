/* ecivm settings show [--json] | set KEY VALUE | reset [KEY] */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void print_table(JsonNode *n)
{
        JsonObject *o = json_node_get_object(n);
        JsonObject *settings = json_object_get_object_member(o, "settings");
        JsonArray *warnings = json_object_get_array_member(o, "warnings");
        g_autoptr(GList) names = json_object_get_members(settings);

        for (GList *l = names; l; l = l->next) {
                JsonObject *e = json_object_get_object_member(settings, l->data);
                g_autofree char *v = json_to_string(json_object_get_member(e, "value"), FALSE);
                printf("%-30s %-24s %s%s\n", (char *) l->data, v, json_object_get_string_member(e, "source"),
                       json_object_get_boolean_member(e, "locked") ? ", locked" : "");
        }
        printf("%-30s %s\n", "digest", json_object_get_string_member(o, "digest"));
        if (json_object_get_boolean_member_with_default(o, "restartNeeded", FALSE))
                printf("(the running VM uses other settings: `ecivm restart` applies these)\n");
        for (guint i = 0; warnings && i < json_array_get_length(warnings); i++)
                printf("warning: %s\n", json_array_get_string_element(warnings, i));
}

static int usage(void)
{
        fprintf(stderr, "usage: ecivm settings show [--json] | set KEY VALUE | reset [KEY]\n");
        return CLI_USAGE;
}

int ecivm_cli_settings(EcivmCli *cli, int argc, char **argv)
{
        g_autoptr(JsonObject) params = json_object_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonNode) r = NULL;
        const char *method;
        gboolean json = FALSE;

        if (argc < 2 || g_str_equal(argv[1], "show")) {
                if (argc > 3 || (argc == 3 && !g_str_equal(argv[2], "--json")))
                        return usage();
                json = argc == 3;
                method = "settings-show";
        } else if (g_str_equal(argv[1], "set") && argc == 4) {
                method = "settings-set";
                json_object_set_string_member(params, "key", argv[2]);
                json_object_set_string_member(params, "value", argv[3]);
        } else if (g_str_equal(argv[1], "reset") && argc <= 3) {
                method = "settings-reset";
                if (argc == 3)
                        json_object_set_string_member(params, "key", argv[2]);
        } else {
                return usage();
        }
        r = ecivm_cli_call(cli, method, params, 10, &error);
        if (!r) {
                fprintf(stderr, "ecivm: %s\n", error->message);
                return ecivm_cli_daemon_absent(error) ? CLI_NOT_RUNNING : CLI_FAILED;
        }
        if (json) {
                g_autofree char *text = json_to_string(r, TRUE);
                printf("%s\n", text);
        } else {
                print_table(r);
        }
        return CLI_OK;
}
