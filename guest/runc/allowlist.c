#include "config.h"

#include <string.h>

#include "allowlist.h"

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

gboolean eci_allowlist_match(JsonArray *patterns, const char *image_id, const char *image_name,
                             JsonObject *repositories)
{
        JsonNode *all_n = repositories ? json_object_get_member(repositories, "Repositories") : NULL;
        JsonObject *all = all_n && JSON_NODE_HOLDS_OBJECT(all_n) ? json_node_get_object(all_n) : NULL;

        if (patterns == NULL || image_id == NULL)
                return FALSE;
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

gboolean eci_allowlist_allows(const char *settings_path, const char *docker_root, const char *container_id)
{
        static const char *const images_path[] = { "dockerSocketMount", "imageList", "images", NULL };
        static const char *const name_path[] = { "Config", "Image", NULL };
        static const char *const id_path[] = { "Image", NULL };
        g_autoptr(JsonNode) settings = load(settings_path);
        g_autoptr(JsonNode) record = NULL, repos = NULL;
        g_autofree char *record_path = NULL, *repos_path = NULL;
        JsonNode *images, *id, *name;

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
        return eci_allowlist_match(json_node_get_array(images), json_node_get_string(id),
                                   name && json_node_get_value_type(name) == G_TYPE_STRING ?
                                           json_node_get_string(name) : NULL,
                                   repos ? json_node_get_object(repos) : NULL);
}
