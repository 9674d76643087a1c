#include "config.h"

#include <string.h>

#include "policy.h"

G_DEFINE_QUARK(eci-policy-error-quark, eci_policy_error)

#define REFUSE(error, ...) \
        (g_set_error((error), ECI_POLICY_ERROR, ECI_POLICY_ERROR_REFUSED, "ecivm: " __VA_ARGS__), FALSE)
#define INVALID(error, ...) \
        (g_set_error((error), ECI_POLICY_ERROR, ECI_POLICY_ERROR_INVALID, "ecivm: invalid config.json: " __VA_ARGS__), \
         FALSE)

const char *const eci_policy_denied_syscalls[] = {
        "init_module", "finit_module", "delete_module", "create_module", "query_module", "get_kernel_syms",
        "kexec_load", "kexec_file_load", "bpf", "open_by_handle_at", "add_key", "request_key", "keyctl",
        "perf_event_open", "iopl", "ioperm", "swapon", "swapoff", "acct", "syslog", "lookup_dcookie",
        "uselib", "nfsservctl", "vm86", "vm86old", NULL,
};

/* Namespaces a container must have of its own, with the docker flag that
 * drops each one (for the message). */
static const struct {
        const char *type, *flag;
} required_ns[] = {
        { "pid", "--pid=host" },       { "network", "--network=host" }, { "ipc", "--ipc=host" },
        { "uts", "--uts=host" },       { "cgroup", "--cgroupns=host" }, { "mount", "a shared mount namespace" },
};

/* Docker's defaults, kept even for --privileged, plus the VM's debug and
 * tracing file systems. */
