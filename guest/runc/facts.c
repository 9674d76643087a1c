#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "facts.h"

#define DOCKER_INIT "/usr/bin/docker-init"

static const char *const ns_files[][2] = {
        { "pid", "pid" }, { "network", "net" }, { "ipc", "ipc" },       { "uts", "uts" },
        { "cgroup", "cgroup" }, { "mount", "mnt" }, { "user", "user" },
};

void eci_bind_fact_free(EciBindFact *b)
{
        if (b == NULL)
                return;
        if (b->fd >= 0)
                close(b->fd);
        g_free(b->realpath);
        g_free(b);
}

EciFacts *eci_facts_new(void)
{
        EciFacts *f = g_new0(EciFacts, 1);

        f->vm_ns = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        f->ns_identity = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        f->binds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) eci_bind_fact_free);
        return f;
}

void eci_facts_free(EciFacts *f)
{
        if (f == NULL)
                return;
        g_hash_table_unref(f->vm_ns);
        g_hash_table_unref(f->ns_identity);
        g_hash_table_unref(f->binds);
        g_free(f->ipc_container);
        g_free(f->docker_init);
        g_free(f);
}

static char *ns_identity(const char *path)
{
        struct stat st;

        if (stat(path, &st) < 0)
                return NULL;
        return g_strdup_printf("%lu:%lu", (unsigned long) st.st_dev, (unsigned long) st.st_ino);
}

static void resolve_namespaces(EciFacts *f, JsonObject *linux_o)
{
        JsonArray *ns;

        for (gsize i = 0; i < G_N_ELEMENTS(ns_files); i++) {
                g_autofree char *p = g_strdup_printf("/proc/1/ns/%s", ns_files[i][1]);
                char *id = ns_identity(p);

                if (id != NULL)
                        g_hash_table_insert(f->vm_ns, g_strdup(ns_files[i][0]), id);
        }
        if (linux_o == NULL || !json_object_has_member(linux_o, "namespaces") ||
            !JSON_NODE_HOLDS_ARRAY(json_object_get_member(linux_o, "namespaces")))
                return;
        ns = json_object_get_array_member(linux_o, "namespaces");
        for (guint i = 0; i < json_array_get_length(ns); i++) {
                JsonNode *e = json_array_get_element(ns, i);
                JsonObject *o = JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : NULL;
                const char *path = o && json_object_has_member(o, "path") ?
                                           json_object_get_string_member_with_default(o, "path", NULL) : NULL;
                char *id;

                if (path == NULL || *path == '\0' || g_hash_table_contains(f->ns_identity, path))
                        continue;
                id = ns_identity(path);
                if (id != NULL)
                        g_hash_table_insert(f->ns_identity, g_strdup(path), id);
        }
}

/* ------------------------------------------------------ bind sources */

static int open_how(int dirfd, const char *path, guint64 flags, guint64 resolve)
{
        struct open_how how = { .flags = O_PATH | O_CLOEXEC | flags, .resolve = resolve | RESOLVE_NO_MAGICLINKS };

        while (*path == '/')
                path++;
        return (int) syscall(SYS_openat2, dirfd, *path ? path : ".", &how, sizeof(how));
}

/* the path of FD as the VM's root sees it (ROOT: the prefix of that root) */
static char *fd_path(int fd, const char *root)
{
        char link[64], target[PATH_MAX];
        ssize_t n;
        gsize r = strcmp(root, "/") == 0 ? 0 : strlen(root);

        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, target, sizeof(target) - 1);
        if (n < 0)
                return NULL;
        target[n] = '\0';
        if (r == 0)
                return g_strdup(target);
        if (strncmp(target, root, r) != 0 || (target[r] != '/' && target[r] != '\0'))
                return NULL;
        return g_strdup(target[r] ? target + r : "/");
}

