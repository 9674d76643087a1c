#include <string.h>

#include <json-glib/json-glib.h>

#include "api-filter.h"
#include "contract.h"

void ecivm_api_policy_from_settings(EcivmApiPolicy *p, const EcivmSettings *s)
{
        *p = (EcivmApiPolicy){
                .eci = s->eci,
                .block_docker_load = s->block_docker_load,
                .images = s->images,
                .command_list_type = s->command_list_type,
                .commands = s->commands,
        };
}

/* Path segments without the /v1.xx prefix. */
static GStrv route(const EcivmHttpHead *h)
{
        g_auto(GStrv) all = g_strsplit(h->path + 1, "/", -1);
        GPtrArray *out = g_ptr_array_new();
        guint start = 0;

        if (all[0] && all[0][0] == 'v' && g_ascii_isdigit(all[0][1]) &&
            strspn(all[0] + 1, "0123456789.") == strlen(all[0] + 1))
                start = 1;
        for (guint i = start; all[i]; i++)
                if (*all[i])
                        g_ptr_array_add(out, g_strdup(all[i]));
        g_ptr_array_add(out, NULL);
        return (GStrv) g_ptr_array_free(out, FALSE);
}

static gboolean is_post(const EcivmHttpHead *h)
{
        return g_str_equal(h->method, "POST");
}

static gboolean is_create(GStrv r)
{
        return g_strv_length(r) == 2 && g_str_equal(r[0], "containers") && g_str_equal(r[1], "create");
}

static gboolean is_update(GStrv r)
{
        return g_strv_length(r) == 3 && g_str_equal(r[0], "containers") && g_str_equal(r[2], "update");
}

static gboolean is_volume_create(GStrv r)
{
        return g_strv_length(r) == 2 && g_str_equal(r[0], "volumes") && g_str_equal(r[1], "create");
}

gboolean ecivm_api_filter_needs_body(const EcivmApiPolicy *p, const EcivmHttpHead *h)
{
        g_auto(GStrv) r = NULL;

        if (!p->eci || !is_post(h))
                return FALSE;
        r = route(h);
        return is_create(r) || is_update(r) || is_volume_create(r);
}

/* ---- image references ---- */

static char *normalise_image(const char *ref)
{
        const char *slash = strchr(ref, '/');
        g_autofree char *full = NULL;
        const char *last, *at;

        if (!slash || (!memchr(ref, '.', (gsize) (slash - ref)) && !memchr(ref, ':', (gsize) (slash - ref)) &&
                       strncmp(ref, "localhost/", 10) != 0))
                full = g_strconcat("docker.io/", strchr(ref, '/') ? "" : "library/", ref, NULL);
        else
                full = g_strdup(ref);
        if (g_str_has_prefix(full, "docker.io/") && !strchr(full + 10, '/')) {
                char *t = g_strconcat("docker.io/library/", full + 10, NULL);
                g_free(full);
                full = t;
        }
        at = strchr(full, '@');
        last = strrchr(full, '/');
        if (!at && !strchr(last ? last : full, ':'))
                return g_strconcat(full, ":latest", NULL);
        return g_steal_pointer(&full);
}

gboolean ecivm_api_image_matches(const char *pattern, const char *image)
{
        g_autofree char *img = NULL, *pat = NULL;

        if (g_str_equal(pattern, "*"))
                return TRUE;
        if (!image || !*image)
                return FALSE;
        img = normalise_image(image);
        if (g_str_has_suffix(pattern, ":*")) {
                g_autofree char *name = g_strndup(pattern, strlen(pattern) - 2);
                g_autofree char *norm = normalise_image(name); /* adds :latest */
                gsize n = strlen(norm) - strlen(":latest");
                return strncmp(img, norm, n) == 0 && (img[n] == ':' || img[n] == '@');
        }
        pat = normalise_image(pattern);
        return g_str_equal(img, pat);
}

/* ---- body checks ---- */

static const struct {
        const char *field, *flag;
} host_modes[] = {
        { "PidMode", "--pid=host" },       { "NetworkMode", "--network=host" },
        { "IpcMode", "--ipc=host" },       { "UTSMode", "--uts=host" },
        { "CgroupnsMode", "--cgroupns=host" }, { "UsernsMode", "--userns=host" },
};

static const char *const engine_paths[] = { WIRE_PATH_DOCKER_SOCKET, WIRE_PATH_DOCKER_EXEC_ROOT,
                                            WIRE_PATH_CONTAINERD_DIR, "/var" WIRE_PATH_DOCKER_SOCKET,
                                            "/var" WIRE_PATH_DOCKER_EXEC_ROOT, "/var" WIRE_PATH_CONTAINERD_DIR,
                                            NULL };

