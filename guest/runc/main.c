/* ecivm-runc: the guest's `runc`.  create/run rewrite the bundle's
 * config.json by the ECI policy, then exec the real runc with the original
 * arguments; delete frees the container's user-ID range once the real runc
 * has deleted it, and so does a foreground `run` (BuildKit's build steps,
 * which get no delete) once the real runc is done; everything else goes
 * straight through. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "../engine-grant.h"
#include "allowlist.h"
#include "contract.h"
#include "facts.h"
#include "grant.h"
#include "idalloc.h"
#include "policy.h"
#include "rootfs.h"

#define REAL_RUNC WIRE_PATH_REAL_RUNC
#define ECI_SETTINGS WIRE_PATH_ECI_JSON /* written by ecivm-init from the host's settings push */
#define RANGES_DIR "/data/ecivm-runc"
#define ROOTFS_DIR "/run/ecivm-runc"
#define ENGINE_SOCKET WIRE_PATH_ENGINE_SOCKET /* ecivm-agent's, filtered by the host */
#define DOCKER_ROOT ECI_DOCKER_ROOT
/* where dockerd's BuildKit executor puts a build step's bundle */
#define BUILDKIT_BUNDLES DOCKER_ROOT "/buildkit/executor/"
#define LXCFS_DIR "/var/lib/lxcfs"
#define PROCFS_DIR WIRE_PATH_PROCFS_DIR
#define DEFAULT_RUNC_ROOT "/run/runc"
#define ID_FIRST 100000u
#define ID_SIZE 65536u
#define ID_COUNT 4096u
/* a range without runc state younger than this is a create in progress */
#define CREATE_GRACE_S 300

typedef struct {
        char **argv;
        const char *log, *log_format, *root;
        const char *command;
        const char *bundle;
        const char *id;
        gboolean detach;
} Args;

/* ---------------------------------------------------------- arguments */

static gboolean takes_value(const char *opt, const char *const *with_value)
{
        for (; *with_value; with_value++)
                if (strcmp(opt, *with_value) == 0)
                        return TRUE;
        return FALSE;
}

/* -x value, --x value, --x=value */
static const char *option(char **argv, int *i, const char *name)
{
        const char *a = argv[*i];
        gsize n;

        while (*a == '-')
                a++;
        n = strlen(name);
        if (strncmp(a, name, n) != 0)
                return NULL;
        if (a[n] == '=')
                return a + n + 1;
        if (a[n] == '\0' && argv[*i + 1] != NULL)
                return argv[++*i];
        return NULL;
}

static void parse_args(int argc, char **argv, Args *a)
{
        static const char *const global_value[] = { "--log", "--log-format", "--root", "--criu", "--rootless", NULL };
        static const char *const cmd_value[] = { "--bundle", "-b", "--console-socket", "--pid-file",
                                                 "--preserve-fds", NULL };
        int i;

        *a = (Args){ .argv = argv, .root = DEFAULT_RUNC_ROOT };
        for (i = 1; i < argc && argv[i][0] == '-'; i++) {
                const char *v;
                char key[32];

                g_strlcpy(key, argv[i], sizeof(key));
                if (strchr(key, '='))
                        *strchr(key, '=') = '\0';
                if ((v = option(argv, &i, "log-format")) != NULL)
                        a->log_format = v;
                else if ((v = option(argv, &i, "log")) != NULL)
                        a->log = v;
                else if ((v = option(argv, &i, "root")) != NULL)
                        a->root = v;
                else if (takes_value(key, global_value) && !strchr(argv[i], '='))
                        i++;
        }
        if (i >= argc)
                return;
        a->command = argv[i++];
        for (; i < argc; i++) {
                const char *v;
                char key[32];

                if (argv[i][0] != '-') {
                        if (a->id == NULL)
                                a->id = argv[i];
                        continue;
                }
                g_strlcpy(key, argv[i], sizeof(key));
                if (strchr(key, '='))
                        *strchr(key, '=') = '\0';
                if ((v = option(argv, &i, "bundle")) != NULL || (v = option(argv, &i, "b")) != NULL)
                        a->bundle = v;
                else if (strcmp(argv[i], "--detach") == 0 || strcmp(argv[i], "-d") == 0)
                        a->detach = TRUE;
                else if (takes_value(key, cmd_value) && !strchr(argv[i], '='))
                        i++;
        }
}

