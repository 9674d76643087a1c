#include "config.h"

#include <string.h>

#include "allowlist.h"
#include "contract.h"

/* "docker.io/library/busybox" -> "busybox"; "docker.io/x/y" -> "x/y" */
static const char *familiar(const char *name)
{
        if (g_str_has_prefix(name, "docker.io/library/"))
                return name + strlen("docker.io/library/");
        if (g_str_has_prefix(name, "docker.io/"))
                return name + strlen("docker.io/");
        return name;
}

/* Splits a familiar reference into repository and tag or digest. */
static char *repo_of(const char *ref, const char **ret_tag, const char **ret_digest)
{
        const char *at = strchr(ref, '@');
        const char *slash = strrchr(ref, '/');
        const char *colon;

        *ret_tag = *ret_digest = NULL;
        if (at != NULL) {
                *ret_digest = at + 1;
                return g_strndup(ref, (gsize) (at - ref));
        }
        colon = strrchr(slash ? slash : ref, ':');
        if (colon != NULL) {
                *ret_tag = colon + 1;
                return g_strndup(ref, (gsize) (colon - ref));
        }
        *ret_tag = "latest";
        return g_strdup(ref);
}

static gboolean has_digest_ref(JsonObject *refs, const char *repo, const char *image_id)
{
        g_autoptr(GList) keys = json_object_get_members(refs);
        g_autofree char *prefix = g_strconcat(repo, "@", NULL);

        for (GList *l = keys; l; l = l->next) {
                const char *id = json_object_get_string_member_with_default(refs, l->data, "");

                if (g_str_has_prefix(l->data, prefix) && strcmp(id, image_id) == 0)
                        return TRUE;
        }
        return FALSE;
}

static gboolean match_one(const char *pattern, const char *image_id, JsonObject *all)
{
        const char *tag, *digest;
        g_autofree char *repo = repo_of(familiar(pattern), &tag, &digest);
        JsonNode *refs_n = all ? json_object_get_member(all, repo) : NULL;
        JsonObject *refs = refs_n && JSON_NODE_HOLDS_OBJECT(refs_n) ? json_node_get_object(refs_n) : NULL;
        g_autofree char *key = NULL;

        if (refs == NULL)
                return FALSE;
        if (digest != NULL) {
                key = g_strconcat(repo, "@", digest, NULL);
                return g_strcmp0(json_object_get_string_member_with_default(refs, key, NULL), image_id) == 0;
        }
        if (!has_digest_ref(refs, repo, image_id))
                return FALSE;
        if (strcmp(tag, "*") == 0)
                return TRUE;
        key = g_strconcat(repo, ":", tag, NULL);
        return g_strcmp0(json_object_get_string_member_with_default(refs, key, NULL), image_id) == 0;
}

static gboolean match_any(JsonArray *patterns, const char *image_id, JsonObject *all)
{
        for (guint i = 0; i < json_array_get_length(patterns); i++) {
                JsonNode *p = json_array_get_element(patterns, i);
                const char *pattern = JSON_NODE_HOLDS_VALUE(p) && json_node_get_value_type(p) == G_TYPE_STRING ?
                                              json_node_get_string(p) : NULL;

                if (pattern == NULL)
                        continue;
                if (strcmp(pattern, "*") == 0 || match_one(pattern, image_id, all))
                        return TRUE;
        }
        return FALSE;
}

/* BASE's layers (at least one) are the first layers of IMAGE's */
static gboolean layers_extend(JsonArray *base, JsonArray *image)
{
        guint n = base ? json_array_get_length(base) : 0;

        if (n == 0 || image == NULL || json_array_get_length(image) < n)
                return FALSE;
        for (guint i = 0; i < n; i++) {
                const char *a = json_array_get_string_element(base, i);
                const char *b = json_array_get_string_element(image, i);

                if (a == NULL || b == NULL || strcmp(a, b) != 0)
                        return FALSE;
        }
        return TRUE;
}

/* An image built on an allowed one: some image the list allows (by the
 * same rules) has layers that IMAGE_ID's start with. */
static gboolean derived_match(JsonArray *patterns, const char *image_id, JsonObject *all, GHashTable *layers)
{
        JsonArray *mine = g_hash_table_lookup(layers, image_id);
        g_autoptr(GList) repos = all ? json_object_get_members(all) : NULL;

        for (GList *r = repos; r && mine; r = r->next) {
                JsonNode *refs_n = json_object_get_member(all, r->data);
                JsonObject *refs = JSON_NODE_HOLDS_OBJECT(refs_n) ? json_node_get_object(refs_n) : NULL;
                g_autoptr(GList) keys = refs ? json_object_get_members(refs) : NULL;

                for (GList *k = keys; k; k = k->next) {
                        const char *base = json_object_get_string_member_with_default(refs, k->data, NULL);

                        if (base != NULL && strcmp(base, image_id) != 0 &&
                            layers_extend(g_hash_table_lookup(layers, base), mine) && match_any(patterns, base, all))
                                return TRUE;
                }
        }
        return FALSE;
}

