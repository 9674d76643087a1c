/* ecivm-runc's user-ID range allocator: ranges, persistence, release and
 * reuse, exhaustion, several processes at once, a corrupted state file. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "idalloc.h"

typedef struct {
        char *dir;
        EciIdAllocConfig cfg;
} Fx;

static int setup(void **state)
{
        Fx *fx = g_new0(Fx, 1);

        fx->dir = g_dir_make_tmp("ecivm-idalloc-XXXXXX", NULL);
        assert_non_null(fx->dir);
        fx->cfg = (EciIdAllocConfig){ .dir = fx->dir, .first = 100000, .size = 65536, .count = 4096 };
        *state = fx;
        return 0;
}

static int teardown(void **state)
{
        Fx *fx = *state;
        g_autofree char *a = g_build_filename(fx->dir, "ranges", NULL);
        g_autofree char *b = g_build_filename(fx->dir, "ranges.lock", NULL);

        g_unlink(a);
        g_unlink(b);
        g_rmdir(fx->dir);
        g_free(fx->dir);
        g_free(fx);
        return 0;
}

static guint32 acquire(const EciIdAllocConfig *cfg, const char *id)
{
        g_autoptr(GError) error = NULL;
        guint32 base = 0;

        if (!eci_idalloc_acquire(cfg, id, "/run/docker/runtime-runc/moby", &base, &error))
                fail_msg("acquire %s: %s", id, error->message);
        return base;
}

static void test_sequential(void **state)
{
        Fx *fx = *state;

        assert_int_equal(acquire(&fx->cfg, "a"), 100000);
        assert_int_equal(acquire(&fx->cfg, "b"), 165536);
        assert_int_equal(acquire(&fx->cfg, "c"), 231072);
        /* create retried with the same id: the same range */
        assert_int_equal(acquire(&fx->cfg, "b"), 165536);
}

static void test_persistence(void **state)
{
        Fx *fx = *state;
        EciIdAllocConfig again = fx->cfg; /* a new "process": nothing kept in memory */
        guint32 base = 0;

        assert_int_equal(acquire(&fx->cfg, "a"), 100000);
        assert_int_equal(acquire(&fx->cfg, "b"), 165536);
        assert_true(eci_idalloc_lookup(&again, "b", &base, NULL));
        assert_int_equal(base, 165536);
        assert_false(eci_idalloc_lookup(&again, "zz", &base, NULL));
        assert_int_equal(acquire(&again, "c"), 231072);
}

static void test_release_reuse(void **state)
{
        Fx *fx = *state;
        guint32 base;

        assert_int_equal(acquire(&fx->cfg, "a"), 100000);
        assert_int_equal(acquire(&fx->cfg, "b"), 165536);
        assert_true(eci_idalloc_release(&fx->cfg, "a", NULL));
        assert_false(eci_idalloc_lookup(&fx->cfg, "a", &base, NULL));
        /* released twice, or never held: fine */
        assert_true(eci_idalloc_release(&fx->cfg, "a", NULL));
        assert_true(eci_idalloc_release(&fx->cfg, "never", NULL));
        /* a restart of b keeps its range */
        assert_true(eci_idalloc_release(&fx->cfg, "b", NULL));
        assert_int_equal(acquire(&fx->cfg, "b"), 165536);
        /* the freed range goes to the next container */
        assert_int_equal(acquire(&fx->cfg, "c"), 100000);
}

static gboolean known_a(const char *id, gpointer data)
{
        return strcmp(id, "a") == 0;
}

static void test_stopped_container_keeps_range(void **state)
{
        Fx *fx = *state;

        fx->cfg.still_known = known_a;
        assert_int_equal(acquire(&fx->cfg, "a"), 100000);
        assert_true(eci_idalloc_release(&fx->cfg, "a", NULL)); /* docker stop */
        assert_int_equal(acquire(&fx->cfg, "b"), 165536);      /* a's range stays a's */
        assert_int_equal(acquire(&fx->cfg, "a"), 100000);      /* docker start */
}

static gboolean only_b_alive(const char *id, const char *root, gint64 since, gpointer data)
{
        return strcmp(id, "b") == 0;
}

static void test_vanished_collected(void **state)
{
        Fx *fx = *state;

        assert_int_equal(acquire(&fx->cfg, "a"), 100000);
        assert_int_equal(acquire(&fx->cfg, "b"), 165536);
        fx->cfg.still_used = only_b_alive; /* "a" vanished (VM reboot) */
        assert_int_equal(acquire(&fx->cfg, "c"), 100000);
}

static void test_exhaustion(void **state)
{
        Fx *fx = *state;
        g_autoptr(GError) error = NULL;
        guint32 base;

        fx->cfg.count = 3;
        acquire(&fx->cfg, "a");
        acquire(&fx->cfg, "b");
        acquire(&fx->cfg, "c");
        assert_false(eci_idalloc_acquire(&fx->cfg, "d", "-", &base, &error));
        assert_true(g_error_matches(error, ECI_IDALLOC_ERROR, ECI_IDALLOC_ERROR_EXHAUSTED));
        assert_string_equal(error->message, "ecivm: no free user-ID range: all 3 ranges of 65536 IDs are in use "
                                            "(remove containers to free some)");
        assert_true(eci_idalloc_release(&fx->cfg, "b", NULL));
        assert_int_equal(acquire(&fx->cfg, "d"), 165536);
}

