#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "facts.h"

static const char *const ns_files[][2] = {
        { "pid", "pid" }, { "network", "net" }, { "ipc", "ipc" },       { "uts", "uts" },
        { "cgroup", "cgroup" }, { "mount", "mnt" }, { "user", "user" },
};

static void bind_fact_free(gpointer p)
{
        EciBindFact *b = p;

        g_free(b->realpath);
        g_free(b->canon);
        g_free(b);
}

EciFacts *eci_facts_new(void)
{
        EciFacts *f = g_new0(EciFacts, 1);

        f->vm_ns = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        f->ns_identity = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        f->binds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, bind_fact_free);
        f->protected_paths = g_array_new(FALSE, TRUE, sizeof(EciProtected));
        f->strings = g_ptr_array_new_with_free_func(g_free);
        return f;
}

void eci_facts_free(EciFacts *f)
{
        if (f == NULL)
                return;
        g_hash_table_unref(f->vm_ns);
        g_hash_table_unref(f->ns_identity);
        g_hash_table_unref(f->binds);
        g_array_unref(f->protected_paths);
        g_ptr_array_unref(f->strings);
        g_free(f);
}

static char *ns_identity(const char *path)
{
        struct stat st;

        if (stat(path, &st) < 0)
                return NULL;
        return g_strdup_printf("%lu:%lu", (unsigned long) st.st_dev, (unsigned long) st.st_ino);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape(char *s)
{
        char *o = s;

        for (; *s; s++) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
                    s[3] <= '7') {
                        *o++ = (char) ((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
                        s += 3;
                } else {
                        *o++ = *s;
                }
        }
        *o = '\0';
}

static gboolean under(const char *path, const char *mp, gsize *rest)
{
        gsize n = strlen(mp);

        if (strcmp(mp, "/") == 0) {
                *rest = 0;
                return TRUE;
        }
        if (strncmp(path, mp, n) != 0 || (path[n] != '\0' && path[n] != '/'))
                return FALSE;
        *rest = n;
        return TRUE;
}

char *eci_canon_path(const char *mountinfo, const char *realpath)
{
        g_auto(GStrv) lines = g_strsplit(mountinfo, "\n", -1);
        g_autofree char *best_dev = NULL, *best_root = NULL;
        gsize best_len = 0, best_rest = 0;
        gboolean found = FALSE;

        for (guint i = 0; lines[i] != NULL; i++) {
                g_auto(GStrv) f = g_strsplit(lines[i], " ", 6);
                gsize rest, mp_len;

                if (g_strv_length(f) < 6)
                        continue;
                unescape(f[3]);
                unescape(f[4]);
                if (!under(realpath, f[4], &rest))
                        continue;
                mp_len = strlen(f[4]);
                /* the longest mount point wins; of equal ones the last (on top) */
                if (found && mp_len < best_len)
                        continue;
                g_free(best_dev);
                g_free(best_root);
                best_dev = g_strdup(f[2]);
                best_root = g_strdup(f[3]);
                best_len = mp_len;
                best_rest = rest;
                found = TRUE;
        }
        if (!found)
                return NULL;
        {
                const char *tail = realpath + best_rest;
                g_autofree char *joined = NULL;
                g_autofree char *clean = NULL;

                while (*tail == '/')
                        tail++; /* "//" would stay: POSIX keeps a leading double slash */
                joined = g_build_filename(best_root, tail, NULL);
                clean = g_canonicalize_filename(joined, "/");

                return g_strdup_printf("%s:%s", best_dev, clean);
        }
}

static void resolve_bind(EciFacts *f, const char *source, const char *mountinfo)
{
        char real[PATH_MAX];
        EciBindFact *b;

        if (g_hash_table_contains(f->binds, source))
                return;
        b = g_new0(EciBindFact, 1);
        if (realpath(source, real) != NULL) {
                b->realpath = g_strdup(real);
                b->canon = eci_canon_path(mountinfo, real);
        }
        g_hash_table_insert(f->binds, g_strdup(source), b);
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

void eci_facts_resolve(EciFacts *f, JsonNode *config, const char *mountinfo)
{
        JsonObject *root = JSON_NODE_HOLDS_OBJECT(config) ? json_node_get_object(config) : NULL;
        JsonNode *linux_n = root ? json_object_get_member(root, "linux") : NULL;
        JsonNode *mounts_n = root ? json_object_get_member(root, "mounts") : NULL;

        resolve_namespaces(f, linux_n && JSON_NODE_HOLDS_OBJECT(linux_n) ? json_node_get_object(linux_n) : NULL);
        if (mounts_n != NULL && JSON_NODE_HOLDS_ARRAY(mounts_n)) {
                JsonArray *mounts = json_node_get_array(mounts_n);

                for (guint i = 0; i < json_array_get_length(mounts); i++) {
                        JsonNode *m = json_array_get_element(mounts, i);
                        const char *src;

                        if (!JSON_NODE_HOLDS_OBJECT(m))
                                continue;
                        src = json_object_get_string_member_with_default(json_node_get_object(m), "source", NULL);
                        if (src != NULL && src[0] == '/')
                                resolve_bind(f, src, mountinfo);
                }
        }
        for (gsize i = 0; i < eci_n_protected_paths; i++) {
                EciProtected p = { &eci_protected_paths[i], NULL };
                char real[PATH_MAX];

                if (realpath(p.path->name, real) != NULL) {
                        char *canon = eci_canon_path(mountinfo, real);

                        if (canon != NULL) {
                                g_ptr_array_add(f->strings, canon);
                                p.canon = canon;
                        }
                }
                g_array_append_val(f->protected_paths, p);
        }
}

void eci_facts_to_context(const EciFacts *f, EciPolicyContext *ctx)
{
        ctx->vm_ns = f->vm_ns;
        ctx->ns_identity = f->ns_identity;
        ctx->binds = f->binds;
        ctx->protected_paths = (const EciProtected *) (void *) f->protected_paths->data;
        ctx->n_protected = f->protected_paths->len;
}