static const char *const masked_paths[] = {
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/proc/kmsg", "/proc/sysrq-trigger",
        "/sys/firmware", "/sys/kernel/debug", "/sys/kernel/tracing", "/sys/kernel/security", NULL,
};
static const char *const readonly_paths[] = {
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

/* Device nodes a container may have (everything else is dropped, which is
 * what turns --privileged's "all host devices" into nothing). */
static const char *const safe_devices[] = {
        "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/console",
        "/dev/ptmx", NULL,
};
/* The cgroup device rules every container gets: c major:minor */
static const struct {
        gint64 major, minor; /* -1 = any */
} allowed_cdev[] = {
        { 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 }, { 1, 9 }, { 5, 0 }, { 5, 1 }, { 5, 2 }, { 136, -1 }, { 10, 200 },
};

/* the emulated /proc files; diskstats comes from ecivm-procfs when it runs
 * (lxcfs builds it from cgroup v1 files only), else from lxcfs */
static const char *const proc_view_files[] = {
        "uptime", "meminfo", "cpuinfo", "stat", "loadavg", "swaps", "diskstats", NULL,
};


static gboolean in_list(const char *const *list, const char *s)
{
        for (; *list; list++)
                if (strcmp(*list, s) == 0)
                        return TRUE;
        return FALSE;
}

/* The member NAME of O as an object, created when missing; NULL (with an
 * error) when it exists and is not an object. */
static JsonObject *child_object(JsonObject *o, const char *name, gboolean create, GError **error)
{
        JsonNode *n = json_object_get_member(o, name);

        if (n == NULL || JSON_NODE_HOLDS_NULL(n)) {
                if (!create)
                        return NULL;
                json_object_set_object_member(o, name, json_object_new());
                return json_object_get_object_member(o, name);
        }
        if (!JSON_NODE_HOLDS_OBJECT(n)) {
                (void) INVALID(error, "\"%s\" is not an object", name);
                return NULL;
        }
        return json_node_get_object(n);
}

static JsonArray *child_array(JsonObject *o, const char *name, gboolean create, GError **error)
{
        JsonNode *n = json_object_get_member(o, name);

        if (n == NULL || JSON_NODE_HOLDS_NULL(n)) {
                if (!create)
                        return NULL;
                json_object_set_array_member(o, name, json_array_new());
                return json_object_get_array_member(o, name);
        }
        if (!JSON_NODE_HOLDS_ARRAY(n)) {
                (void) INVALID(error, "\"%s\" is not an array", name);
                return NULL;
        }
        return json_node_get_array(n);
}

/* element I of A when it is an object, else NULL */
static JsonObject *object_at(JsonArray *a, guint i)
{
        JsonNode *n = json_array_get_element(a, i);

        return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static const char *string_member(JsonObject *o, const char *name)
{
        JsonNode *n = json_object_get_member(o, name);

        if (n == NULL || json_node_get_value_type(n) != G_TYPE_STRING)
                return NULL;
        return json_node_get_string(n);
}

static gboolean array_has_string(JsonArray *a, const char *s)
{
        for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
                JsonNode *n = json_array_get_element(a, i);

                if (json_node_get_value_type(n) == G_TYPE_STRING && strcmp(json_node_get_string(n), s) == 0)
                        return TRUE;
        }
        return FALSE;
}

/* ---------------------------------------------------------- namespaces */

static gboolean check_namespaces(JsonObject *linux_o, const EciPolicyContext *ctx, GError **error)
{
        JsonArray *ns = child_array(linux_o, "namespaces", TRUE, error);
        g_autoptr(JsonArray) kept = json_array_new();

        if (ns == NULL)
                return FALSE;
        for (gsize r = 0; r < G_N_ELEMENTS(required_ns); r++) {
                gboolean found = FALSE;

                for (guint i = 0; i < json_array_get_length(ns) && !found; i++) {
                        JsonObject *e = object_at(ns, i);
                        const char *type = e ? string_member(e, "type") : NULL;

                        found = type != NULL && strcmp(type, required_ns[r].type) == 0;
                }
                if (!found && ctx->build_step && strcmp(required_ns[r].type, "cgroup") == 0) {
                        JsonObject *cg = json_object_new();

                        json_object_set_string_member(cg, "type", "cgroup");
                        json_array_add_object_element(kept, cg);
                } else if (!found) {
                        return REFUSE(error, "%s is not allowed: containers cannot share namespaces with the VM",
                                      required_ns[r].flag);
                }
        }
        for (guint i = 0; i < json_array_get_length(ns); i++) {
                JsonObject *e = object_at(ns, i);
                const char *type = e ? string_member(e, "type") : NULL;
                const char *path = e ? string_member(e, "path") : NULL;
                const char *id, *vm;

                if (type == NULL)
                        return INVALID(error, "a namespace has no type");
                if (strcmp(type, "user") == 0) {
                        if (path != NULL && *path != '\0')
                                return REFUSE(error, "joining the user namespace %s is not allowed: every container "
                                              "gets a user namespace of its own", path);
                        continue; /* replaced below */
                }
                if (path != NULL && *path != '\0') {
                        id = ctx->ns_identity ? g_hash_table_lookup(ctx->ns_identity, path) : NULL;
                        vm = ctx->vm_ns ? g_hash_table_lookup(ctx->vm_ns, type) : NULL;
                        if (id == NULL)
                                return REFUSE(error, "the %s namespace %s cannot be resolved", type, path);
                        if (vm == NULL || strcmp(id, vm) == 0) {
                                for (gsize r = 0; r < G_N_ELEMENTS(required_ns); r++)
                                        if (strcmp(type, required_ns[r].type) == 0)
                                                return REFUSE(error, "%s is not allowed: containers cannot share "
                                                              "namespaces with the VM", required_ns[r].flag);
                                return REFUSE(error, "the %s namespace of the VM is not allowed", type);
                        }
                }
                json_array_add_element(kept, json_node_copy(json_array_get_element(ns, i)));
        }
        {
                JsonObject *user = json_object_new();

                json_object_set_string_member(user, "type", "user");
                json_array_add_object_element(kept, user);
        }
        json_object_set_array_member(linux_o, "namespaces", g_steal_pointer(&kept));
        return TRUE;
}

static JsonArray *id_mapping(const EciPolicyContext *ctx)
{
        JsonArray *a = json_array_new();
        JsonObject *m = json_object_new();

        json_object_set_int_member(m, "containerID", 0);
        json_object_set_int_member(m, "hostID", ctx->id_base);
        json_object_set_int_member(m, "size", ctx->id_count);
        json_array_add_object_element(a, m);
        return a;
}

static gboolean check_id(const EciPolicyContext *ctx, JsonObject *user, const char *member, GError **error)
{
        JsonNode *n = json_object_get_member(user, member);
        gint64 v;

        if (n == NULL)
                return TRUE;
        if (json_node_get_value_type(n) != G_TYPE_INT64)
                return INVALID(error, "process.user.%s is not a number", member);
        v = json_node_get_int(n);
        if (v < 0 || v >= (gint64) ctx->id_count)
                return REFUSE(error, "user or group id %" G_GINT64_FORMAT " is not allowed: a container's IDs are "
                              "0-%u", v, ctx->id_count - 1);
        return TRUE;
}

static gboolean check_process_user(JsonObject *root, const EciPolicyContext *ctx, GError **error)
{
        JsonObject *process = child_object(root, "process", FALSE, error);
        JsonObject *user;
        JsonArray *groups;

        if (process == NULL)
                return error == NULL || *error == NULL;
        user = child_object(process, "user", FALSE, error);
        if (user == NULL)
                return error == NULL || *error == NULL;
        if (!check_id(ctx, user, "uid", error) || !check_id(ctx, user, "gid", error))
                return FALSE;
        groups = child_array(user, "additionalGids", FALSE, error);
        for (guint i = 0; groups != NULL && i < json_array_get_length(groups); i++) {
                gint64 g = json_array_get_int_element(groups, i);

                if (g < 0 || g >= (gint64) ctx->id_count)
                        return REFUSE(error, "user or group id %" G_GINT64_FORMAT " is not allowed: a container's "
                                      "IDs are 0-%u", g, ctx->id_count - 1);
        }
        return error == NULL || *error == NULL;
}

/* The VM's services have -999 (ecivm-init); a container may only be
 * killed before them.  Without a value a process would inherit its
 * starter's (BuildKit's steps dockerd's), so it gets 0, Docker's default. */
static gboolean check_oom_score(JsonObject *root, GError **error)
{
        JsonObject *process = child_object(root, "process", FALSE, error);
        JsonNode *adj;
        gint64 v;

        if (process == NULL)
                return error == NULL || *error == NULL;
        adj = json_object_get_member(process, "oomScoreAdj");
        if (adj == NULL || JSON_NODE_HOLDS_NULL(adj)) {
                json_object_set_int_member(process, "oomScoreAdj", 0);
                return TRUE;
        }
        if (!JSON_NODE_HOLDS_VALUE(adj) || json_node_get_value_type(adj) != G_TYPE_INT64)
                return INVALID(error, "process.oomScoreAdj is not an integer");
        v = json_node_get_int(adj);
        if (v < 0)
                return REFUSE(error, "--oom-score-adj=%" G_GINT64_FORMAT " is not allowed: containers cannot "
                              "outlast the VM's services when memory runs out", v);
        return TRUE;
}

/* --------------------------------------------------------------- binds */

static JsonArray *mount_options(JsonObject *m)
{
        JsonNode *opts = json_object_get_member(m, "options");

        return opts && JSON_NODE_HOLDS_ARRAY(opts) ? json_node_get_array(opts) : NULL;
}

static gboolean is_bind(JsonObject *m)
{
        const char *type = string_member(m, "type");
        JsonArray *a = mount_options(m);

        return (type != NULL && strcmp(type, "bind") == 0) || array_has_string(a, "bind") ||
               array_has_string(a, "rbind");
}

/* where /proc/FILE of a container comes from, or NULL (none running) */
static char *proc_view_source(const EciPolicyContext *ctx, const char *file)
{
        if (strcmp(file, "diskstats") == 0 && ctx->procfs_dir != NULL)
                return g_build_filename(ctx->procfs_dir, file, NULL);
        return ctx->lxcfs_dir ? g_build_filename(ctx->lxcfs_dir, "proc", file, NULL) : NULL;
}

/* one of the binds add_proc_views makes (an earlier pass) */
static gboolean is_proc_view_bind(const EciPolicyContext *ctx, const char *src, const char *dst)
{
        for (const char *const *f = proc_view_files; *f; f++) {
                g_autofree char *s = proc_view_source(ctx, *f);

                if (s != NULL && strcmp(src, s) == 0 && g_str_has_prefix(dst, "/proc/") &&
                    strcmp(dst + strlen("/proc/"), *f) == 0)
                        return TRUE;
        }
        return FALSE;
}

static gboolean refuse_mount(GError **error, const char *src, const EciBindFact *f, const char *why)
{
        if (f != NULL && f->realpath != NULL && strcmp(src, f->realpath) != 0)
                return REFUSE(error, "mounting %s is not allowed: %s (it resolves to %s)", src, why, f->realpath);
        return REFUSE(error, "mounting %s is not allowed: %s", src, why);
}

/* an allow-listed image binding dockerd's socket gets the filtered one */
static gboolean engine_socket(JsonObject *m, const char *src, const EciBindFact *f, const EciPolicyContext *ctx,
                              GError **error)
{
        if (!ctx->socket_mount_allowed)
                return refuse_mount(error, src, f, "it would expose the Docker Engine socket");
        if (ctx->engine_socket == NULL)
                return refuse_mount(error, src, f, "the filtered engine socket is not available");
        json_object_set_string_member(m, "source", ctx->engine_socket);
        return TRUE;
}

static gboolean own_file(const EciSource *s, const EciBindFact *f, const EciPolicyContext *ctx, GError **error,
                         const char *src)
{
        gboolean shm = s->cls == ECI_SOURCE_CONTAINER_SHM;
        gboolean mine = g_strcmp0(s->owner, ctx->container_id) == 0 ||
                        (shm && g_strcmp0(s->owner, ctx->ipc_container) == 0);

        if (!mine)
                return refuse_mount(error, src, f, "it belongs to another container");
        if (f->shape != (shm ? ECI_SOURCE_TMPFS_ROOT : ECI_SOURCE_PLAIN))
                return refuse_mount(error, src, f, "it is not what dockerd made for the container (a link or a "
                                                   "mount is in its place)");
        return TRUE;
}

/* The allow-list of bind sources (mount-sources.h): the container's own
 * volumes and files, a build step's layers, the engine stand-in. */
static gboolean check_bind(JsonObject *m, const char *src, const EciPolicyContext *ctx, GError **error)
{
        const EciBindFact *f = ctx->binds ? g_hash_table_lookup(ctx->binds, src) : NULL;
        g_auto(EciSource) s = { 0 };

        if (f == NULL || f->realpath == NULL || f->shape == ECI_SOURCE_UNRESOLVED)
                return refuse_mount(error, src, NULL, "it cannot be resolved in the VM");
        eci_source_classify(f->realpath, &s);
        switch (s.cls) {
        case ECI_SOURCE_VOLUME:
                if (f->shape == ECI_SOURCE_PLAIN || f->shape == ECI_SOURCE_TMPFS_ROOT)
                        return TRUE;
                return refuse_mount(error, src, f, "a volume's data must be a directory of its own on the data "
                                                   "disk (volumes may not bind paths of the VM)");
        case ECI_SOURCE_CONTAINER_FILE:
        case ECI_SOURCE_CONTAINER_SHM:
                return own_file(&s, f, ctx, error, src);
        case ECI_SOURCE_BUILD_DATA:
                if (ctx->build_step && f->shape == ECI_SOURCE_PLAIN)
                        return TRUE;
                return refuse_mount(error, src, f, "containers may only mount volumes (it holds images' and "
                                                   "other containers' files)");
        case ECI_SOURCE_ENGINE_SOCKET:
                return engine_socket(m, src, f, ctx, error);
        case ECI_SOURCE_OTHER:
        default:
                if (ctx->docker_init != NULL && strcmp(f->realpath, ctx->docker_init) == 0 &&
                    array_has_string(mount_options(m), "ro"))
                        return TRUE;
                return refuse_mount(error, src, f, "containers may only mount volumes");
        }
}

static gboolean check_binds(JsonObject *root, const EciPolicyContext *ctx, GError **error)
{
        JsonArray *mounts = child_array(root, "mounts", FALSE, error);

        for (guint i = 0; mounts != NULL && i < json_array_get_length(mounts); i++) {
                JsonObject *m = object_at(mounts, i);
                const char *src, *dst;

                if (m == NULL)
                        return INVALID(error, "mounts[%u] is not an object", i);
                if (!is_bind(m))
                        continue;
                src = string_member(m, "source");
                dst = string_member(m, "destination");
                if (src == NULL || dst == NULL)
                        return INVALID(error, "bind mount %u has no source or destination", i);
                if (is_proc_view_bind(ctx, src, dst))
                        continue;
                if (!check_bind(m, src, ctx, error))
                        return FALSE;
        }
        return error == NULL || *error == NULL;
}

/* ------------------------------------------------------------- devices */

static gboolean filter_devices(JsonObject *linux_o, GError **error)
{
        JsonArray *devs = child_array(linux_o, "devices", FALSE, error);
        g_autoptr(JsonArray) kept = json_array_new();

        if (devs == NULL)
                return error == NULL || *error == NULL;
        for (guint i = 0; i < json_array_get_length(devs); i++) {
                JsonObject *d = object_at(devs, i);
                const char *path = d ? string_member(d, "path") : NULL;

                if (path != NULL && in_list(safe_devices, path))
                        json_array_add_element(kept, json_node_copy(json_array_get_element(devs, i)));
        }
        json_object_set_array_member(linux_o, "devices", g_steal_pointer(&kept));
        return TRUE;
}

static JsonObject *device_rule(gboolean allow, const char *type, gint64 major, gint64 minor)
{
        JsonObject *r = json_object_new();

        json_object_set_boolean_member(r, "allow", allow);
        if (type != NULL)
                json_object_set_string_member(r, "type", type);
        if (major >= 0)
                json_object_set_int_member(r, "major", major);
        if (minor >= 0)
                json_object_set_int_member(r, "minor", minor);
        json_object_set_string_member(r, "access", "rwm");
        return r;
}

static gboolean set_device_rules(JsonObject *linux_o, GError **error)
{
        JsonObject *res = child_object(linux_o, "resources", TRUE, error);
        JsonArray *rules;

        if (res == NULL)
                return FALSE;
        rules = json_array_new();
        json_array_add_object_element(rules, device_rule(FALSE, NULL, -1, -1));
        for (gsize i = 0; i < G_N_ELEMENTS(allowed_cdev); i++)
                json_array_add_object_element(rules, device_rule(TRUE, "c", allowed_cdev[i].major,
                                                                 allowed_cdev[i].minor));
        json_object_set_array_member(res, "devices", rules);
        return TRUE;
}

/* ------------------------------------------------------ masks, sysctls */

static gboolean add_paths(JsonObject *linux_o, const char *member, const char *const *paths, GError **error)
{
        JsonArray *a = child_array(linux_o, member, TRUE, error);

        if (a == NULL)
                return FALSE;
        for (; *paths; paths++)
                if (!array_has_string(a, *paths))
                        json_array_add_string_element(a, *paths);
        return TRUE;
}

static gboolean sysctl_namespaced(const char *key)
{
        static const char *const prefixes[] = { "kernel.msg", "kernel.sem", "kernel.shm", "fs.mqueue.", "net.", NULL };
        static const char *const exact[] = { "kernel.hostname", "kernel.domainname", NULL };

        if (in_list(exact, key))
                return TRUE;
        for (const char *const *p = prefixes; *p; p++)
                if (g_str_has_prefix(key, *p))
                        return TRUE;
        return FALSE;
}

static gboolean check_sysctls(JsonObject *linux_o, const EciPolicyContext *ctx, GError **error)
{
        JsonObject *s = child_object(linux_o, "sysctl", FALSE, error);
        g_autoptr(GList) keys = NULL;

        if (s == NULL)
                return error == NULL || *error == NULL;
        /* Docker lets every group ping ("0 2147483647"); inside the user
         * namespace only the container's groups exist. */
        if (json_object_has_member(s, "net.ipv4.ping_group_range")) {
                g_autofree char *range = g_strdup_printf("0 %u", ctx->id_count - 1);

                json_object_set_string_member(s, "net.ipv4.ping_group_range", range);
        }
        keys = json_object_get_members(s);
        keys = g_list_sort(keys, (GCompareFunc) strcmp);
        for (GList *l = keys; l; l = l->next)
                if (!sysctl_namespaced(l->data))
                        return REFUSE(error, "sysctl %s is not allowed: it is not namespaced and would change the VM",
                                      (const char *) l->data);
        return TRUE;
}

/* ------------------------------------------------------------- seccomp */

static gboolean action_allows(const char *action)
{
        return action == NULL || (!g_str_has_prefix(action, "SCMP_ACT_ERRNO") &&
                                  !g_str_has_prefix(action, "SCMP_ACT_KILL") &&
                                  strcmp(action, "SCMP_ACT_TRAP") != 0);
}

static JsonObject *deny_rule(void)
{
        JsonObject *r = json_object_new();
        JsonArray *names = json_array_new();

        for (const char *const *s = eci_policy_denied_syscalls; *s; s++)
                json_array_add_string_element(names, *s);
        json_object_set_array_member(r, "names", names);
        json_object_set_string_member(r, "action", "SCMP_ACT_ERRNO");
        json_object_set_int_member(r, "errnoRet", 1); /* EPERM */
        return r;
}

static JsonObject *default_seccomp(void)
{
        JsonObject *s = json_object_new();
        JsonArray *arches = json_array_new();

        json_object_set_string_member(s, "defaultAction", "SCMP_ACT_ALLOW");
        json_array_add_string_element(arches, "SCMP_ARCH_X86_64");
        json_array_add_string_element(arches, "SCMP_ARCH_X86");
        json_array_add_string_element(arches, "SCMP_ARCH_X32");
        json_object_set_array_member(s, "architectures", arches);
        json_object_set_array_member(s, "syscalls", json_array_new());
        return s;
}

static gboolean harden_seccomp(JsonObject *linux_o, GError **error)
{
        JsonObject *sc = child_object(linux_o, "seccomp", FALSE, error);
        g_autoptr(JsonArray) kept = json_array_new();
        JsonArray *rules;

        if (sc == NULL) {
                if (error != NULL && *error != NULL)
                        return FALSE;
                json_object_set_object_member(linux_o, "seccomp", default_seccomp());
                sc = json_object_get_object_member(linux_o, "seccomp");
        }
        if (json_object_has_member(sc, "listenerPath"))
                return REFUSE(error, "seccomp user notification is not allowed");
        rules = child_array(sc, "syscalls", TRUE, error);
        if (rules == NULL)
                return FALSE;
        JsonObject *ours_o = deny_rule();
        g_autoptr(JsonNode) ours = json_node_init_object(json_node_alloc(), ours_o);

        json_object_unref(ours_o);

        for (guint i = 0; i < json_array_get_length(rules); i++) {
                JsonObject *r = object_at(rules, i);
                JsonArray *names = r ? child_array(r, "names", FALSE, error) : NULL;
                g_autoptr(JsonArray) left = NULL;

                if (r == NULL)
                        return INVALID(error, "a seccomp rule is not an object");
                if (json_node_equal(json_array_get_element(rules, i), ours))
                        continue; /* ours, from an earlier pass: added again below */
                if (names == NULL || !action_allows(string_member(r, "action"))) {
                        json_array_add_element(kept, json_node_copy(json_array_get_element(rules, i)));
                        continue;
                }
                left = json_array_new();
                for (guint j = 0; j < json_array_get_length(names); j++) {
                        JsonNode *n = json_array_get_element(names, j);
                        const char *name = JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
                                                   ? json_node_get_string(n)
                                                   : NULL; /* not a syscall name: dropped */

                        if (name != NULL && !in_list(eci_policy_denied_syscalls, name))
                                json_array_add_string_element(left, name);
                }
                if (json_array_get_length(left) == 0)
                        continue;
                json_object_set_array_member(r, "names", g_steal_pointer(&left));
                json_array_add_element(kept, json_node_copy(json_array_get_element(rules, i)));
        }
        json_array_add_object_element(kept, deny_rule());
        json_object_set_array_member(sc, "syscalls", g_steal_pointer(&kept));
        return TRUE;
}

/* ----------------------------------------------------------- proc views */

static gboolean has_bind(JsonArray *mounts, const char *src, const char *dst)
{
        for (guint i = 0; i < json_array_get_length(mounts); i++) {
                JsonObject *o = object_at(mounts, i);

                if (o != NULL && g_strcmp0(string_member(o, "source"), src) == 0 &&
                    g_strcmp0(string_member(o, "destination"), dst) == 0)
                        return TRUE;
        }
        return FALSE;
}

static void add_proc_views(JsonObject *root, const EciPolicyContext *ctx)
{
        JsonArray *mounts = json_object_get_array_member(root, "mounts");

        for (const char *const *f = proc_view_files; *f; f++) {
                g_autofree char *dst = g_strdup_printf("/proc/%s", *f);
                g_autofree char *src = proc_view_source(ctx, *f);
                JsonObject *m;
                JsonArray *opts;

                if (src == NULL || has_bind(mounts, src, dst))
                        continue;
                m = json_object_new();
                opts = json_array_new();
                json_object_set_string_member(m, "destination", dst);
                json_object_set_string_member(m, "type", "bind");
                json_object_set_string_member(m, "source", src);
                json_array_add_string_element(opts, "bind");
                json_array_add_string_element(opts, "rprivate");
                json_object_set_array_member(m, "options", opts);
                json_array_add_object_element(mounts, m);
        }
}

/* --------------------------------------------------------------- apply */

static gboolean apply(JsonNode *config, const EciPolicyContext *ctx, GError **error)
{
        JsonObject *root, *linux_o;

        g_return_val_if_fail(ctx->id_count > 0, FALSE);
        if (config == NULL || !JSON_NODE_HOLDS_OBJECT(config))
                return INVALID(error, "not a JSON object");
        root = json_node_get_object(config);
        linux_o = child_object(root, "linux", TRUE, error);
        if (linux_o == NULL)
                return FALSE;
        if (!check_namespaces(linux_o, ctx, error) || !check_process_user(root, ctx, error) ||
            !check_oom_score(root, error) || !check_binds(root, ctx, error) || !check_sysctls(linux_o, ctx, error))
                return FALSE;
        json_object_set_array_member(linux_o, "uidMappings", id_mapping(ctx));
        json_object_set_array_member(linux_o, "gidMappings", id_mapping(ctx));
        if (!filter_devices(linux_o, error) || !set_device_rules(linux_o, error) ||
            !add_paths(linux_o, "maskedPaths", masked_paths, error) ||
            !add_paths(linux_o, "readonlyPaths", readonly_paths, error) || !harden_seccomp(linux_o, error))
                return FALSE;
        if (ctx->root_path != NULL) {
                JsonObject *r = child_object(root, "root", TRUE, error);

                if (r == NULL)
                        return FALSE;
                json_object_set_string_member(r, "path", ctx->root_path);
        }
        if (ctx->lxcfs_dir != NULL || ctx->procfs_dir != NULL) {
                if (child_array(root, "mounts", TRUE, error) == NULL)
                        return FALSE;
                add_proc_views(root, ctx);
        }
        return TRUE;
}

/* A refusal quotes paths and names from the config; docker run prints it as
 * one line, so control characters in them are escaped (\xNN). */
static void escape_controls(GError *e)
{
        GString *out = g_string_new(NULL);

        for (const char *p = e->message; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        g_string_append_printf(out, "\\x%02x", (unsigned char) *p);
                else
                        g_string_append_c(out, *p);
        g_free(e->message);
        e->message = g_string_free(out, FALSE);
}

gboolean eci_policy_apply(JsonNode *config, const EciPolicyContext *ctx, GError **error)
{
        g_autoptr(GError) local = NULL;

        /* the helpers tell "absent" from "invalid" by *error, so they always
         * get somewhere to put it */
        if (apply(config, ctx, &local))
                return TRUE;
        if (local)
                escape_controls(local);
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
}
