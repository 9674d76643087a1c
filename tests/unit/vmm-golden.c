#include "config.h"

#include <string.h>

#include "golden-regen.h"
#include "vmm-golden.h"

gboolean
golden_regenerating(void)
{
        return golden_regen_mode() == 1;
}

char *
golden_path(const char *rel)
{
        return g_build_filename(GOLDEN_DIR, rel, NULL);
}

char *
golden_try_read(const char *rel, gsize *len)
{
        g_autofree char *path = golden_path(rel);
        char *text = NULL;

        if (!g_file_get_contents(path, &text, len, NULL))
                return NULL;
        return text;
}

char *
golden_read(const char *rel, gsize *len)
{
        g_autofree char *path = golden_path(rel);
        g_autoptr(GError) error = NULL;
        char *text = NULL;

        if (!g_file_get_contents(path, &text, len, &error))
                fail_msg("cannot read golden file: %s", error->message);
        return text;
}

static void
print_numbered(const char *label, const char *text)
{
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

        print_error("--- %s\n", label);
        for (guint i = 0; lines[i] != NULL; i++)
                if (lines[i + 1] != NULL || lines[i][0] != '\0')
                        print_error("%4u| %s\n", i + 1, lines[i]);
}

void
golden_compare(const char *rel, const char *actual)
{
        g_autofree char *path = golden_path(rel);
        g_autofree char *expected = NULL;
        g_autoptr(GError) error = NULL;

        if (golden_regenerating()) {
                golden_regen_write(path, actual, strlen(actual));
                return;
        }
        if (!g_file_get_contents(path, &expected, NULL, &error))
                fail_msg("cannot read golden file %s (ECIVM_REGENERATE_GOLDEN=1 creates it): %s", rel, error->message);
        if (strcmp(expected, actual) != 0) {
                print_numbered(path, expected);
                print_numbered("actual", actual);
                fail_msg("output differs from golden file %s", rel);
        }
}

char *
golden_error_text(const GError *error)
{
        return g_strdup_printf("error: %s\n", error->message);
}

void
golden_assert_outcome(const char *case_name, gboolean succeeded, const GError *error)
{
        gboolean must_fail = g_str_has_prefix(case_name, "refuse-");

        if (must_fail && succeeded)
                fail_msg("case %s must be refused but succeeded", case_name);
        if (!must_fail && !succeeded)
                fail_msg("case %s must succeed but failed: %s", case_name, error != NULL ? error->message : "?");
}

void
golden_assert_allow_deny(const char *case_name, gboolean denied, const char *why)
{
        if (g_str_has_prefix(case_name, "allow-")) {
                if (denied)
                        fail_msg("case %s must be allowed but was denied: %s", case_name, why ? why : "?");
        } else if (g_str_has_prefix(case_name, "deny-")) {
                if (!denied)
                        fail_msg("case %s must be denied but was allowed", case_name);
        } else {
                fail_msg("case %s must be named allow-* or deny-*", case_name);
        }
}

typedef struct {
        char *base;
        char *name;
        GoldenCaseFunc fn;
} CaseState;

static void
run_case(void **state)
{
        CaseState *cs = *state;

        cs->fn(cs->base, cs->name);
}

static GPtrArray *
list_cases(const char *subdir, const char *suffix)
{
        g_autofree char *dir_path = golden_path(subdir);
        g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
        GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
        const char *entry;

        while (dir != NULL && (entry = g_dir_read_name(dir)) != NULL)
                if (g_str_has_suffix(entry, suffix))
                        g_ptr_array_add(names, g_strndup(entry, strlen(entry) - strlen(suffix)));
        return names;
}

static gint
cmp_str_ptr(gconstpointer a, gconstpointer b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int
golden_run_sets(const char *group, const struct CMUnitTest *fixed, size_t n_fixed, const GoldenCaseSet *sets,
                size_t n_sets)
{
        g_autoptr(GArray) tests = g_array_new(FALSE, TRUE, sizeof(struct CMUnitTest));
        g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(g_free);
        int failures;

        g_array_append_vals(tests, fixed, (guint)n_fixed);
        for (size_t s = 0; s < n_sets; s++) {
                g_autoptr(GPtrArray) names = list_cases(sets[s].subdir, sets[s].suffix);

                g_ptr_array_sort(names, cmp_str_ptr);
                if (names->len < sets[s].min_cases) {
                        print_error("%s: expected at least %u cases in %s/%s, found %u\n", group, sets[s].min_cases,
                                    GOLDEN_DIR, sets[s].subdir, names->len);
                        return 1;
                }
                for (guint i = 0; i < names->len; i++) {
                        CaseState *cs = g_new0(CaseState, 1);
                        struct CMUnitTest t = { 0 };
                        char *test_name = g_strdup_printf("%s/%s", sets[s].subdir, (char *)names->pdata[i]);

                        cs->base = g_strdup(test_name);
                        cs->name = g_strdup(names->pdata[i]);
                        cs->fn = sets[s].fn;
                        g_ptr_array_add(keep, test_name);
                        g_ptr_array_add(keep, cs->base);
                        g_ptr_array_add(keep, cs->name);
                        g_ptr_array_add(keep, cs);
                        t.name = test_name;
                        t.test_func = run_case;
                        t.initial_state = cs;
                        g_array_append_val(tests, t);
                }
        }
        failures = _cmocka_run_group_tests(group, (const struct CMUnitTest *)(void *)tests->data, tests->len, NULL,
                                           NULL);
        return failures;
}

int
golden_run(const char *group, const struct CMUnitTest *fixed, size_t n_fixed, const char *subdir,
           const char *suffix, GoldenCaseFunc fn, guint min_cases)
{
        GoldenCaseSet set = { subdir, suffix, fn, min_cases };

        return golden_run_sets(group, fixed, n_fixed, &set, 1);
}
