#include <string.h>

#include <json-glib/json-glib.h>

#include "api-body.h"
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

static gboolean is_start(GStrv r)
{
        return g_strv_length(r) == 3 && g_str_equal(r[0], "containers") && g_str_equal(r[2], "start");
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
        return is_create(r) || is_update(r) || is_volume_create(r) || is_start(r);
}

/* Before API 1.24 dockerd applies a HostConfig given to start, past every
 * create rule: a start may carry no body but an empty one. */
static char *check_start_body(const char *body, gsize len, int *ret_status)
{
        g_autofree char *text = body ? g_strstrip(g_strndup(body, len)) : NULL;

        if (text == NULL || *text == '\0' || g_str_equal(text, "{}") || g_str_equal(text, "null"))
                return NULL;
        *ret_status = 400;
        return g_strdup("a container start with a body is not allowed: dockerd would apply its HostConfig past the "
                        "create rules (give it at create)");
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

static const char *const *const create_fields[] = { ecivm_api_fields_create_wrapper, ecivm_api_fields_config, NULL };
static const char *const *const host_config_fields[] = { ecivm_api_fields_host_config, ecivm_api_fields_resources,
                                                         NULL };
static const char *const *const update_fields[] = { ecivm_api_fields_update, ecivm_api_fields_resources, NULL };
static const char *const *const mount_fields[] = { ecivm_api_fields_mount, NULL };
static const char *const *const volume_options_fields[] = { ecivm_api_fields_volume_options, NULL };
static const char *const *const driver_fields[] = { ecivm_api_fields_driver, NULL };
static const char *const *const volume_create_fields[] = { ecivm_api_fields_volume_create, NULL };

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

static JsonObject *element_object(JsonArray *a, guint i)
{
        JsonNode *n = json_array_get_element(a, i);
        return JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
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

/* dockerd rejects every mount type but these exact ones; anything else is
 * checked as a bind so that the filter fails closed. */
static gboolean is_bind_like(const char *type)
{
        return !type || !(g_str_equal(type, "volume") || g_str_equal(type, "tmpfs"));
}

/* SRC without empty, "." and ".." components ("//run/./docker.sock" ->
 * "/run/docker.sock"), as the kernel resolves it; dockerd keeps the text. */
static char *clean_path(const char *src)
{
        g_auto(GStrv) parts = g_strsplit(src, "/", -1);
        g_autoptr(GPtrArray) kept = g_ptr_array_new();
        GString *out = g_string_new(NULL);

        for (char **c = parts; *c; c++) {
                if (**c == '\0' || g_str_equal(*c, "."))
                        continue;
                if (g_str_equal(*c, "..")) {
                        if (kept->len > 0)
                                g_ptr_array_remove_index(kept, kept->len - 1);
                        continue;
                }
                g_ptr_array_add(kept, *c);
        }
        for (guint i = 0; i < kept->len; i++)
                g_string_append_printf(out, "/%s", (const char *) g_ptr_array_index(kept, i));
        if (out->len == 0)
                g_string_append_c(out, '/');
        return g_string_free(out, FALSE);
}

static gboolean is_engine_socket(const char *clean)
{
        return g_str_equal(clean, WIRE_PATH_DOCKER_SOCKET) || g_str_equal(clean, "/var" WIRE_PATH_DOCKER_SOCKET);
}

/* There is no host file sharing: a path is the VM's, and dockerd mounts a
 * container's binds for `docker cp` and the archive API without the
 * runtime, so every bind is decided here, at create: only dockerd's socket,
 * for an allow-listed image (the runtime gives it the filtered one). */
static char *check_bind_source(const EcivmApiPolicy *p, const char *src, const char *image)
{
        g_autofree char *clean = NULL;
        g_autofree char *shown = NULL;

        if (*src != '/')
                return NULL; /* a volume's name */
        clean = clean_path(src);
        shown = ecivm_api_body_printable(src);
        if (is_engine_socket(clean))
                return image_allowed(p, image) ? NULL : socket_refusal(shown);
        if (touches_engine(clean) && !image_allowed(p, image))
                return socket_refusal(shown);
        return g_strdup_printf("mounting %s is not allowed: containers may only mount volumes (every path is the "
                               "VM's: there is no host file sharing)",
                               shown);
}

static char *check_mounts(const EcivmApiPolicy *p, JsonObject *hc, const char *image)
{
        JsonArray *binds = member_array(hc, "Binds"), *mounts = member_array(hc, "Mounts");
        char *why;

        for (guint i = 0; binds && i < json_array_get_length(binds); i++) {
                const char *b = json_array_get_string_element(binds, i);
                g_autofree char *src = NULL;
                if (!b)
                        return g_strdup("HostConfig.Binds: expected strings");
                src = g_strndup(b, strchr(b, ':') ? (gsize) (strchr(b, ':') - b) : strlen(b));
                if ((why = check_bind_source(p, src, image)))
                        return why;
        }
        for (guint i = 0; mounts && i < json_array_get_length(mounts); i++) {
                JsonObject *m = element_object(mounts, i);
                const char *src = member_string(m, "Source");
                if (!m)
                        return g_strdup("HostConfig.Mounts: expected objects");
                if (src && is_bind_like(member_string(m, "Type")) && (why = check_bind_source(p, src, image)))
                        return why;
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

/* ---- volumes: a local volume is a directory on the data disk or a tmpfs ---- */

static const char *const tmpfs_options[] = { "size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", NULL };

static gboolean tmpfs_option_ok(const char *opt)
{
        const char *eq = strchr(opt, '=');

        if (!eq || !eq[1] ||
            strspn(eq + 1, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ%") != strlen(eq + 1))
                return FALSE;
        for (const char *const *t = tmpfs_options; *t; t++)
                if (strlen(*t) == (gsize) (eq - opt) && strncmp(opt, *t, strlen(*t)) == 0)
                        return TRUE;
        return FALSE;
}

static char *option_refusal(const char *key, const char *value)
{
        g_autofree char *k = ecivm_api_body_printable(key);
        g_autofree char *v = ecivm_api_body_printable(value ? value : "null");

        return g_strdup_printf("volume driver option %s=%s is not allowed: volumes may not bind paths of the VM", k,
                               v);
}

/* Only type=tmpfs, device=tmpfs and o= tmpfs sizes and owners: any other
 * option mounts something of the VM (a path, a device, a share). */
static char *check_volume_options(JsonObject *opts)
{
        g_autoptr(GList) keys = opts ? json_object_get_members(opts) : NULL;

        for (GList *k = keys; k; k = k->next) {
                const char *key = k->data, *v = member_string(opts, key);
                if (v && g_str_equal(key, "o")) {
                        g_auto(GStrv) parts = g_strsplit(v, ",", -1);
                        for (char **o = parts; *o; o++)
                                if (!tmpfs_option_ok(*o))
                                        return option_refusal("o", *o);
                } else if (!v || !(g_str_equal(key, "type") || g_str_equal(key, "device")) ||
                           !g_str_equal(v, "tmpfs")) {
                        return option_refusal(key, v);
                }
        }
        return NULL;
}

static char *check_volume_driver(const char *driver)
{
        g_autofree char *d = NULL;

        if (!driver || !*driver || g_str_equal(driver, "local"))
                return NULL;
        d = ecivm_api_body_printable(driver);
        return g_strdup_printf("volume driver %s is not allowed: the VM has no volume plugins", d);
}

/* The volumes a create makes itself: with HostConfig.VolumeDriver (Binds,
 * Config.Volumes, the image's) and with Mounts[].VolumeOptions.DriverConfig. */
static char *check_create_volumes(JsonObject *hc)
{
        JsonArray *mounts = member_array(hc, "Mounts");
        char *why;

        if ((why = check_volume_driver(member_string(hc, "VolumeDriver"))))
                return why;
        for (guint i = 0; mounts && i < json_array_get_length(mounts); i++) {
                JsonObject *dc = member_object(member_object(element_object(mounts, i), "VolumeOptions"),
                                               "DriverConfig");
                if ((why = check_volume_driver(member_string(dc, "Name"))) ||
                    (why = check_volume_options(member_object(dc, "Options"))))
                        return why;
        }
        return NULL;
}

/* ---- keys as dockerd reads them (refused with 400) ---- */

static char *mount_keys(JsonObject *m, guint i)
{
        g_autofree char *where = g_strdup_printf("HostConfig.Mounts[%u]", i);
        g_autofree char *wvo = g_strconcat(where, ".VolumeOptions", NULL);
        g_autofree char *wdc = g_strconcat(wvo, ".DriverConfig", NULL);
        JsonObject *vo = member_object(m, "VolumeOptions");
        char *why;

        if ((why = ecivm_api_body_check_struct(m, where, mount_fields)) ||
            (why = ecivm_api_body_check_struct(vo, wvo, volume_options_fields)))
                return why;
        return ecivm_api_body_check_struct(member_object(vo, "DriverConfig"), wdc, driver_fields);
}

/* dockerd also reads HostConfig's fields from the top level (deprecated;
 * used when HostConfig is absent, VolumeDriver and others merged into it). */
static char *create_keys(JsonObject *o)
{
        JsonObject *hc = member_object(o, "HostConfig");
        JsonArray *mounts = member_array(hc, "Mounts");
        const char *key, *field;
        char *why;

        if ((key = ecivm_api_body_find(o, host_config_fields, &field))) {
                g_autofree char *k = ecivm_api_body_printable(key);
                return g_strdup_printf("the key %s is not allowed outside HostConfig: dockerd reads it as "
                                       "HostConfig.%s",
                                       k, field);
        }
        if ((why = ecivm_api_body_check_struct(o, "", create_fields)) ||
            (why = ecivm_api_body_check_struct(hc, "HostConfig", host_config_fields)))
                return why;
        for (guint i = 0; mounts && i < json_array_get_length(mounts); i++)
                if ((why = mount_keys(element_object(mounts, i), i)))
                        return why;
        return NULL;
}

typedef char *(*KeysFunc)(JsonObject *o);
typedef char *(*PolicyFunc)(const EcivmApiPolicy *p, JsonObject *o);

/* Parse, refuse what dockerd could read otherwise (400), then apply the
 * policy to what both read (403). */
static char *check_body(const EcivmApiPolicy *p, const char *body, gsize len, KeysFunc keys, PolicyFunc policy,
                        int *ret_status)
{
        g_autoptr(JsonParser) parser = json_parser_new_immutable();
        char *why = NULL;
        JsonObject *o = ecivm_api_body_parse(parser, body, len, &why);

        if (why || (o && (why = keys(o)))) {
                *ret_status = 400;
                return why;
        }
        if (o && (why = policy(p, o)))
                *ret_status = 403;
        return why;
}

static char *create_policy(const EcivmApiPolicy *p, JsonObject *o)
{
        JsonObject *hc = member_object(o, "HostConfig");
        char *why;

        for (gsize i = 0; i < G_N_ELEMENTS(host_modes); i++) {
                const char *v = member_string(hc, host_modes[i].field);
                if (v && g_str_equal(v, "host"))
                        return g_strdup_printf("%s is not allowed: containers cannot share namespaces with the VM",
                                               host_modes[i].flag);
        }
        if ((why = check_devices(hc)) || (why = check_create_volumes(hc)))
                return why;
        return check_mounts(p, hc, member_string(o, "Image"));
}

static char *update_keys(JsonObject *o)
{
        return ecivm_api_body_check_struct(o, "", update_fields);
}

static char *update_policy(const EcivmApiPolicy *p, JsonObject *o)
{
        (void) p;
        return check_devices(o);
}

static char *volume_keys(JsonObject *o)
{
        return ecivm_api_body_check_struct(o, "", volume_create_fields);
}

static char *volume_policy(const EcivmApiPolicy *p, JsonObject *o)
{
        char *why;

        (void) p;
        if ((why = check_volume_driver(member_string(o, "Driver"))))
                return why;
        return check_volume_options(member_object(o, "DriverOpts"));
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

/* Swarm services and plugins make containers and mounts from bodies of
 * their own (service specs, plugin configs) that the create rules never
 * see; the VM runs one engine, offline, without them. */
static char *check_cluster_and_plugins(GStrv r)
{
        static const char *const closed[] = { "swarm", "services", "plugins", "secrets", "configs", "nodes", NULL };

        for (const char *const *c = closed; r[0] && *c; c++)
                if (g_str_equal(r[0], *c))
                        return g_strdup_printf("POST /%s/... is not allowed: swarm mode and engine plugins are not "
                                               "available in the VM", *c);
        return NULL;
}

char *ecivm_api_filter_check(const EcivmApiPolicy *p, EcivmApiOrigin origin, const EcivmHttpHead *h,
                             const char *body, gsize body_len, int *ret_status)
{
        g_auto(GStrv) r = route(h);
        char *why;

        *ret_status = 403;

        if (p->block_docker_load && is_post(h) && g_strv_length(r) == 2 && g_str_equal(r[0], "images") &&
            g_str_equal(r[1], "load"))
                return g_strdup("docker load is blocked by the administrator (blockDockerLoad)");
        if (origin == ECIVM_API_ORIGIN_CONTAINER && (why = check_command_list(p, h, r)))
                return why;
        if (!p->eci || !is_post(h))
                return NULL;
        if ((why = check_cluster_and_plugins(r)))
                return why;
        if (g_strv_length(r) == 1 && g_str_equal(r[0], "build")) {
                if (ecivm_http_query_any(h, "networkmode", is_host, NULL))
                        return g_strdup("docker build --network=host is not allowed: builds cannot use the VM's "
                                        "network");
                if (ecivm_http_query_any(h, "entitlements", is_insecure_entitlement, NULL))
                        return g_strdup("build entitlements network.host and security.insecure are not allowed");
                return NULL;
        }
        if (is_create(r))
                return check_body(p, body, body_len, create_keys, create_policy, ret_status);
        if (is_update(r))
                return check_body(p, body, body_len, update_keys, update_policy, ret_status);
        if (is_volume_create(r))
                return check_body(p, body, body_len, volume_keys, volume_policy, ret_status);
        if (is_start(r))
                return check_start_body(body, body_len, ret_status);
        return NULL;
}

/* ---- the filter's reading, for the differential test ---- */

static char *json_text(JsonNode *n)
{
        return n && !JSON_NODE_HOLDS_NULL(n) ? json_to_string(n, FALSE) : g_strdup("null");
}

static char *create_view(JsonObject *o)
{
        JsonObject *hc = member_object(o, "HostConfig");
        JsonArray *mounts = member_array(hc, "Mounts");
        const char *net = member_string(hc, "NetworkMode");
        JsonNode *priv = hc ? json_object_get_member(hc, "Privileged") : NULL;
        g_autofree char *binds = json_text(hc ? json_object_get_member(hc, "Binds") : NULL);
        GString *v = g_string_new(NULL);

        g_string_append_printf(v, "PidMode=%s NetworkMode=%s UTSMode=%s UsernsMode=%s Privileged=%s Binds=%s "
                               "VolumeDriver=%s Mounts=",
                               member_string(hc, "PidMode") ?: "", net && *net ? net : "default",
                               member_string(hc, "UTSMode") ?: "", member_string(hc, "UsernsMode") ?: "",
                               priv && json_node_get_value_type(priv) == G_TYPE_BOOLEAN && json_node_get_boolean(priv)
                                       ? "true"
                                       : "false",
                               binds, member_string(hc, "VolumeDriver") ?: "");
        for (guint i = 0; mounts && i < json_array_get_length(mounts); i++) {
                JsonObject *m = element_object(mounts, i);
                g_string_append_printf(v, "%s:%s;", member_string(m, "Type") ?: "", member_string(m, "Source") ?: "");
        }
        return g_string_free(v, FALSE);
}

static char *volume_view(JsonObject *o)
{
        const char *driver = member_string(o, "Driver");
        JsonObject *opts = member_object(o, "DriverOpts");
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autoptr(GList) keys = opts ? g_list_sort(json_object_get_members(opts), (GCompareFunc) strcmp) : NULL;
        g_autoptr(JsonNode) n = NULL;
        g_autofree char *text = NULL;

        json_builder_begin_object(b);
        for (GList *k = keys; k; k = k->next) {
                json_builder_set_member_name(b, k->data);
                json_builder_add_string_value(b, member_string(opts, k->data));
        }
        json_builder_end_object(b);
        n = json_builder_get_root(b);
        text = opts ? json_to_string(n, FALSE) : g_strdup("null");
        return g_strdup_printf("Driver=%s Options=%s", driver && *driver ? driver : "local", text);
}

char *ecivm_api_filter_view(const EcivmHttpHead *h, const char *body, gsize len)
{
        g_autoptr(JsonParser) parser = json_parser_new_immutable();
        g_auto(GStrv) r = route(h);
        g_autofree char *why = NULL;
        JsonObject *o;

        if (!is_post(h) || !(is_create(r) || is_volume_create(r)))
                return NULL;
        o = ecivm_api_body_parse(parser, body, len, &why);
        if (!o)
                return NULL;
        return is_create(r) ? create_view(o) : volume_view(o);
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
