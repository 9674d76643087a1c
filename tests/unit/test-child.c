/* ecivmd's child processes (vmm/child.c): pipes, passed fds, log file, exit
 * status, kill, and a child forgotten while it runs. */
#include "vmm-golden.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

static gboolean run(const char *script, EcivmChildFd *fds, gsize n_fds, const void *in, gsize in_len,
                    GString **out, GString **err, int *status)
{
        const char *const argv[] = { "/bin/sh", "-c", script, NULL };
        g_autoptr(GError) error = NULL;
        gboolean ok = ecivm_child_communicate(argv, fds, n_fds, in, in_len, out, err, status, &error);

        if (!ok)
                print_error("%s\n", error->message);
        return ok;
}

static void test_communicate(void **state)
{
        g_autoptr(GString) out = NULL, err = NULL;
        int status;

        assert_true(run("cat; echo oops >&2; exit 3", NULL, 0, "hello", 5, &out, &err, &status));
        assert_string_equal(out->str, "hello");
        assert_string_equal(err->str, "oops\n");
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 3);
}

/* more than a pipe holds each way: the loop must write and read in turns */
static void test_communicate_large(void **state)
{
        gsize len = 1 << 20;
        g_autofree char *in = g_malloc(len);
        g_autoptr(GString) out = NULL, err = NULL;
        int status;

        for (gsize i = 0; i < len; i++)
                in[i] = (char) ('a' + i % 26);
        assert_true(run("cat", NULL, 0, in, len, &out, &err, &status));
        assert_int_equal(out->len, len);
        assert_memory_equal(out->str, in, len);
        assert_int_equal(status, 0);
}

static void test_communicate_fd_and_early_exit(void **state)
{
        g_autoptr(GString) out = NULL, err = NULL;
        g_autofree char *in = g_malloc0(1 << 20);
        EcivmChildFd fd;
        int p[2], status;

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        assert_int_equal(write(p[1], "from fd 3", 9), 9);
        close(p[1]);
        fd = (EcivmChildFd) { p[0], 3 };
        /* never reads its stdin: a large input ends in EPIPE, not an error */
        assert_true(run("cat <&3", &fd, 1, in, 1 << 20, &out, &err, &status));
        assert_string_equal(out->str, "from fd 3");
        assert_int_equal(status, 0);
        assert_int_equal(fcntl(p[0], F_GETFD), -1); /* taken: closed */
}

static void test_communicate_missing(void **state)
{
        const char *const argv[] = { "/nonexistent/ecivm-child-test", NULL };
        g_autoptr(GError) error = NULL;
        GString *out = NULL, *err = NULL;
        int status;

        assert_false(ecivm_child_communicate(argv, NULL, 0, NULL, 0, &out, &err, &status, &error));
        assert_non_null(strstr(error->message, "/nonexistent/ecivm-child-test"));
}

typedef struct {
        GMainLoop *loop;
        int status;
        guint calls;
} Exit;

static void on_exit_cb(EcivmChild *child, int status, gpointer user)
{
        Exit *e = user;

        assert_null(ecivm_child_get_identifier(child));
        e->status = status;
        e->calls++;
        ecivm_child_free(child);
        g_main_loop_quit(e->loop);
}

static gboolean on_timeout(gpointer user)
{
        g_main_loop_quit(user);
        return G_SOURCE_REMOVE;
}

static void test_spawn_log_and_status(void **state)
{
        g_autofree char *dir = g_dir_make_tmp("ecivm-child-XXXXXX", NULL);
        g_autofree char *log = g_build_filename(dir, "log", NULL);
        g_autofree char *text = NULL;
        const char *const argv[] = { "sh", "-c", "echo out; echo err >&2; ls /proc/self/fd/5 >/dev/null && exit 7",
                                     NULL };
        g_autoptr(GError) error = NULL;
        Exit e = { g_main_loop_new(NULL, FALSE), -1, 0 };
        EcivmChildFd fd = { open("/dev/null", O_RDONLY | O_CLOEXEC), 5 };
        EcivmChild *c = ecivm_child_spawn(argv, &fd, 1, log, TRUE, on_exit_cb, &e, &error);

        assert_non_null(c);
        assert_non_null(ecivm_child_get_identifier(c));
        g_timeout_add_seconds(10, on_timeout, e.loop);
        g_main_loop_run(e.loop);
        assert_int_equal(e.calls, 1);
        assert_true(WIFEXITED(e.status));
        assert_int_equal(WEXITSTATUS(e.status), 7);
        assert_true(g_file_get_contents(log, &text, NULL, NULL));
        assert_string_equal(text, "out\nerr\n");
        unlink(log);
        rmdir(dir);
        g_main_loop_unref(e.loop);
}

static void test_kill(void **state)
{
        const char *const argv[] = { "sleep", "100", NULL };
        g_autoptr(GError) error = NULL;
        Exit e = { g_main_loop_new(NULL, FALSE), -1, 0 };
        EcivmChild *c = ecivm_child_spawn(argv, NULL, 0, NULL, FALSE, on_exit_cb, &e, &error);

        assert_non_null(c);
        ecivm_child_kill(c, SIGKILL);
        g_timeout_add_seconds(10, on_timeout, e.loop);
        g_main_loop_run(e.loop);
        assert_int_equal(e.calls, 1);
        assert_true(WIFSIGNALED(e.status));
        assert_int_equal(WTERMSIG(e.status), SIGKILL);
        g_main_loop_unref(e.loop);
}

/* forgotten while running: no callback, and the child is still reaped */
static void test_forget(void **state)
{
        const char *const argv[] = { "sh", "-c", "exit 0", NULL };
        g_autoptr(GError) error = NULL;
        Exit e = { g_main_loop_new(NULL, FALSE), -1, 0 };
        EcivmChild *c = ecivm_child_spawn(argv, NULL, 0, NULL, FALSE, on_exit_cb, &e, &error);
        pid_t pid;

        assert_non_null(c);
        pid = atoi(ecivm_child_get_identifier(c));
        ecivm_child_free(c);
        g_timeout_add(500, on_timeout, e.loop);
        g_main_loop_run(e.loop);
        assert_int_equal(e.calls, 0);
        assert_int_equal(waitpid(pid, NULL, WNOHANG), -1); /* already reaped */
        assert_int_equal(errno, ECHILD);
        g_main_loop_unref(e.loop);
}

int main(void)
{
        signal(SIGPIPE, SIG_IGN); /* as ecivmd does (child.h) */
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_communicate),          cmocka_unit_test(test_communicate_large),
                cmocka_unit_test(test_communicate_fd_and_early_exit), cmocka_unit_test(test_communicate_missing),
                cmocka_unit_test(test_spawn_log_and_status), cmocka_unit_test(test_kill),
                cmocka_unit_test(test_forget),
        };
        return cmocka_run_group_tests_name("child", tests, NULL, NULL);
}