/* ------------------------------------------------------------- errors */

/* runc's own way: a JSON line in the --log file (containerd's shim shows
 * the last error there) and text on stderr. */
G_GNUC_PRINTF(2, 3) static void report(const Args *a, const char *fmt, ...)
{
        g_autofree char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        if (a->log != NULL && g_strcmp0(a->log_format, "json") == 0) {
                g_autoptr(JsonBuilder) b = json_builder_new();
                g_autoptr(JsonGenerator) gen = json_generator_new();
                g_autoptr(GDateTime) now = g_date_time_new_now_utc();
                g_autofree char *when = g_date_time_format_iso8601(now);
                g_autoptr(JsonNode) root = NULL;
                g_autofree char *line = NULL;
                int fd;

                json_builder_begin_object(b);
                json_builder_set_member_name(b, "level");
                json_builder_add_string_value(b, "error");
                json_builder_set_member_name(b, "msg");
                json_builder_add_string_value(b, msg);
                json_builder_set_member_name(b, "time");
                json_builder_add_string_value(b, when);
                json_builder_end_object(b);
                root = json_builder_get_root(b);
                json_generator_set_root(gen, root);
                line = json_generator_to_data(gen, NULL);
                fd = open(a->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
                if (fd >= 0) {
                        g_autofree char *nl = g_strconcat(line, "\n", NULL);

                        if (write(fd, nl, strlen(nl)) < 0) {
                                /* stderr below still says it */
                        }
                        close(fd);
                }
        } else if (a->log != NULL) {
                FILE *f = fopen(a->log, "ae");

                if (f != NULL) {
                        fprintf(f, "level=error msg=\"%s\"\n", msg);
                        fclose(f);
                }
        }
        fprintf(stderr, "%s\n", msg);
}

/* ----------------------------------------------------------- allocator */

static gboolean range_still_used(const char *id, const char *root, gint64 since, gpointer data)
{
        g_autofree char *state = NULL;

        if (g_get_real_time() / G_USEC_PER_SEC - since < CREATE_GRACE_S)
                return TRUE;
        state = g_build_filename(root, id, "state.json", NULL);
        return g_file_test(state, G_FILE_TEST_EXISTS);
}

static gboolean container_still_known(const char *id, gpointer data)
{
        g_autofree char *dir = g_build_filename(DOCKER_ROOT, "containers", id, NULL);

        return g_file_test(dir, G_FILE_TEST_IS_DIR);
}

static EciIdAllocConfig alloc_config(void)
{
        return (EciIdAllocConfig){ .dir = RANGES_DIR, .first = ID_FIRST, .size = ID_SIZE, .count = ID_COUNT,
                                   .still_used = range_still_used, .still_known = container_still_known };
}

/* A range stops answering on the engine stand-in before it is free
 * (the agent also checks the allocator's file, so a grant left behind by a
 * crash answers nobody once the range is someone else's). */
static gboolean release_range(const Args *a, GError **error)
{
        EciIdAllocConfig ac = alloc_config();
        g_autoptr(GError) grant_error = NULL;

        if (!eci_grant_remove(ENGINE_GRANTS_DIR, a->id, &grant_error))
                report(a, "%s", grant_error->message);
        return eci_idalloc_release(&ac, a->id, error);
}

/* -------------------------------------------------------------- create */

static JsonNode *load_config(const char *path, GError **error)
{
        g_autoptr(JsonParser) p = json_parser_new();

        if (!json_parser_load_from_file(p, path, error))
                return NULL;
        return json_node_copy(json_parser_get_root(p));
}

static gboolean save_config(const char *path, JsonNode *config, GError **error)
{
        g_autoptr(JsonGenerator) gen = json_generator_new();
        g_autofree char *text = NULL;

        json_generator_set_root(gen, config);
        text = json_generator_to_data(gen, NULL);
        /* g_file_set_contents: temp file, fsync, rename */
        return g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/* json_node_copy shares the objects inside: a dry run needs its own */
static JsonNode *deep_copy(JsonNode *n)
{
        g_autofree char *text = json_to_string(n, FALSE);

        return json_from_string(text, NULL);
}

static gboolean bind_hits_socket(const EciPolicyContext *ctx, JsonNode *config)
{
        EciPolicyContext probe = *ctx;
        g_autoptr(JsonNode) copy = deep_copy(config);
        g_autoptr(GError) error = NULL;

        /* only ask for the allow-list (reads dockerd's files) when a socket
         * rule is what refuses */
        probe.socket_mount_allowed = TRUE;
        probe.root_path = NULL;
        probe.lxcfs_dir = NULL;
        probe.procfs_dir = NULL;
        if (!eci_policy_apply(copy, &probe, &error))
                return FALSE;
        return TRUE;
}

/* dockerd's BuildKit executor runs each build step with `runc run` from a
 * bundle of its own */
static gboolean buildkit_step(const Args *a, const char *bundle)
{
        char real[PATH_MAX];

        return strcmp(a->command, "run") == 0 && realpath(bundle, real) != NULL &&
               g_str_has_prefix(real, BUILDKIT_BUNDLES);
}

static gboolean binds_engine(JsonNode *config)
{
        JsonNode *n = json_object_get_member(json_node_get_object(config), "mounts");
        JsonArray *mounts = n != NULL && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;

        for (guint i = 0; mounts != NULL && i < json_array_get_length(mounts); i++) {
                JsonNode *m = json_array_get_element(mounts, i);

                if (JSON_NODE_HOLDS_OBJECT(m) &&
                    g_strcmp0(json_object_get_string_member_with_default(json_node_get_object(m), "source", ""),
                              ENGINE_SOCKET) == 0)
                        return TRUE;
        }
        return FALSE;
}

/* The container's grant as its config now says: given the stand-in or not
 * (a grant of an earlier start goes). */
static gboolean record_grant(const Args *a, JsonNode *config, guint32 base, GError **error)
{
        if (binds_engine(config))
                return eci_grant_add(ENGINE_GRANTS_DIR, a->id, base, ID_SIZE, error);
        return eci_grant_remove(ENGINE_GRANTS_DIR, a->id, error);
}

static int run_foreground(const Args *a);

static int do_create(const Args *a)
{
        g_autofree char *bundle = a->bundle ? g_strdup(a->bundle) : g_get_current_dir();
        g_autofree char *config_path = g_build_filename(bundle, "config.json", NULL);
        g_autofree char *rootfs = NULL;
        g_autoptr(JsonNode) config = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(EciFacts) facts = eci_facts_new();
        EciIdAllocConfig ac = alloc_config();
        EciPolicyContext ctx = { .id_count = ID_SIZE };
        gboolean build_step;
        guint32 base;
        gint64 t0;

        if (a->id == NULL) {
                report(a, "ecivm: %s: no container id", a->command);
                return 1;
        }
        config = load_config(config_path, &error);
        if (config == NULL) {
                report(a, "ecivm: cannot read %s: %s", config_path, error->message);
                return 1;
        }
        eci_facts_resolve(facts, config, a->id, a->root);
        eci_facts_to_context(facts, &ctx);
        ctx.container_id = a->id;
        build_step = buildkit_step(a, bundle);
        ctx.build_step = build_step;
        if (!eci_idalloc_acquire(&ac, a->id, a->root, &base, &error)) {
                report(a, "%s", error->message);
                return 1;
        }
        ctx.id_base = base;
        if (g_file_test(LXCFS_DIR "/proc/uptime", G_FILE_TEST_EXISTS))
                ctx.lxcfs_dir = LXCFS_DIR;
        if (g_file_test(PROCFS_DIR "/diskstats", G_FILE_TEST_EXISTS))
                ctx.procfs_dir = PROCFS_DIR;
        if (g_file_test(ENGINE_SOCKET, G_FILE_TEST_EXISTS))
                ctx.engine_socket = ENGINE_SOCKET;
        {
                /* a dry run first: refusals must not leave mounts behind */
                g_autoptr(JsonNode) copy = deep_copy(config);

                if (!eci_policy_apply(copy, &ctx, &error)) {
                        if (!(g_error_matches(error, ECI_POLICY_ERROR, ECI_POLICY_ERROR_REFUSED) &&
                              bind_hits_socket(&ctx, config) &&
                              eci_allowlist_allows(ECI_SETTINGS, DOCKER_ROOT, a->id))) {
                                report(a, "%s", error->message);
                                (void) release_range(a, NULL);
                                return 1;
                        }
                        g_clear_error(&error);
                        ctx.socket_mount_allowed = TRUE;
                }
        }
        t0 = g_get_monotonic_time();
        rootfs = eci_rootfs_prepare(ROOTFS_DIR, a->id, config, base, ID_SIZE, &error);
        if (rootfs != NULL) {
                /* for the figures in tests/bench/runc.sh */
                g_autofree char *timing = g_build_filename(ROOTFS_DIR, a->id, "prepare-us", NULL);
                g_autofree char *us = g_strdup_printf("%" G_GINT64_FORMAT "\n", g_get_monotonic_time() - t0);

                (void) g_file_set_contents(timing, us, -1, NULL);
        }
        if (rootfs == NULL && error != NULL) {
                report(a, "%s", error->message);
                (void) release_range(a, NULL);
                return 1;
        }
        ctx.root_path = rootfs;
        if (!eci_policy_apply(config, &ctx, &error) ||
            !eci_rootfs_map_binds(ROOTFS_DIR, a->id, config, facts->binds, base, ID_SIZE, &error) ||
            (rootfs != NULL && !eci_rootfs_lock_readonly_binds(rootfs, config, base, &error)) ||
            !save_config(config_path, config, &error) || !record_grant(a, config, base, &error)) {
                report(a, "%s", error->message);
                eci_rootfs_release(ROOTFS_DIR, a->id);
                (void) release_range(a, NULL);
                return 1;
        }
        if (strcmp(a->command, "run") == 0 && !a->detach)
                return run_foreground(a);
        execv(REAL_RUNC, a->argv);
        report(a, "ecivm: exec %s: %s", REAL_RUNC, g_strerror(errno));
        return 1;
}

/* -------------------------------------------------------------- delete */

static int run_real(const Args *a)
{
        pid_t pid = fork();
        int status;

        if (pid < 0) {
                report(a, "ecivm: fork: %s", g_strerror(errno));
                return 1;
        }
        if (pid == 0) {
                execv(REAL_RUNC, a->argv);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return 1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* what a foreground `runc run` passes on to the container */
static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT };
static volatile pid_t foreground_pid;

static void forward(int sig)
{
        if (foreground_pid > 0)
                (void) kill(foreground_pid, sig);
}

/* The real runc runs the container to its end and removes it, but nobody
 * calls delete after a foreground run: its range and rootfs go here.  A
 * SIGKILL of ours takes the real runc along (PDEATHSIG, as its caller asked
 * of us); the range then comes back once its grace time is over. */
static int run_foreground(const Args *a)
{
        g_autoptr(GError) error = NULL;
        pid_t self = getpid(), pid;
        int status;

        pid = fork();
        if (pid < 0) {
                report(a, "ecivm: fork: %s", g_strerror(errno));
                eci_rootfs_release(ROOTFS_DIR, a->id);
                (void) release_range(a, NULL);
                return 1;
        }
        if (pid == 0) {
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != self)
                        _exit(1);
                execv(REAL_RUNC, a->argv);
                _exit(127);
        }
        foreground_pid = pid;
        for (gsize i = 0; i < G_N_ELEMENTS(forwarded); i++) {
                struct sigaction sa = { .sa_handler = forward, .sa_flags = SA_RESTART };

                sigemptyset(&sa.sa_mask);
                (void) sigaction(forwarded[i], &sa, NULL);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        status = 1 << 8;
                        break;
                }
        eci_rootfs_release(ROOTFS_DIR, a->id);
        if (!release_range(a, &error))
                report(a, "%s", error->message);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int do_delete(const Args *a)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *state = NULL;
        int r = run_real(a);

        if (a->id == NULL)
                return r;
        state = g_build_filename(a->root, a->id, "state.json", NULL);
        if (r != 0 && g_file_test(state, G_FILE_TEST_EXISTS))
                return r;
        eci_rootfs_release(ROOTFS_DIR, a->id);
        if (!release_range(a, &error))
                report(a, "%s", error->message);
        return r;
}

int main(int argc, char **argv)
{
        Args a;

        parse_args(argc, argv, &a);
        if (a.command != NULL && (strcmp(a.command, "create") == 0 || strcmp(a.command, "run") == 0))
                return do_create(&a);
        if (a.command != NULL && strcmp(a.command, "delete") == 0)
                return do_delete(&a);
        execv(REAL_RUNC, argv);
        report(&a, "ecivm: exec %s: %s", REAL_RUNC, g_strerror(errno));
        return 127;
}
