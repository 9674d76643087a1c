/* Docker hands runc an overlayfs root.path, and overlayfs cannot be
 * id-mapped (EINVAL on 6.1), but an overlay whose layers are id-mapped
 * mounts of ext4 works.  So: the image's layers (Docker's lowerdir, shared
 * by every container of that image, never copied) are bound id-mapped
 * with the container's range under DIR/ID/l<N>, the container's own layer
 * (Docker's <layer>, whose diff is the upper, so `docker
 * diff/cp/commit` still see the changes) the same way under DIR/ID/u, and a
 * new overlay over them is mounted at DIR/ID/rootfs.  Files keep their
 * on-disk owners both ways: root-owned image files appear as root inside,
 * and what the container's root writes lands as root (0) on disk, so a
 * commit or a build step's layer has the owners the container saw. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "mountinfo.h"
#include "policy.h"
#include "contract.h"
#include "rootfs.h"

#define OVERLAY_ROOT WIRE_PATH_DOCKER_ROOT "/overlay2"
#define MAX_LAYERS 128

static gboolean fail(GError **error, const char *what, const char *path)
{
        int e = errno;

        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "ecivm: container root: %s %s: %s", what, path,
                    g_strerror(e));
        return FALSE;
}

/* A user namespace mapping 0..SIZE-1 to BASE.. (and, with MOUNTER, SIZE to
 * the VM's root); its fd, or -1. */
static int userns_fd(guint32 base, guint32 size, gboolean mounter)
{
        int sync_pipe[2], fd = -1;
        char path[64], map[96];
        pid_t pid;

        if (pipe2(sync_pipe, O_CLOEXEC) < 0)
                return -1;
        pid = fork();
        if (pid < 0) {
                close(sync_pipe[0]);
                close(sync_pipe[1]);
                return -1;
        }
        if (pid == 0) {
                char c;

                close(sync_pipe[1]);
                if (unshare(CLONE_NEWUSER) < 0)
                        _exit(1);
                /* parent writes the maps, then closes: EOF ends us */
                while (read(sync_pipe[0], &c, 1) > 0) {
                }
                _exit(0);
        }
        close(sync_pipe[0]);
        /* overlayfs creates its work files (copy-up, whiteouts) as the
         * mounter, the VM's root: through an id-mapped upper that root
         * needs an on-disk ID too, SIZE, outside every container's range */
        if (mounter)
                snprintf(map, sizeof(map), "0 %u %u\n%u 0 1\n", base, size, size);
        else
                snprintf(map, sizeof(map), "0 %u %u\n", base, size);
        /* wait until the child has its namespace */
        for (int i = 0; i < 2000; i++) {
                struct stat a, b;

                snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) pid);
                if (stat(path, &a) == 0 && stat("/proc/self/ns/user", &b) == 0 && a.st_ino != b.st_ino)
                        break;
                usleep(1000);
        }
        {
                static const char *const maps[] = { "uid_map", "gid_map" };
                gboolean ok = TRUE;

                for (gsize i = 0; i < G_N_ELEMENTS(maps) && ok; i++) {
                        int mfd;

                        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, maps[i]);
                        mfd = open(path, O_WRONLY | O_CLOEXEC);
                        ok = mfd >= 0 && write(mfd, map, strlen(map)) == (ssize_t) strlen(map);
                        if (mfd >= 0)
                                close(mfd);
                }
                snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) pid);
                if (ok)
                        fd = open(path, O_RDONLY | O_CLOEXEC);
        }
        close(sync_pipe[1]);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
        return fd;
}

/* moves the detached mount TREE to DST (made as a directory, or as an
 * empty file for a file) */
