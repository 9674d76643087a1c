#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden-regen.h"
#include "guest-golden.h"

struct golden_case {
        const char *subdir;
        char *name;
        guest_golden_fn fn;
};

static char *path_of(const char *rel)
{
        size_t n = strlen(GOLDEN_DIR) + strlen(rel) + 2;
        char *p = malloc(n);

        assert_non_null(p);
        snprintf(p, n, "%s/%s", GOLDEN_DIR, rel);
        return p;
}

char *guest_golden_read(const char *rel)
{
        char *path = path_of(rel), *text = NULL;
        FILE *f = fopen(path, "re");
        long len;

        free(path);
        if (!f)
                return NULL;
        if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
                text = calloc(1, (size_t) len + 1);
                if (text && fread(text, 1, (size_t) len, f) != (size_t) len) {
                        free(text);
                        text = NULL;
                }
        }
        fclose(f);
        return text;
}

void guest_golden_compare(const char *rel, const char *actual)
{
        char *expected;

        if (golden_regen_mode()) {
                char *path = path_of(rel);

                golden_regen_write(path, actual, strlen(actual));
                free(path);
                return;
        }
        expected = guest_golden_read(rel);
        if (!expected)
                fail_msg("cannot read golden file %s (ECIVM_REGENERATE_GOLDEN=1 creates it)", rel);
        if (strcmp(expected, actual) != 0) {
                print_error("--- expected (%s)\n%s--- actual\n%s", rel, expected, actual);
                free(expected);
                fail_msg("output differs from golden file %s", rel);
        }
        free(expected);
}

static void run_case(void **state)
{
        struct golden_case *c = *state;

        c->fn(c->subdir, c->name);
}

static int cmp_names(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static size_t list_cases(const char *subdir, const char *suffix, char ***ret)
{
        char *dir_path = path_of(subdir);
        DIR *d = opendir(dir_path);
        struct dirent *de;
        char **names = NULL;
        size_t n = 0, sl = strlen(suffix);

        free(dir_path);
        while (d && (de = readdir(d))) {
                size_t len = strlen(de->d_name);

                if (len <= sl || strcmp(de->d_name + len - sl, suffix) != 0)
                        continue;
                names = realloc(names, (n + 1) * sizeof(*names));
                assert_non_null(names);
                names[n++] = strndup(de->d_name, len - sl);
        }
        if (d)
                closedir(d);
        if (n)
                qsort(names, n, sizeof(*names), cmp_names);
        *ret = names;
        return n;
}

int guest_golden_run(const char *group, const struct CMUnitTest *fixed, size_t n_fixed, const char *subdir,
                     const char *suffix, guest_golden_fn fn, size_t min_cases)
{
        char **names = NULL;
        size_t n = list_cases(subdir, suffix, &names);
        struct CMUnitTest *tests = calloc(n_fixed + n, sizeof(*tests));
        struct golden_case *cases = calloc(n ? n : 1, sizeof(*cases));
        int failures;

        if (!tests || !cases || n < min_cases) {
                fprintf(stderr, "%s: found %zu cases in %s/%s, need %zu\n", group, n, GOLDEN_DIR, subdir, min_cases);
                return 1;
        }
        memcpy(tests, fixed, n_fixed * sizeof(*tests));
        for (size_t i = 0; i < n; i++) {
                cases[i] = (struct golden_case){ .subdir = subdir, .name = names[i], .fn = fn };
                tests[n_fixed + i] = (struct CMUnitTest){ .name = names[i], .test_func = run_case,
                                                          .initial_state = &cases[i] };
        }
        failures = _cmocka_run_group_tests(group, tests, n_fixed + n, NULL, NULL);
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        free(cases);
        free(tests);
        return failures;
}