static void test_pool_limits(void **state)
{
        Fx *fx = *state;
        g_autoptr(GError) error = NULL;
        guint32 base;

        fx->cfg.count = 70000; /* past 2^32 */
        assert_false(eci_idalloc_acquire(&fx->cfg, "a", "-", &base, &error));
        assert_true(g_error_matches(error, ECI_IDALLOC_ERROR, ECI_IDALLOC_ERROR_INVALID));
        g_clear_error(&error);
        fx->cfg.count = 4096;
        assert_false(eci_idalloc_acquire(&fx->cfg, "bad id", "-", &base, &error));
        assert_false(eci_idalloc_acquire(&fx->cfg, "", "-", &base, NULL));
}

#define CHILDREN 6
#define PER_CHILD 8

static void test_concurrent_processes(void **state)
{
        Fx *fx = *state;
        pid_t pids[CHILDREN];
        g_autoptr(GHashTable) bases = g_hash_table_new(g_direct_hash, g_direct_equal);
        int fds[2];
        guint32 base;

        assert_int_equal(pipe(fds), 0);
        for (int c = 0; c < CHILDREN; c++) {
                pids[c] = fork();
                assert_true(pids[c] >= 0);
                if (pids[c] == 0) {
                        close(fds[0]);
                        for (int k = 0; k < PER_CHILD; k++) {
                                char id[32];

                                snprintf(id, sizeof(id), "c%d-%d", c, k);
                                if (!eci_idalloc_acquire(&fx->cfg, id, "-", &base, NULL))
                                        _exit(1);
                                if (write(fds[1], &base, sizeof(base)) != sizeof(base))
                                        _exit(2);
                        }
                        _exit(0);
                }
        }
        close(fds[1]);
        while (read(fds[0], &base, sizeof(base)) == sizeof(base)) {
                assert_true((base - 100000) % 65536 == 0);
                assert_false(g_hash_table_contains(bases, GUINT_TO_POINTER(base)));
                g_hash_table_add(bases, GUINT_TO_POINTER(base));
        }
        close(fds[0]);
        for (int c = 0; c < CHILDREN; c++) {
                int status;

                assert_int_equal(waitpid(pids[c], &status, 0), pids[c]);
                assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        assert_int_equal(g_hash_table_size(bases), CHILDREN * PER_CHILD);
        /* and the file agrees: every one is there, none twice */
        for (int c = 0; c < CHILDREN; c++)
                for (int k = 0; k < PER_CHILD; k++) {
                        char id[32];

                        snprintf(id, sizeof(id), "c%d-%d", c, k);
                        assert_true(eci_idalloc_lookup(&fx->cfg, id, &base, NULL));
                }
}

static void write_state(Fx *fx, const char *text)
{
        g_autofree char *path = g_build_filename(fx->dir, "ranges", NULL);

        assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void expect_corrupt(Fx *fx, const char *text, const char *why)
{
        g_autoptr(GError) error = NULL;
        guint32 base;

        write_state(fx, text);
        assert_false(eci_idalloc_acquire(&fx->cfg, "x", "-", &base, &error));
        assert_true(g_error_matches(error, ECI_IDALLOC_ERROR, ECI_IDALLOC_ERROR_CORRUPT));
        if (strstr(error->message, why) == NULL)
                fail_msg("message \"%s\" lacks \"%s\"", error->message, why);
        assert_non_null(strstr(error->message, "is corrupt"));
}

static void test_corrupt(void **state)
{
        Fx *fx = *state;

        expect_corrupt(fx, "garbage\n", "bad header");
        expect_corrupt(fx, "ecivm-runc-ranges 1 100000 65536\n0 used a\n", "expected 5 fields");
        expect_corrupt(fx, "ecivm-runc-ranges 1 100000 65536\n9999 used a - 1\n", "bad range index");
        expect_corrupt(fx, "ecivm-runc-ranges 1 100000 65536\n0 maybe a - 1\n", "neither used nor free");
        expect_corrupt(fx, "ecivm-runc-ranges 1 100000 65536\n0 used a - 1\n0 free b - 1\n", "listed twice");
        expect_corrupt(fx, "ecivm-runc-ranges 1 100000 65536\n0 used a - 1\n1 used a - 1\n", "two ranges");
        expect_corrupt(fx, "ecivm-runc-ranges 1 100000 65536\n0 used a - 1", "truncated");
        expect_corrupt(fx, "ecivm-runc-ranges 1 100000 65536\n0 used a - x\n", "bad container id");
        expect_corrupt(fx, "ecivm-runc-ranges 1 200000 65536\n", "bad header");
        /* a good file still works after all that */
        write_state(fx, "ecivm-runc-ranges 1 100000 65536\n1 used a - 1\n");
        assert_int_equal(acquire(&fx->cfg, "b"), 100000);
        assert_int_equal(acquire(&fx->cfg, "a"), 165536);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_sequential, setup, teardown),
                cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
                cmocka_unit_test_setup_teardown(test_release_reuse, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stopped_container_keeps_range, setup, teardown),
                cmocka_unit_test_setup_teardown(test_vanished_collected, setup, teardown),
                cmocka_unit_test_setup_teardown(test_exhaustion, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pool_limits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_concurrent_processes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
        };

        return cmocka_run_group_tests_name("runc-idalloc", tests, NULL, NULL);
}