static gboolean attach(int tree, const char *dst, gboolean is_dir, GError **error)
{
        int fd;

        if (is_dir && g_mkdir_with_parents(dst, 0711) < 0)
                return fail(error, "mkdir", dst);
        if (!is_dir) {
                fd = open(dst, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd < 0)
                        return fail(error, "create", dst);
                close(fd);
        }
        if (syscall(SYS_move_mount, tree, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return fail(error, "move_mount", dst);
        return TRUE;
}

/* a copy of the mount at FD (what it names, without submounts), id-mapped
 * through NS_FD unless that is -1, with ATTRS (MOUNT_ATTR_RDONLY …), at DST */
static gboolean clone_at(int fd, const char *what, const char *dst, int ns_fd, guint64 attrs, GError **error)
{
        struct mount_attr attr = { .attr_set = attrs | (ns_fd >= 0 ? MOUNT_ATTR_IDMAP : 0),
                                   .userns_fd = ns_fd >= 0 ? (guint64) ns_fd : 0 };
        struct stat st;
        int tree;
        gboolean ok;

        if (fstat(fd, &st) < 0)
                return fail(error, "stat", what);
        tree = (int) syscall(SYS_open_tree, fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
        if (tree < 0)
                return fail(error, "open_tree", what);
        if (attr.attr_set != 0 && syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
                close(tree);
                return fail(error, "id-map", what);
        }
        ok = attach(tree, dst, S_ISDIR(st.st_mode), error);
        close(tree);
        return ok;
}

static gboolean bind_idmapped(const char *src, const char *dst, int ns_fd, GError **error)
{
        int fd = open(src, O_PATH | O_CLOEXEC);
        gboolean ok;

        if (fd < 0)
                return fail(error, "open", src);
        ok = clone_at(fd, src, dst, ns_fd, 0, error);
        close(fd);
        return ok;
}

/* OVERLAY_ROOT/<layer>/diff: a single-layer snapshot of BuildKit's, bound
 * as is into a build step (a cache mount, or a bind from a stage) */
static gboolean is_layer_diff(const char *real)
{
        const char *rest = g_str_has_prefix(real, OVERLAY_ROOT "/") ? real + strlen(OVERLAY_ROOT) + 1 : NULL;
        const char *slash = rest ? strchr(rest, '/') : NULL;

        return slash != NULL && slash != rest && strcmp(slash, "/diff") == 0;
}

/* Named volumes belong to the VM's root; seen through the container's
 * range, its root owns them and other containers keep their own view.
 * A build step's snapshots are Docker's layers like its root, so they get
 * the same id-mapping (a cache mount stays writable from step to step,
 * whatever range each step has).  A tmpfs cannot be id-mapped on 6.1: a
 * tmpfs volume is bound as it is. */
static int idmap_for(const EciBindFact *f, int ns)
{
        g_auto(EciSource) s = { 0 };

        eci_source_classify(f->realpath, &s);
        if (f->shape == ECI_SOURCE_TMPFS_ROOT)
                return -1;
        return s.cls == ECI_SOURCE_VOLUME || (s.cls == ECI_SOURCE_BUILD_DATA && is_layer_diff(f->realpath)) ? ns : -1;
}

static gboolean from_docker_data(const EciBindFact *f)
{
        g_auto(EciSource) s = { 0 };

        if (f == NULL || f->fd < 0 || f->realpath == NULL)
                return FALSE;
        eci_source_classify(f->realpath, &s);
        return s.cls == ECI_SOURCE_VOLUME || s.cls == ECI_SOURCE_CONTAINER_FILE || s.cls == ECI_SOURCE_CONTAINER_SHM ||
               s.cls == ECI_SOURCE_BUILD_DATA;
}

static gboolean has_option(JsonObject *m, const char *opt);

static gboolean map_binds(JsonNode *config, GHashTable *binds, const char *cdir, int ns, GError **error)
{
        JsonObject *root = JSON_NODE_HOLDS_OBJECT(config) ? json_node_get_object(config) : NULL;
        JsonNode *mn = root ? json_object_get_member(root, "mounts") : NULL;
        JsonArray *mounts = mn && JSON_NODE_HOLDS_ARRAY(mn) ? json_node_get_array(mn) : NULL;

        for (guint i = 0; mounts && i < json_array_get_length(mounts); i++) {
                JsonNode *n = json_array_get_element(mounts, i);
                JsonObject *m = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
                const char *src = m ? json_object_get_string_member_with_default(m, "source", NULL) : NULL;
                const EciBindFact *f = src && binds ? g_hash_table_lookup(binds, src) : NULL;
                g_autofree char *dst = g_strdup_printf("%s/v%u", cdir, i);

                if (!from_docker_data(f))
                        continue;
                /* read-only at the source: runc's bind of it inside the
                 * container's user namespace then inherits a locked
                 * read-only flag, even under another mount (/dev, a tmpfs)
                 * where eci_rootfs_lock_readonly_binds leaves it to runc */
                if (!clone_at(f->fd, src, dst, idmap_for(f, ns), has_option(m, "ro") ? MOUNT_ATTR_RDONLY : 0, error))
                        return FALSE;
                json_object_set_string_member(m, "source", dst);
        }
        return TRUE;
}

static const char *root_path(JsonNode *config)
{
        JsonObject *root = JSON_NODE_HOLDS_OBJECT(config) ? json_node_get_object(config) : NULL;
        JsonNode *r = root ? json_object_get_member(root, "root") : NULL;

        return r && JSON_NODE_HOLDS_OBJECT(r) ?
                       json_object_get_string_member_with_default(json_node_get_object(r), "path", NULL) :
                       NULL;
}

/* Docker's overlay2 paths are absolute, or relative to OVERLAY_ROOT when
 * the options would not fit in a page ("l/<link>", "<id>/diff"). */
static char *overlay_path(const char *p)
{
        return g_path_is_absolute(p) ? g_strdup(p) : g_build_filename(OVERLAY_ROOT, p, NULL);
}

/* A root.path that is an overlay mounted by someone else, or a bind of one
 * (BuildKit's build steps: dockerd's graph driver mounts the snapshot's
 * overlay, the executor binds it at <bundle>/rootfs): its lowerdir and its
 * upper inside Docker's layers. */
static gboolean overlay_of_mount(JsonNode *config, char **ret_lower, char **ret_upper)
{
        const char *path = root_path(config);
        g_autofree char *mi = NULL, *lower = NULL, *upper = NULL, *abs_upper = NULL;
        char real[PATH_MAX], up[PATH_MAX];

        if (path == NULL || realpath(path, real) == NULL ||
            !g_file_get_contents("/proc/self/mountinfo", &mi, NULL, NULL) ||
            !eci_mountinfo_overlay(mi, real, &lower, &upper))
                return FALSE;
        abs_upper = overlay_path(upper);
        if (realpath(abs_upper, up) == NULL)
                return FALSE;
        *ret_upper = g_strdup(up);
        *ret_lower = g_steal_pointer(&lower);
        return TRUE;
}

/* Docker's overlay2 layer of a container: root.path = OVERLAY_ROOT/<l>/merged */
static char *layer_dir(JsonNode *config)
{
        const char *path = root_path(config);
        g_autofree char *dir = NULL;

        if (path == NULL || !g_str_has_prefix(path, OVERLAY_ROOT "/") || !g_str_has_suffix(path, "/merged"))
                return NULL;
        dir = g_path_get_dirname(path);
        if (strchr(dir + strlen(OVERLAY_ROOT) + 1, '/') != NULL)
                return NULL;
        return g_steal_pointer(&dir);
}

/* An upper layer written by an earlier ecivm-runc, which stored the
 * container's files as its host IDs (from BASE, in the layer's
 * "ecivm-base"): shifted back to 0.. once. */
static guint32 shift_old, shift_size;
static int shift_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        uid_t u = st->st_uid;
        gid_t g = st->st_gid;

        if (u >= shift_old && u - shift_old < shift_size)
                u -= shift_old;
        if (g >= shift_old && g - shift_old < shift_size)
                g -= shift_old;
        if ((u != st->st_uid || g != st->st_gid) && lchown(path, u, g) < 0)
                return -1;
        /* lchown drops set-id bits; put them back */
        if ((st->st_mode & (S_ISUID | S_ISGID)) && !S_ISLNK(st->st_mode))
                (void) chmod(path, st->st_mode & 07777);
        return 0;
}

static gboolean unshift_upper(const char *layer, const char *upper, guint32 size, GError **error)
{
        g_autofree char *mark = g_build_filename(layer, "ecivm-base", NULL);
        g_autofree char *old = NULL;
        guint64 old_base;

        if (!g_file_get_contents(mark, &old, NULL, NULL))
                return TRUE;
        if (g_ascii_string_to_unsigned(g_strchomp(old), 10, 0, G_MAXUINT32, &old_base, NULL) && old_base != 0) {
                shift_old = (guint32) old_base;
                shift_size = size;
                if (nftw(upper, shift_one, 64, FTW_PHYS | FTW_MOUNT) != 0)
                        return fail(error, "shift owners of", upper);
        }
        if (g_unlink(mark) < 0)
                return fail(error, "remove", mark);
        return TRUE;
}

char *eci_rootfs_prepare(const char *dir, const char *id, JsonNode *config, guint32 base, guint32 size,
                         GError **error)
{
        g_autofree char *layer = layer_dir(config);
        g_autofree char *lower_file = NULL, *lower = NULL, *upper = NULL, *upper_name = NULL;
        g_autofree char *cdir = NULL, *target = NULL, *u = NULL, *work = NULL;
        g_autoptr(GString) lowers = g_string_new(NULL);
        g_autoptr(GString) opts = g_string_new(NULL);
        g_auto(GStrv) parts = NULL;
        int ns = -1, upper_ns = -1;

        if (layer != NULL) {
                lower_file = g_build_filename(layer, "lower", NULL);
                if (!g_file_get_contents(lower_file, &lower, NULL, NULL))
                        return NULL; /* a layer without parents: nothing to map */
                upper = g_build_filename(layer, "diff", NULL);
        } else if (overlay_of_mount(config, &lower, &upper)) {
                layer = g_path_get_dirname(upper);
        } else {
                return NULL;
        }
        /* the upper and ecivm-work must share one mount: Docker's layer
         * directory, OVERLAY_ROOT/<id> */
        upper_name = g_path_get_basename(upper);
        if (!g_str_has_prefix(layer, OVERLAY_ROOT "/") || strchr(layer + strlen(OVERLAY_ROOT) + 1, '/') != NULL ||
            strcmp(upper_name, "diff") != 0) {
                errno = EINVAL;
                fail(error, "upper layer", upper);
                return NULL;
        }
        eci_rootfs_release(dir, id);
        cdir = g_build_filename(dir, id, NULL);
        target = g_build_filename(cdir, "rootfs", NULL);
        work = g_build_filename(layer, "ecivm-work", NULL);
        if (g_mkdir_with_parents(target, 0711) < 0 || chmod(dir, 0711) < 0 || chmod(cdir, 0711) < 0) {
                fail(error, "mkdir", target);
                return NULL;
        }
        if (g_mkdir_with_parents(work, 0700) < 0) {
                fail(error, "mkdir", work);
                return NULL;
        }
        if (!unshift_upper(layer, upper, size, error))
                return NULL;
        ns = userns_fd(base, size, FALSE);
        upper_ns = userns_fd(base, size, TRUE);
        if (ns < 0 || upper_ns < 0) {
                fail(error, "user namespace for", id);
                goto error;
        }
        parts = g_strsplit(g_strchomp(lower), ":", MAX_LAYERS + 1);
        for (guint i = 0; parts[i] != NULL; i++) {
                g_autofree char *src = overlay_path(parts[i]);
                g_autofree char *name = g_strdup_printf("l%u", i);
                g_autofree char *dst = g_build_filename(cdir, name, NULL);
                char real[PATH_MAX];

                if (i >= MAX_LAYERS || realpath(src, real) == NULL ||
                    !g_str_has_prefix(real, OVERLAY_ROOT "/")) {
                        errno = EINVAL;
                        fail(error, "lower layer", src);
                        goto error;
                }
                if (!bind_idmapped(real, dst, ns, error))
                        goto error;
                g_string_append_printf(lowers, "%s%s", i ? ":" : "", dst);
        }
        u = g_build_filename(cdir, "u", NULL);
        if (!bind_idmapped(layer, u, upper_ns, error))
                goto error;
        g_string_printf(opts, "lowerdir=%s,upperdir=%s/diff,workdir=%s/ecivm-work", lowers->str, u, u);
        if (mount("overlay", target, "overlay", 0, opts->str) < 0) {
                fail(error, "mount overlay at", target);
                goto error;
        }
        close(ns);
        close(upper_ns);
        return g_steal_pointer(&target);
error:
        if (ns >= 0)
                close(ns);
        if (upper_ns >= 0)
                close(upper_ns);
        eci_rootfs_release(dir, id);
        return NULL;
}

gboolean eci_rootfs_map_binds(const char *dir, const char *id, JsonNode *config, GHashTable *binds, guint32 base,
                              guint32 size, GError **error)
{
        g_autofree char *cdir = g_build_filename(dir, id, NULL);
        int ns;
        gboolean ok;

        if (strchr(id, '/') != NULL || id[0] == '.' || g_mkdir_with_parents(cdir, 0711) < 0)
                return fail(error, "mkdir", cdir);
        ns = userns_fd(base, size, FALSE);
        if (ns < 0)
                return fail(error, "user namespace for", id);
        ok = map_binds(config, binds, cdir, ns, error);
        close(ns);
        return ok;
}

/* ------------------------------------------------- immutable ro binds */

static gboolean has_option(JsonObject *m, const char *opt)
{
        JsonNode *n = json_object_get_member(m, "options");
        JsonArray *a = n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;

        for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
                JsonNode *e = json_array_get_element(a, i);

                if (json_node_get_value_type(e) == G_TYPE_STRING && strcmp(json_node_get_string(e), opt) == 0)
                        return TRUE;
        }
        return FALSE;
}

static const char *mount_string(JsonObject *m, const char *name)
{
        return m != NULL ? json_object_get_string_member_with_default(m, name, NULL) : NULL;
}

static int open_in_root(int root_fd, const char *path, guint64 flags)
{
        struct open_how how = { .flags = flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };

        while (*path == '/')
                path++;
        return (int) syscall(SYS_openat2, root_fd, *path ? path : ".", &how, sizeof(how));
}

/* DEST inside the root (O_PATH), created like runc would (directories, or
 * an empty file for a file bind) and owned by the container's root;
 * RESOLVE_IN_ROOT keeps the image's symlinks inside the root. */
static int open_mountpoint(int root_fd, const char *dest, gboolean is_dir, guint32 base)
{
        g_auto(GStrv) parts = g_strsplit(dest, "/", -1);
        g_autoptr(GString) sofar = g_string_new(NULL);
        int fd = -1;

        for (guint i = 0; parts[i] != NULL; i++) {
                gboolean last = TRUE;
                int parent;

                if (*parts[i] == '\0' || strcmp(parts[i], ".") == 0)
                        continue;
                if (strcmp(parts[i], "..") == 0) {
                        errno = EINVAL;
                        return -1;
                }
                for (guint j = i + 1; parts[j] != NULL && last; j++)
                        last = *parts[j] == '\0' || strcmp(parts[j], ".") == 0;
                parent = open_in_root(root_fd, sofar->len ? sofar->str : "/", O_PATH | O_DIRECTORY);
                if (parent < 0)
                        return -1;
                g_string_append_printf(sofar, "/%s", parts[i]);
                fd = open_in_root(root_fd, sofar->str, O_PATH);
                if (fd < 0 && errno == ENOENT) {
                        int r;

                        if (!last || is_dir)
                                r = mkdirat(parent, parts[i], 0755);
                        else {
                                r = openat(parent, parts[i], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                           0644);
                                if (r >= 0)
                                        r = close(r);
                        }
                        if (r == 0)
                                r = fchownat(parent, parts[i], base, base, AT_SYMLINK_NOFOLLOW);
                        fd = r == 0 ? open_in_root(root_fd, sofar->str, O_PATH) : -1;
                }
                close(parent);
                if (fd < 0)
                        return -1;
                if (!last)
                        close(fd);
        }
        return fd;
}

static gboolean mount_locked_bind(int root_fd, const char *src, const char *dest, gboolean recursive,
                                  guint64 attrs, guint32 base, GError **error)
{
        struct mount_attr attr = { .attr_set = attrs };
        unsigned int rec = recursive ? AT_RECURSIVE : 0;
        struct stat st;
        int tree, target;
        gboolean ok;

        if (stat(src, &st) < 0)
                return fail(error, "stat", src);
        tree = (int) syscall(SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec);
        if (tree < 0)
                return fail(error, "open_tree", src);
        if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | rec, &attr, sizeof(attr)) < 0) {
                close(tree);
                return fail(error, "make read-only", src);
        }
        target = open_mountpoint(root_fd, dest, S_ISDIR(st.st_mode), base);
        if (target < 0) {
                close(tree);
                return fail(error, "mount point", dest);
        }
        ok = syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == 0;
        if (!ok)
                fail(error, "bind at", dest);
        close(target);
        close(tree);
        return ok;
}