gboolean eci_allowlist_match(JsonArray *patterns, const char *image_id, const char *image_name,
                             JsonObject *repositories, GHashTable *image_layers)
{
        JsonNode *all_n = repositories ? json_object_get_member(repositories, "Repositories") : NULL;
        JsonObject *all = all_n && JSON_NODE_HOLDS_OBJECT(all_n) ? json_node_get_object(all_n) : NULL;

        if (patterns == NULL || image_id == NULL)
                return FALSE;
        if (match_any(patterns, image_id, all))
                return TRUE;
        return image_layers != NULL && derived_match(patterns, image_id, all, image_layers);
}

static JsonNode *load(const char *path)
{
        g_autoptr(JsonParser) p = json_parser_new();

        if (!json_parser_load_from_file(p, path, NULL) || json_parser_get_root(p) == NULL ||
            !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
                return NULL;
        return json_node_copy(json_parser_get_root(p));
}

static JsonNode *path_get(JsonNode *n, const char *const *path)
{
        for (; n != NULL && *path; path++)
                n = JSON_NODE_HOLDS_OBJECT(n) ? json_object_get_member(json_node_get_object(n), *path) : NULL;
        return n;
}

/* image id -> rootfs.diff_ids of every image in REPOS and of IMAGE_ID,
 * from dockerd's image store */
static GHashTable *load_layers(const char *docker_root, JsonObject *repos, const char *image_id)
{
        static const char *const diff_ids_path[] = { "rootfs", "diff_ids", NULL };
        GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_array_unref);
        g_autoptr(GPtrArray) ids = g_ptr_array_new();
        JsonNode *all_n = repos ? json_object_get_member(repos, "Repositories") : NULL;
        JsonObject *all = all_n && JSON_NODE_HOLDS_OBJECT(all_n) ? json_node_get_object(all_n) : NULL;
        g_autoptr(GList) names = all ? json_object_get_members(all) : NULL;

        g_ptr_array_add(ids, (gpointer) image_id);
        for (GList *r = names; r; r = r->next) {
                JsonNode *refs_n = json_object_get_member(all, r->data);
                JsonObject *refs = JSON_NODE_HOLDS_OBJECT(refs_n) ? json_node_get_object(refs_n) : NULL;
                g_autoptr(GList) keys = refs ? json_object_get_members(refs) : NULL;

                for (GList *k = keys; k; k = k->next) {
                        const char *id = json_object_get_string_member_with_default(refs, k->data, NULL);

                        if (id != NULL)
                                g_ptr_array_add(ids, (gpointer) id);
                }
        }
        for (guint i = 0; i < ids->len; i++) {
                const char *id = ids->pdata[i];
                g_autofree char *path = NULL;
                g_autoptr(JsonNode) cfg = NULL;
                JsonNode *d;

                if (!g_str_has_prefix(id, "sha256:") || strchr(id, '/') != NULL || g_hash_table_contains(t, id))
                        continue;
                path = g_build_filename(docker_root, "image", "overlay2", "imagedb", "content", "sha256",
                                        id + strlen("sha256:"), NULL);
                cfg = load(path);
                d = path_get(cfg, diff_ids_path);
                if (d != NULL && JSON_NODE_HOLDS_ARRAY(d))
                        g_hash_table_insert(t, g_strdup(id), json_array_ref(json_node_get_array(d)));
        }
        return t;
}

gboolean eci_allowlist_allows(const char *settings_path, const char *docker_root, const char *container_id)
{
        static const char *const images_path[] = { WIRE_ECI_DOCKER_SOCKET_MOUNT, WIRE_ECI_IMAGE_LIST, WIRE_ECI_IMAGES, NULL };
        static const char *const derived_path[] = { WIRE_ECI_DOCKER_SOCKET_MOUNT, WIRE_ECI_IMAGE_LIST,
                                                    WIRE_ECI_ALLOW_DERIVED_IMAGES, NULL };
        static const char *const name_path[] = { "Config", "Image", NULL };
        static const char *const id_path[] = { "Image", NULL };
        g_autoptr(JsonNode) settings = load(settings_path);
        g_autoptr(JsonNode) record = NULL, repos = NULL;
        g_autofree char *record_path = NULL, *repos_path = NULL;
        g_autoptr(GHashTable) layers = NULL;
        JsonNode *images, *id, *name, *derived;

        images = path_get(settings, images_path);
        if (images == NULL || !JSON_NODE_HOLDS_ARRAY(images) || json_array_get_length(json_node_get_array(images)) == 0)
                return FALSE;
        if (strchr(container_id, '/') != NULL || container_id[0] == '.')
                return FALSE;
        record_path = g_build_filename(docker_root, "containers", container_id, "config.v2.json", NULL);
        repos_path = g_build_filename(docker_root, "image", "overlay2", "repositories.json", NULL);
        record = load(record_path);
        repos = load(repos_path);
        id = path_get(record, id_path);
        name = path_get(record, name_path);
        if (id == NULL || json_node_get_value_type(id) != G_TYPE_STRING)
                return FALSE;
        derived = path_get(settings, derived_path);
        if (derived != NULL && json_node_get_value_type(derived) == G_TYPE_BOOLEAN && json_node_get_boolean(derived))
                layers = load_layers(docker_root, repos ? json_node_get_object(repos) : NULL,
                                     json_node_get_string(id));
        return eci_allowlist_match(json_node_get_array(images), json_node_get_string(id),
                                   name && json_node_get_value_type(name) == G_TYPE_STRING ?
                                           json_node_get_string(name) : NULL,
                                   repos ? json_node_get_object(repos) : NULL, layers);
}