/* The source is an engine socket, holds one, or is inside the engine's run dirs. */
static gboolean touches_engine(const char *src)
{
        g_autofree char *p = g_canonicalize_filename(src, "/");

        for (const char *const *e = engine_paths; *e; e++) {
                gsize n = strlen(p);
                if (g_str_equal(p, "/") || g_str_equal(p, *e) || (g_str_has_prefix(*e, p) && (*e)[n] == '/') ||
                    (g_str_has_prefix(p, *e) && p[strlen(*e)] == '/'))
                        return TRUE;
        }
        return FALSE;
}

static const char *member_string(JsonObject *o, const char *name)
{
        JsonNode *n = o ? json_object_get_member(o, name) : NULL;
        return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING ? json_node_get_string(n)
                                                                                             : NULL;
}

static JsonObject *member_object(JsonObject *o, const char *name)
{
        JsonNode *n = o ? json_object_get_member(o, name) : NULL;
        return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static JsonArray *member_array(JsonObject *o, const char *name)
{
        JsonNode *n = o ? json_object_get_member(o, name) : NULL;
        return n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

static gboolean image_allowed(const EcivmApiPolicy *p, const char *image)
{
        for (char **i = p->images; i && *i; i++)
                if (ecivm_api_image_matches(*i, image))
                        return TRUE;
        return FALSE;
}

static char *socket_refusal(const char *src)
{
        return g_strdup_printf("mounting %s is not allowed: the engine's sockets can only be mounted into "
                               "allow-listed images (enhancedContainerIsolation.dockerSocketMount)",
                               src);
}

static char *check_mounts(const EcivmApiPolicy *p, JsonObject *hc, const char *image)
{
        JsonArray *binds = member_array(hc, "Binds"), *mounts = member_array(hc, "Mounts");

        if (image_allowed(p, image))
                return NULL;
        for (guint i = 0; binds && i < json_array_get_length(binds); i++) {
                const char *b = json_array_get_string_element(binds, i);
                g_autofree char *src = NULL;
                if (!b)
                        return g_strdup("HostConfig.Binds: expected strings");
                src = g_strndup(b, strchr(b, ':') ? (gsize) (strchr(b, ':') - b) : strlen(b));
                if (*src == '/' && touches_engine(src))
                        return socket_refusal(src);
        }
        for (guint i = 0; mounts && i < json_array_get_length(mounts); i++) {
                JsonNode *n = json_array_get_element(mounts, i);
                JsonObject *m = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
                const char *src = member_string(m, "Source"), *type = member_string(m, "Type");
                if (!m)
                        return g_strdup("HostConfig.Mounts: expected objects");
                if (src && *src == '/' && (!type || g_str_equal(type, "bind")) && touches_engine(src))
                        return socket_refusal(src);
        }
        return NULL;
}

static char *check_devices(JsonObject *hc)
{
        JsonArray *d = member_array(hc, "Devices"), *rules = member_array(hc, "DeviceCgroupRules");

        if (d && json_array_get_length(d) > 0)
                return g_strdup("--device is not allowed: containers cannot use the VM's devices");
        if (rules && json_array_get_length(rules) > 0)
                return g_strdup("--device-cgroup-rule is not allowed: containers cannot use the VM's devices");
        return NULL;
}

static JsonObject *parse_body(const char *body, gsize len, JsonParser *parser, char **why)
{
        JsonNode *root;

        if (!body || len == 0)
                return NULL;
        if (!json_parser_load_from_data(parser, body, (gssize) len, NULL) || !(root = json_parser_get_root(parser)) ||
            !JSON_NODE_HOLDS_OBJECT(root)) {
                *why = g_strdup("the request body is not a JSON object");
                return NULL;
        }
        return json_node_get_object(root);
}

static char *check_create(const EcivmApiPolicy *p, const char *body, gsize len)
{
        g_autoptr(JsonParser) parser = json_parser_new_immutable();
        char *why = NULL;
        JsonObject *o = parse_body(body, len, parser, &why), *hc;

        if (why)
                return why;
        hc = member_object(o, "HostConfig");
        for (gsize i = 0; i < G_N_ELEMENTS(host_modes); i++) {
                const char *v = member_string(hc, host_modes[i].field);
                if (v && g_str_equal(v, "host"))
                        return g_strdup_printf("%s is not allowed: containers cannot share namespaces with the VM",
                                               host_modes[i].flag);
        }
        if ((why = check_devices(hc)))
                return why;
        return check_mounts(p, hc, member_string(o, "Image"));
}

static char *check_update(const char *body, gsize len)
{
        g_autoptr(JsonParser) parser = json_parser_new_immutable();
        char *why = NULL;
        JsonObject *o = parse_body(body, len, parser, &why);

        return why ? why : check_devices(o);
}

static char *check_volume_create(const char *body, gsize len)
{
        g_autoptr(JsonParser) parser = json_parser_new_immutable();
        char *why = NULL;
        JsonObject *o = parse_body(body, len, parser, &why);
        const char *dev = member_string(member_object(o, "DriverOpts"), "device");

        if (why)
                return why;
        if (dev && touches_engine(dev))
                return socket_refusal(dev);
        return NULL;
}

static gboolean is_host(const char *v, gpointer user)
{
        (void) user;
        return g_ascii_strcasecmp(v, "host") == 0;
}

static gboolean is_insecure_entitlement(const char *v, gpointer user)
{
        (void) user;
        return strstr(v, "network.host") || strstr(v, "security.insecure");
}

/* ---- commandList ---- */

static const char *group_of(const char *seg)
{
        static const char *const map[][2] = {
                { "containers", "container" }, { "exec", "container" },  { "images", "image" },
                { "volumes", "volume" },       { "networks", "network" }, { "build", "build" },
                { "plugins", "plugin" },       { "swarm", "swarm" },      { "nodes", "node" },
                { "services", "service" },     { "secrets", "secret" },   { "configs", "config" },
                { "tasks", "task" },           { "distribution", "image" }, { "commit", "container" },
        };
        for (gsize i = 0; i < G_N_ELEMENTS(map); i++)
                if (g_str_equal(seg, map[i][0]))
                        return map[i][1];
        return "system";
}

static char *verb_of(const EcivmHttpHead *h, GStrv r)
{
        guint n = g_strv_length(r);

        if (n == 0)
                return g_strdup("ping");
        if (n == 1)
                return g_strdup(g_str_equal(r[0], "build") ? "build" : r[0]);
        if (g_str_equal(h->method, "DELETE"))
                return g_strdup("rm");
        if (n == 2)
                return g_strdup(g_str_equal(r[1], "json") ? "ls" : r[1]);
        return g_strdup(g_str_equal(r[n - 1], "json") ? "inspect" : r[n - 1]);
}

static gboolean command_matches(const char *pattern, const char *verb, const char *full)
{
        if (g_str_has_suffix(pattern, "*")) {
                gsize n = strlen(pattern) - 1;
                return strncmp(full, pattern, n) == 0 || strncmp(verb, pattern, n) == 0;
        }
        return g_str_equal(pattern, verb) || g_str_equal(pattern, full);
}

static char *check_command_list(const EcivmApiPolicy *p, const EcivmHttpHead *h, GStrv r)
{
        g_autofree char *verb = verb_of(h, r);
        g_autofree char *full = g_strdup_printf("%s_%s", r[0] ? group_of(r[0]) : "system", verb);
        gboolean listed = FALSE;

        if (p->command_list_type == ECIVM_COMMAND_LIST_NONE || (r[0] && g_str_equal(r[0], "_ping")) || !r[0])
                return NULL;
        for (char **c = p->commands; c && *c; c++)
                listed |= command_matches(*c, verb, full);
        if (listed == (p->command_list_type == ECIVM_COMMAND_LIST_DENY))
                return g_strdup_printf("enhanced container isolation: docker command \"%s\" is blocked", h->target);
        return NULL;
}

char *ecivm_api_filter_check(const EcivmApiPolicy *p, EcivmApiOrigin origin, const EcivmHttpHead *h,
                             const char *body, gsize body_len)
{
        g_auto(GStrv) r = route(h);
        char *why;

        if (p->block_docker_load && is_post(h) && g_strv_length(r) == 2 && g_str_equal(r[0], "images") &&
            g_str_equal(r[1], "load"))
                return g_strdup("docker load is blocked by the administrator (blockDockerLoad)");
        if (origin == ECIVM_API_ORIGIN_CONTAINER && (why = check_command_list(p, h, r)))
                return why;
        if (!p->eci || !is_post(h))
                return NULL;
        if (g_strv_length(r) == 1 && g_str_equal(r[0], "build")) {
                if (ecivm_http_query_any(h, "networkmode", is_host, NULL))
                        return g_strdup("docker build --network=host is not allowed: builds cannot use the VM's "
                                        "network");
                if (ecivm_http_query_any(h, "entitlements", is_insecure_entitlement, NULL))
                        return g_strdup("build entitlements network.host and security.insecure are not allowed");
                return NULL;
        }
        if (is_create(r))
                return check_create(p, body, body_len);
        if (is_update(r))
                return check_update(body, body_len);
        if (is_volume_create(r))
                return check_volume_create(body, body_len);
        return NULL;
}

char *ecivm_api_filter_deny_response(const char *message, int status)
{
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autoptr(JsonNode) root = NULL;
        g_autofree char *full = g_strdup_printf("ecivm: %s", message);
        g_autofree char *json = NULL;

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "message");
        json_builder_add_string_value(b, full);
        json_builder_end_object(b);
        root = json_builder_get_root(b);
        json = json_to_string(root, FALSE);
        return g_strdup_printf("HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                               "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
                               status, status == 403 ? "Forbidden" : status == 413 ? "Payload Too Large" : "Bad Request",
                               strlen(json) + 1, json);
}