/* another mount of CONFIG (other than I) at DEST or above it: runc mounts
 * that one over ours, so ours would be hidden */
static gboolean covered(JsonArray *mounts, guint i, const char *dest)
{
        for (guint j = 0; j < json_array_get_length(mounts); j++) {
                JsonNode *n = json_array_get_element(mounts, j);
                const char *d = j != i && JSON_NODE_HOLDS_OBJECT(n) ?
                                        mount_string(json_node_get_object(n), "destination") :
                                        NULL;
                gsize len = d ? strlen(d) : 0;

                while (len > 1 && d[len - 1] == '/')
                        len--;
                if (d != NULL && strncmp(d, dest, len) == 0 && (dest[len] == '\0' || dest[len] == '/'))
                        return TRUE;
        }
        return FALSE;
}

gboolean eci_rootfs_lock_readonly_binds(const char *rootfs, JsonNode *config, guint32 base, GError **error)
{
        JsonObject *root = JSON_NODE_HOLDS_OBJECT(config) ? json_node_get_object(config) : NULL;
        JsonNode *mn = root ? json_object_get_member(root, "mounts") : NULL;
        JsonArray *mounts = mn && JSON_NODE_HOLDS_ARRAY(mn) ? json_node_get_array(mn) : NULL;
        g_autoptr(JsonArray) left = json_array_new();
        int root_fd;

        if (mounts == NULL)
                return TRUE;
        root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return fail(error, "open", rootfs);
        for (guint i = 0; i < json_array_get_length(mounts); i++) {
                JsonNode *n = json_array_get_element(mounts, i);
                JsonObject *m = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
                const char *src = mount_string(m, "source"), *dest = mount_string(m, "destination");
                gboolean bind = g_strcmp0(mount_string(m, "type"), "bind") == 0 || has_option(m, "bind") ||
                                has_option(m, "rbind");
                guint64 attrs = MOUNT_ATTR_RDONLY;

                if (!bind || !has_option(m, "ro") || src == NULL || dest == NULL || dest[0] != '/' ||
                    covered(mounts, i, dest)) {
                        json_array_add_element(left, json_node_copy(n));
                        continue;
                }
                attrs |= has_option(m, "nosuid") ? MOUNT_ATTR_NOSUID : 0;
                attrs |= has_option(m, "nodev") ? MOUNT_ATTR_NODEV : 0;
                attrs |= has_option(m, "noexec") ? MOUNT_ATTR_NOEXEC : 0;
                if (!mount_locked_bind(root_fd, src, dest, !has_option(m, "bind"), attrs, base, error)) {
                        close(root_fd);
                        return FALSE;
                }
        }
        close(root_fd);
        json_object_set_array_member(root, "mounts", g_steal_pointer(&left));
        return TRUE;
}

void eci_rootfs_release(const char *dir, const char *id)
{
        g_autofree char *cdir = g_build_filename(dir, id, NULL);
        g_autofree char *target = g_build_filename(cdir, "rootfs", NULL);
        g_autoptr(GDir) d = NULL;
        const char *name;

        if (strchr(id, '/') != NULL || id[0] == '.')
                return;
        (void) umount2(target, MNT_DETACH);
        (void) g_rmdir(target);
        d = g_dir_open(cdir, 0, NULL);
        while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
                g_autofree char *p = g_build_filename(cdir, name, NULL);

                (void) umount2(p, MNT_DETACH);
                (void) g_remove(p);
        }
        (void) g_rmdir(cdir);
}
