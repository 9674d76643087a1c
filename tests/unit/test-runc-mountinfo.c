/* ecivm-runc's reading of an overlay root from /proc/self/mountinfo.
 *
 * Each case GOLDEN_DIR/runc-mountinfo/<name>.mi is "at <mount point>" on its
 * first line, then mountinfo lines; <name>.out is "lower: …\nupper: …\n" or
 * "error: …" (cases named refuse-* find no overlay).
 * ECIVM_REGENERATE_GOLDEN=1 make check TESTS=tests/unit/test-runc-mountinfo
 * rewrites the .out files. */
#include "config.h"

#include <string.h>

#include "mountinfo.h"
#include "vmm-golden.h"

static void run_mountinfo_case(const char *case_base, const char *case_name)
{
        g_autofree char *rel_in = g_strconcat(case_base, ".mi", NULL);
        g_autofree char *rel_out = g_strconcat(case_base, ".out", NULL);
        g_autofree char *text = golden_read(rel_in, NULL);
        g_autofree char *at = NULL, *lower = NULL, *upper = NULL, *out = NULL;
        g_autoptr(GError) error = NULL;
        const char *nl = strchr(text, '\n');
        gboolean ok;

        if (!g_str_has_prefix(text, "at ") || nl == NULL)
                fail_msg("%s: the first line must be \"at <mount point>\"", rel_in);
        at = g_strndup(text + 3, (gsize) (nl - text - 3));
        ok = eci_mountinfo_overlay(nl + 1, at, &lower, &upper);
        if (!ok)
                g_set_error(&error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "no overlay with an upper layer at %s", at);
        golden_assert_outcome(case_name, ok, error);
        out = ok ? g_strdup_printf("lower: %s\nupper: %s\n", lower, upper) : golden_error_text(error);
        golden_compare(rel_out, out);
}

/* Output pointers are left alone when nothing is found. */
static void test_untouched(void **state)
{
        char *lower = (char *) "x", *upper = (char *) "y";

        (void) state;
        assert_false(eci_mountinfo_overlay("", "/", &lower, &upper));
        assert_false(eci_mountinfo_overlay("garbage without separator\n", "/", &lower, &upper));
        assert_string_equal(lower, "x");
        assert_string_equal(upper, "y");
}

int main(void)
{
        const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_untouched),
        };

        return golden_run("runc-mountinfo", fixed, G_N_ELEMENTS(fixed), "runc-mountinfo", ".mi", run_mountinfo_case,
                          6);
}
