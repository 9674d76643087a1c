#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gio.h>

#include "api-proto.h"
#include "cli.h"
#include "error.h"

static int connect_daemon(EcivmCli *cli, GError **error)
{
        g_autofree char *path = g_build_filename(cli->run_dir, "ecivmd.sock", NULL);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: path too long", path);
                return -1;
        }
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0)
                return fd;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "ecivmd at %s: %s", path, g_strerror(errno));
        if (fd >= 0)
                close(fd);
        return -1;
}

gboolean ecivm_cli_daemon_absent(const GError *error)
{
        return g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
               g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

static gboolean write_all(int fd, const char *p, gsize len, GError **error)
{
        while (len > 0) {
                ssize_t n = send(fd, p, len, MSG_NOSIGNAL); /* a refused connection must not kill us */
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "ecivmd: %s", g_strerror(errno));
                        return FALSE;
                }
                p += n;
                len -= (gsize) n;
        }
        return TRUE;
}

static char *read_line(int fd, guint timeout_s, GError **error)
{
        g_autoptr(GString) s = g_string_new(NULL);
        gint64 deadline = timeout_s ? g_get_monotonic_time() + (gint64) timeout_s * G_USEC_PER_SEC : 0;

        while (!memchr(s->str, '\n', s->len)) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int wait_ms = deadline ? (int) MAX(0, (deadline - g_get_monotonic_time()) / 1000) : -1;
                char buf[4096];
                ssize_t n;

                if (poll(&p, 1, wait_ms) == 0) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "ecivmd did not answer within %u s", timeout_s);
                        return NULL;
                }
                n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0 || s->len > ECIVM_API_MAX_LINE * 16) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "ecivmd closed the connection");
                        return NULL;
                }
                g_string_append_len(s, buf, n);
        }
        return g_strndup(s->str, (gsize) ((char *) memchr(s->str, '\n', s->len) - s->str));
}

JsonNode *ecivm_cli_call(EcivmCli *cli, const char *method, JsonObject *params, guint timeout_s, GError **error)
{
        g_autofree char *req = ecivm_api_request_build(1, method, params);
        g_autofree char *line = NULL;
        int fd = connect_daemon(cli, error);
        gint64 id;

        if (fd < 0)
                return NULL;
        /* a refused connection has its reply waiting even when the write failed */
        if (!write_all(fd, req, strlen(req), error))
                g_clear_error(error);
        line = read_line(fd, timeout_s, error);
        close(fd);
        if (!line)
                return NULL;
        return ecivm_api_reply_parse(line, strlen(line), &id, error);
}

static char *find_daemon(void)
{
        g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
        g_autofree char *dir = self ? g_path_get_dirname(self) : NULL;
        g_autofree char *beside = dir ? g_build_filename(dir, "ecivmd", NULL) : NULL;

        if (g_getenv("ECIVMD"))
                return g_strdup(g_getenv("ECIVMD"));
        if (beside && g_file_test(beside, G_FILE_TEST_IS_EXECUTABLE))
                return g_steal_pointer(&beside);
        return g_strdup(ECIVM_SBINDIR "/ecivmd");
}

static void new_session(gpointer user)
{
        (void) user;
        setsid();
}

gboolean ecivm_cli_spawn_daemon(EcivmCli *cli, char **extra_args, GError **error)
{
        g_autofree char *daemon = find_daemon();
        g_autofree char *log = g_build_filename(cli->state_dir, "ecivmd.log", NULL);
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
        g_autoptr(GSubprocess) p = NULL;

        if (g_mkdir_with_parents(cli->state_dir, 0700) < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s: %s", cli->state_dir, g_strerror(errno));
                return FALSE;
        }
        g_ptr_array_add(argv, g_strdup(daemon));
        g_ptr_array_add(argv, g_strdup_printf("--run-dir=%s", cli->run_dir));
        g_ptr_array_add(argv, g_strdup_printf("--state-dir=%s", cli->state_dir));
        g_ptr_array_add(argv, g_strdup_printf("--image-dir=%s", cli->image_dir));
        if (cli->trusted_key)
                g_ptr_array_add(argv, g_strdup_printf("--trusted-key=%s", cli->trusted_key));
        if (cli->admin_settings)
                g_ptr_array_add(argv, g_strdup_printf("--admin-settings=%s", cli->admin_settings));
        g_ptr_array_add(argv, g_strdup("--exit-when-stopped"));
        for (char **a = extra_args; a && *a; a++)
                g_ptr_array_add(argv, g_strdup(*a));
        g_ptr_array_add(argv, NULL);
        g_subprocess_launcher_set_stdout_file_path(l, log);
        g_subprocess_launcher_set_stderr_file_path(l, log);
        /* its own session, so the daemon outlives this terminal */
        g_subprocess_launcher_set_child_setup(l, new_session, NULL, NULL);
        p = g_subprocess_launcher_spawnv(l, (const char *const *) argv->pdata, error);
        if (!p)
                return FALSE;
        for (int i = 0; i < 100; i++) {
                g_autoptr(GError) e = NULL;
                g_autoptr(JsonNode) r = ecivm_cli_call(cli, "ping", NULL, 5, &e);

                if (r)
                        return TRUE;
                if (g_subprocess_get_identifier(p) == NULL) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_STATE, "ecivmd exited at once; see %s", log);
                        return FALSE;
                }
                g_usleep(100 * 1000);
        }
        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_STATE, "ecivmd did not come up; see %s", log);
        return FALSE;
}

FILE *ecivm_cli_open_stream(EcivmCli *cli, const char *method, JsonObject *params)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *req = ecivm_api_request_build(1, method, params);
        int fd = connect_daemon(cli, &error);

        if (fd < 0 || !write_all(fd, req, strlen(req), &error)) {
                fprintf(stderr, "ecivm: %s\n", error->message);
                if (fd >= 0)
                        close(fd);
                return NULL;
        }
        return fdopen(fd, "r");
}
