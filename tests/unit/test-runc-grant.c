/* ecivm-runc's engine-socket grants: the record the agent reads. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "grant.h"

static char *tmp_root(void)
{
        char *root = g_dir_make_tmp("ecivm-grant-XXXXXX", NULL);

        assert_non_null(root);
        return root;
}

static void add_then_remove(void **state)
{
        g_autofree char *root = tmp_root();
        g_autofree char *dir = g_build_filename(root, "grants", NULL);
        g_autofree char *file = g_build_filename(dir, "abc123", NULL);
        g_autofree char *text = NULL;
        g_autoptr(GError) error = NULL;
        struct stat st;

        assert_true(eci_grant_add(dir, "abc123", 165536, 65536, &error));
        assert_int_equal(stat(dir, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700);
        assert_int_equal(stat(file, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_true(g_file_get_contents(file, &text, NULL, NULL));
        assert_string_equal(text, "165536 65536\n");
        /* a later start with another range replaces it */
        assert_true(eci_grant_add(dir, "abc123", 100000, 65536, &error));
        g_free(g_steal_pointer(&text));
        assert_true(g_file_get_contents(file, &text, NULL, NULL));
        assert_string_equal(text, "100000 65536\n");
        assert_true(eci_grant_remove(dir, "abc123", &error));
        assert_false(g_file_test(file, G_FILE_TEST_EXISTS));
        /* nothing there, nothing to do */
        assert_true(eci_grant_remove(dir, "abc123", &error));
        assert_int_equal(g_rmdir(dir), 0);
        assert_true(eci_grant_remove(dir, "abc123", &error));
        assert_int_equal(g_rmdir(root), 0);
}

static void refuses_what_others_could_write(void **state)
{
        g_autofree char *root = tmp_root();
        g_autofree char *dir = g_build_filename(root, "grants", NULL);
        g_autoptr(GError) error = NULL;

        assert_int_equal(g_mkdir(dir, 0700), 0);
        assert_int_equal(chmod(dir, 0777), 0);
        assert_false(eci_grant_add(dir, "abc", 100000, 65536, &error));
        assert_non_null(strstr(error->message, "is not root's alone"));
        g_clear_error(&error);
        assert_false(eci_grant_remove(dir, "abc", &error));
        g_clear_error(&error);
        assert_int_equal(g_rmdir(dir), 0);
        /* a link in its place */
        assert_int_equal(symlink(root, dir), 0);
        assert_false(eci_grant_add(dir, "abc", 100000, 65536, &error));
        g_clear_error(&error);
        assert_int_equal(g_unlink(dir), 0);
        assert_int_equal(g_rmdir(root), 0);
}

static void ids_that_cannot_name_a_file(void **state)
{
        g_autofree char *root = tmp_root();
        g_autofree char *dir = g_build_filename(root, "grants", NULL);
        static const char *const bad[] = { "", ".", "..", "../x", "a/b", ".hidden", "a b", NULL };
        g_autoptr(GError) error = NULL;

        for (int i = 0; bad[i]; i++) {
                assert_false(eci_grant_add(dir, bad[i], 100000, 65536, &error));
                g_clear_error(&error);
                assert_true(eci_grant_remove(dir, bad[i], NULL)); /* never granted */
        }
        (void) g_rmdir(dir);
        assert_int_equal(g_rmdir(root), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(add_then_remove),
                cmocka_unit_test(refuses_what_others_could_write),
                cmocka_unit_test(ids_that_cannot_name_a_file),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
