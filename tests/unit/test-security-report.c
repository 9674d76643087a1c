/* ecivm security-report's rows from facts, against golden files: each case
 * is a facts document (as `security-report --json` prints under "facts"). */
#include "config.h"

#include "security-report.h"
#include "vmm-golden.h"

static void report_case(const char *base, const char *name)
{
        g_autofree char *in_rel = g_strconcat(base, ".json", NULL);
        g_autofree char *out_rel = g_strconcat(base, ".out", NULL);
        g_autofree char *text = golden_read(in_rel, NULL);
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autoptr(GPtrArray) rows = NULL;
        g_autoptr(JsonNode) json = NULL;
        g_autofree char *table = NULL, *json_text = NULL, *out = NULL;

        assert_true(json_parser_load_from_data(parser, text, -1, NULL));
        rows = ecivm_security_rows(json_node_get_object(json_parser_get_root(parser)));
        assert_int_equal(rows->len, 8);
        table = ecivm_security_rows_to_table(rows);
        json = ecivm_security_rows_to_json(rows);
        json_text = json_to_string(json, TRUE);
        out = g_strconcat(table, json_text, "\n", NULL);
        /* only the cases built to be secure (all-secure*) may say so */
        assert_int_equal(ecivm_security_all_secure(rows), g_str_has_prefix(name, "all-secure"));
        golden_compare(out_rel, out);
}

int main(void)
{
        return golden_run("security-report", NULL, 0, "security-report", ".json", report_case, 10);
}
