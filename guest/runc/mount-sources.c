#include "config.h"

#include <string.h>

#include "mount-sources.h"

#define VOLUMES_DIR ECI_DOCKER_ROOT "/volumes"
#define CONTAINERS_DIR ECI_DOCKER_ROOT "/containers"

static const char *const container_files[] = { "hosts", "hostname", "resolv.conf", NULL };
static const char *const build_dirs[] = { "overlay2", "buildkit", NULL };

static const char *const shape_names[] = {
        [ECI_SOURCE_UNRESOLVED] = "unresolved",
        [ECI_SOURCE_PLAIN] = "plain",
        [ECI_SOURCE_TMPFS_ROOT] = "tmpfs-root",
        [ECI_SOURCE_FOREIGN] = "foreign",
};

/* the rest of PATH after DIR and a slash, or NULL */
static const char *beneath(const char *path, const char *dir)
{
        gsize n = strlen(dir);

        return strncmp(path, dir, n) == 0 && path[n] == '/' && path[n + 1] != '\0' ? path + n + 1 : NULL;
}

static gboolean in_list(const char *const *list, const char *s)
{
        for (; *list; list++)
                if (strcmp(*list, s) == 0)
                        return TRUE;
        return FALSE;
}

/* a path the kernel would give back for an open file: absolute, no empty,
 * "." or ".." component, no trailing slash */
static gboolean canonical(const char *path)
{
        g_auto(GStrv) parts = NULL;

        if (path == NULL || path[0] != '/')
                return FALSE;
        if (path[1] == '\0')
                return TRUE;
        parts = g_strsplit(path + 1, "/", -1);
        for (guint i = 0; parts[i]; i++)
                if (*parts[i] == '\0' || strcmp(parts[i], ".") == 0 || strcmp(parts[i], "..") == 0)
                        return FALSE;
        return TRUE;
}

static void set(EciSource *out, EciSourceClass cls, const char *root, const char *below, const char *owner,
                gsize owner_len)
{
        out->cls = cls;
        out->root = root;
        out->below = g_strdup(below);
        out->owner = owner ? g_strndup(owner, owner_len) : NULL;
}

static gboolean classify_volume(const char *path, EciSource *out)
{
        const char *rest = beneath(path, VOLUMES_DIR);
        const char *slash = rest ? strchr(rest, '/') : NULL;

        if (slash == NULL || slash == rest || strcmp(slash, "/_data") != 0)
                return FALSE;
        set(out, ECI_SOURCE_VOLUME, VOLUMES_DIR, rest, rest, (gsize) (slash - rest));
        return TRUE;
}

static gboolean classify_container(const char *path, EciSource *out)
{
        const char *rest = beneath(path, CONTAINERS_DIR);
        const char *slash = rest ? strchr(rest, '/') : NULL;

        if (slash == NULL || slash == rest)
                return FALSE;
        if (in_list(container_files, slash + 1))
                set(out, ECI_SOURCE_CONTAINER_FILE, CONTAINERS_DIR, rest, rest, (gsize) (slash - rest));
        else if (strcmp(slash, "/mounts/shm") == 0)
                set(out, ECI_SOURCE_CONTAINER_SHM, CONTAINERS_DIR, rest, rest, (gsize) (slash - rest));
        else
                return FALSE;
        return TRUE;
}

static gboolean classify_build_data(const char *path, EciSource *out)
{
        const char *rest = beneath(path, ECI_DOCKER_ROOT);

        for (const char *const *d = build_dirs; rest && *d; d++) {
                gsize n = strlen(*d);

                if (strncmp(rest, *d, n) == 0 && rest[n] == '/' && rest[n + 1] != '\0') {
                        set(out, ECI_SOURCE_BUILD_DATA, ECI_DOCKER_ROOT, rest, NULL, 0);
                        return TRUE;
                }
        }
        return FALSE;
}

void eci_source_classify(const char *path, EciSource *out)
{
        *out = (EciSource){ .cls = ECI_SOURCE_OTHER };
        if (!canonical(path))
                return;
        if (strcmp(path, ECI_DOCKER_SOCKET) == 0)
                set(out, ECI_SOURCE_ENGINE_SOCKET, "/", path + 1, NULL, 0);
        else if (!classify_volume(path, out) && !classify_container(path, out))
                (void) classify_build_data(path, out);
}

void eci_source_clear(EciSource *s)
{
        g_clear_pointer(&s->owner, g_free);
        g_clear_pointer(&s->below, g_free);
}

const char *eci_source_shape_name(EciSourceShape shape)
{
        return (gsize) shape < G_N_ELEMENTS(shape_names) ? shape_names[shape] : "unresolved";
}

gboolean eci_source_shape_parse(const char *name, EciSourceShape *out)
{
        for (gsize i = 0; i < G_N_ELEMENTS(shape_names); i++)
                if (name != NULL && strcmp(name, shape_names[i]) == 0) {
                        *out = (EciSourceShape) i;
                        return TRUE;
                }
        return FALSE;
}