static gboolean same_file(int a, int b)
{
        struct stat sa, sb;

        return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static gboolean is_tmpfs_root(int fd)
{
        struct statfs sf;
        struct statx sx;

        return fstatfs(fd, &sf) == 0 && sf.f_type == TMPFS_MAGIC &&
               statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) == 0 &&
               (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* dockerd's local driver keeps a volume's options in <name>/opts.json; a
 * tmpfs volume is the only kind with options that may be mounted */
static gboolean tmpfs_volume(int volumes_fd, const char *name)
{
        g_autofree char *path = g_build_filename(name, "opts.json", NULL);
        g_autoptr(JsonParser) p = json_parser_new();
        g_autofree char *text = NULL;
        g_autofree char *proc = NULL;
        JsonNode *root;
        JsonObject *o;
        int fd = open_how(volumes_fd, path, 0, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV);
        const char *opts;

        if (fd < 0)
                return FALSE;
        proc = g_strdup_printf("/proc/self/fd/%d", fd);
        if (!g_file_get_contents(proc, &text, NULL, NULL) || !json_parser_load_from_data(p, text, -1, NULL)) {
                close(fd);
                return FALSE;
        }
        close(fd);
        root = json_parser_get_root(p);
        if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
                return FALSE;
        o = json_node_get_object(root);
        opts = json_object_get_string_member_with_default(o, "MountOpts", "");
        return g_strcmp0(json_object_get_string_member_with_default(o, "MountType", NULL), "tmpfs") == 0 &&
               g_strcmp0(json_object_get_string_member_with_default(o, "MountDevice", NULL), "tmpfs") == 0 &&
               opts != NULL && strstr(opts, "bind") == NULL;
}

/* S reached again from its root without symlinks, mounts allowed only
 * where a tmpfs of its own belongs; the fd of what is to be mounted */
static EciSourceShape strict_shape(int root_fd, const EciSource *s, int loose_fd, int *ret_fd)
{
        const guint64 plain = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
        /* a build step may bind a stage's mounted snapshot (BuildKit's
         * --mount=from): Docker's layers are mounts of dockerd's */
        const guint64 xdev = s->cls == ECI_SOURCE_BUILD_DATA ? 0 : RESOLVE_NO_XDEV;
        int dir = open_how(root_fd, s->root, O_DIRECTORY, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
        int fd = dir < 0 ? -1 : open_how(dir, s->below, 0, plain | xdev);
        EciSourceShape shape = ECI_SOURCE_FOREIGN;

        if (fd >= 0 && same_file(fd, loose_fd)) {
                shape = ECI_SOURCE_PLAIN;
        } else if (fd < 0 && errno == EXDEV &&
                   (s->cls == ECI_SOURCE_VOLUME || s->cls == ECI_SOURCE_CONTAINER_SHM)) {
                fd = open_how(dir, s->below, 0, plain);
                if (fd >= 0 && same_file(fd, loose_fd) && is_tmpfs_root(fd) &&
                    (s->cls == ECI_SOURCE_CONTAINER_SHM || tmpfs_volume(dir, s->owner)))
                        shape = ECI_SOURCE_TMPFS_ROOT;
        }
        if (dir >= 0)
                close(dir);
        if (shape == ECI_SOURCE_FOREIGN && fd >= 0) {
                close(fd);
                fd = -1;
        }
        *ret_fd = fd;
        return shape;
}

EciBindFact *eci_bind_fact_resolve_at(int root_fd, const char *root, const char *source)
{
        EciBindFact *b = g_new0(EciBindFact, 1);
        g_auto(EciSource) s = { 0 };
        int fd;

        b->fd = -1;
        b->shape = ECI_SOURCE_UNRESOLVED;
        if (source[0] != '/' || (fd = open_how(root_fd, source, 0, RESOLVE_IN_ROOT)) < 0)
                return b;
        b->realpath = fd_path(fd, root);
        if (b->realpath == NULL) {
                close(fd);
                return b;
        }
        eci_source_classify(b->realpath, &s);
        if (s.cls == ECI_SOURCE_OTHER || s.cls == ECI_SOURCE_ENGINE_SOCKET) {
                b->shape = ECI_SOURCE_PLAIN;
                b->fd = fd;
                return b;
        }
        /* dockerd names its own paths exactly: anything else came through
         * a link */
        b->shape = strcmp(source, b->realpath) == 0 ? strict_shape(root_fd, &s, fd, &b->fd) : ECI_SOURCE_FOREIGN;
        close(fd);
        return b;
}

EciBindFact *eci_bind_fact_resolve(const char *source)
{
        int root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        EciBindFact *b = eci_bind_fact_resolve_at(root_fd, "/", source);

        if (root_fd >= 0)
                close(root_fd);
        return b;
}

/* the container whose init process is in the IPC namespace at NS_PATH */
static char *ipc_owner(const EciFacts *f, const char *owner, const char *ns_path, const char *runc_root)
{
        g_autofree char *state = g_build_filename(runc_root, owner, "state.json", NULL);
        g_autoptr(JsonParser) p = json_parser_new();
        g_autofree char *ns = NULL, *id = NULL;
        const char *want = g_hash_table_lookup(f->ns_identity, ns_path);
        JsonNode *root;
        gint64 pid;

        if (want == NULL || strchr(owner, '/') != NULL || owner[0] == '.' ||
            !json_parser_load_from_file(p, state, NULL))
                return NULL;
        root = json_parser_get_root(p);
        if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
                return NULL;
        pid = json_object_get_int_member_with_default(json_node_get_object(root), "init_process_pid", 0);
        if (pid <= 0)
                return NULL;
        ns = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/ns/ipc", pid);
        id = ns_identity(ns);
        return g_strcmp0(id, want) == 0 ? g_strdup(owner) : NULL;
}

static const char *ipc_ns_path(JsonObject *linux_o)
{
        JsonNode *n = linux_o ? json_object_get_member(linux_o, "namespaces") : NULL;
        JsonArray *ns = n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;

        for (guint i = 0; ns && i < json_array_get_length(ns); i++) {
                JsonNode *e = json_array_get_element(ns, i);
                JsonObject *o = JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : NULL;

                if (o && g_strcmp0(json_object_get_string_member_with_default(o, "type", NULL), "ipc") == 0)
                        return json_object_get_string_member_with_default(o, "path", NULL);
        }
        return NULL;
}

static void resolve_ipc_container(EciFacts *f, JsonObject *linux_o, const char *id, const char *runc_root)
{
        const char *ns_path = ipc_ns_path(linux_o);
        GHashTableIter it;
        gpointer key, value;

        if (ns_path == NULL || *ns_path == '\0')
                return;
        g_hash_table_iter_init(&it, f->binds);
        while (f->ipc_container == NULL && g_hash_table_iter_next(&it, &key, &value)) {
                const EciBindFact *b = value;
                g_auto(EciSource) s = { 0 };

                eci_source_classify(b->realpath, &s);
                if (s.cls == ECI_SOURCE_CONTAINER_SHM && g_strcmp0(s.owner, id) != 0)
                        f->ipc_container = ipc_owner(f, s.owner, ns_path, runc_root);
        }
}

void eci_facts_resolve(EciFacts *f, JsonNode *config, const char *id, const char *runc_root)
{
        JsonObject *root = JSON_NODE_HOLDS_OBJECT(config) ? json_node_get_object(config) : NULL;
        JsonNode *linux_n = root ? json_object_get_member(root, "linux") : NULL;
        JsonObject *linux_o = linux_n && JSON_NODE_HOLDS_OBJECT(linux_n) ? json_node_get_object(linux_n) : NULL;
        JsonNode *mounts_n = root ? json_object_get_member(root, "mounts") : NULL;
        JsonArray *mounts = mounts_n && JSON_NODE_HOLDS_ARRAY(mounts_n) ? json_node_get_array(mounts_n) : NULL;
        char real[PATH_MAX];

        resolve_namespaces(f, linux_o);
        for (guint i = 0; mounts && i < json_array_get_length(mounts); i++) {
                JsonNode *m = json_array_get_element(mounts, i);
                const char *src = JSON_NODE_HOLDS_OBJECT(m) ? json_object_get_string_member_with_default(
                                                                      json_node_get_object(m), "source", NULL)
                                                            : NULL;

                if (src != NULL && src[0] == '/' && !g_hash_table_contains(f->binds, src))
                        g_hash_table_insert(f->binds, g_strdup(src), eci_bind_fact_resolve(src));
        }
        resolve_ipc_container(f, linux_o, id, runc_root);
        if (realpath(DOCKER_INIT, real) != NULL)
                f->docker_init = g_strdup(real);
}

void eci_facts_to_context(const EciFacts *f, EciPolicyContext *ctx)
{
        ctx->vm_ns = f->vm_ns;
        ctx->ns_identity = f->ns_identity;
        ctx->binds = f->binds;
        ctx->ipc_container = f->ipc_container;
        ctx->docker_init = f->docker_init;
}
