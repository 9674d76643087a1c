#include <errno.h>
#include <string.h>

#include "daemon-options.h"
#include "error.h"
#include "launch-plan.h"
#include "settings.h"
#include "user-input.h"

typedef enum { T_BOOL, T_OPTIONS, T_UINT } ValueType;

static const struct {
        const char *name;
        ValueType type;
        gint64 min, max;
} keys[ECIVM_SETTING_COUNT] = {
        [ECIVM_SETTING_ECI] = { "enhancedContainerIsolation", T_BOOL, 0, 0 },
        [ECIVM_SETTING_DAEMON_OPTIONS] = { "linuxVM.dockerDaemonOptions", T_OPTIONS, 0, 0 },
        [ECIVM_SETTING_EXPOSE_TCP2375] = { "exposeDockerAPIOnTCP2375", T_BOOL, 0, 0 },
        [ECIVM_SETTING_BLOCK_LOAD] = { "blockDockerLoad", T_BOOL, 0, 0 },
        /* the launch plan's ranges: nothing accepted here can fail the boot */
        [ECIVM_SETTING_CPUS] = { "cpus", T_UINT, ECIVM_PLAN_CPUS_MIN, ECIVM_PLAN_CPUS_MAX },
        [ECIVM_SETTING_MEMORY_MIB] = { "memoryMiB", T_UINT, ECIVM_PLAN_MEMORY_MIN_MIB, ECIVM_PLAN_MEMORY_MAX_MIB },
        [ECIVM_SETTING_DISK_SIZE_MIB] = { "diskSizeMiB", T_UINT, ECIVM_PLAN_DATA_DISK_MIN_MIB,
                                          ECIVM_PLAN_DATA_DISK_MAX_MIB },
};

const char *ecivm_setting_name(EcivmSettingKey key)
{
        return key < ECIVM_SETTING_COUNT ? keys[key].name : "unknown";
}

gboolean ecivm_setting_range(EcivmSettingKey key, gint64 *ret_min, gint64 *ret_max)
{
        if (key >= ECIVM_SETTING_COUNT || keys[key].type != T_UINT)
                return FALSE;
        *ret_min = keys[key].min;
        *ret_max = keys[key].max;
        return TRUE;
}

gboolean ecivm_setting_from_name(const char *name, EcivmSettingKey *ret)
{
        for (int i = 0; i < ECIVM_SETTING_COUNT; i++)
                if (g_str_equal(name, keys[i].name)) {
                        *ret = (EcivmSettingKey) i;
                        return TRUE;
                }
        return FALSE;
}

EcivmSettingsFile *ecivm_settings_file_new(gboolean admin)
{
        EcivmSettingsFile *f = g_new0(EcivmSettingsFile, 1);

        f->admin = admin;
        f->images = g_new0(char *, 1);
        f->commands = g_new0(char *, 1);
        return f;
}

void ecivm_settings_file_free(EcivmSettingsFile *f)
{
        if (!f)
                return;
        for (int i = 0; i < ECIVM_SETTING_COUNT; i++)
                if (f->value[i])
                        json_node_unref(f->value[i]);
        g_strfreev(f->images);
        g_strfreev(f->commands);
        g_free(f);
}

/* ---- canonical JSON ---- */

static void put_string(GString *out, const char *s)
{
        g_string_append_c(out, '"');
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p == '"' || *p == '\\')
                        g_string_append_printf(out, "\\%c", *p);
                else if (*p < 0x20)
                        g_string_append_printf(out, "\\u%04x", *p);
                else
                        g_string_append_c(out, (char) *p);
        }
        g_string_append_c(out, '"');
}

static int compare_names(gconstpointer a, gconstpointer b)
{
        return strcmp(a, b);
}

static void put_node(GString *out, JsonNode *n)
{
        switch (JSON_NODE_TYPE(n)) {
        case JSON_NODE_OBJECT: {
                JsonObject *o = json_node_get_object(n);
                g_autoptr(GList) names = g_list_sort(json_object_get_members(o), compare_names);

                g_string_append_c(out, '{');
                for (GList *l = names; l; l = l->next) {
                        if (l != names)
                                g_string_append_c(out, ',');
                        put_string(out, l->data);
                        g_string_append_c(out, ':');
                        put_node(out, json_object_get_member(o, l->data));
                }
                g_string_append_c(out, '}');
                break;
        }
        case JSON_NODE_ARRAY: {
                JsonArray *a = json_node_get_array(n);

                g_string_append_c(out, '[');
                for (guint i = 0; i < json_array_get_length(a); i++) {
                        if (i)
                                g_string_append_c(out, ',');
                        put_node(out, json_array_get_element(a, i));
                }
                g_string_append_c(out, ']');
                break;
        }
        case JSON_NODE_VALUE:
                switch (json_node_get_value_type(n)) {
                case G_TYPE_BOOLEAN:
                        g_string_append(out, json_node_get_boolean(n) ? "true" : "false");
                        break;
                case G_TYPE_INT64:
                        g_string_append_printf(out, "%" G_GINT64_FORMAT, json_node_get_int(n));
                        break;
                case G_TYPE_DOUBLE: {
                        char buf[G_ASCII_DTOSTR_BUF_SIZE];
                        g_string_append(out, g_ascii_dtostr(buf, sizeof(buf), json_node_get_double(n)));
                        break;
                }
                default:
                        put_string(out, json_node_get_string(n) ? json_node_get_string(n) : "");
                        break;
                }
                break;
        default:
                g_string_append(out, "null");
                break;
        }
}

char *ecivm_json_canonical(JsonNode *node)
{
        GString *out = g_string_new(NULL);

        put_node(out, node);
        return g_string_free(out, FALSE);
}

/* ---- parsing ---- */

typedef struct {
        const char *origin;
        GError **error;
} Ctx;

static gboolean fail(Ctx *c, const char *field, const char *what)
{
        g_set_error(c->error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: %s: %s", c->origin, field, what);
        return FALSE;
}

static gboolean is_bool(JsonNode *n)
{
        return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_BOOLEAN;
}

static gboolean is_string(JsonNode *n)
{
        return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING;
}

static gboolean check_members(Ctx *c, JsonObject *o, const char *field, const char *const *allowed)
{
        g_autoptr(GList) names = json_object_get_members(o);

        for (GList *l = names; l; l = l->next)
                if (!g_strv_contains(allowed, l->data)) {
                        g_autofree char *f = *field ? g_strdup_printf("%s.%s", field, (char *) l->data)
                                                    : g_strdup(l->data);
                        return fail(c, f, "unknown key");
                }
        return TRUE;
}

/* A value for KEY: type and range.  FIELD names it in errors. */
static gboolean check_value(Ctx *c, EcivmSettingKey key, JsonNode *v, const char *field)
{
        switch (keys[key].type) {
        case T_BOOL:
                if (!is_bool(v))
                        return fail(c, field, "expected true or false");
                if (key == ECIVM_SETTING_EXPOSE_TCP2375 && json_node_get_boolean(v))
                        return fail(c, field, "true is not supported (ecivm serves the Engine API only on its "
                                              "filtered unix socket)");
                return TRUE;
        case T_UINT: {
                gint64 n;
                if (!v || !JSON_NODE_HOLDS_VALUE(v) || json_node_get_value_type(v) != G_TYPE_INT64)
                        return fail(c, field, "expected an integer");
                n = json_node_get_int(v);
                if (n < keys[key].min || n > keys[key].max) {
                        g_autofree char *what = g_strdup_printf("%" G_GINT64_FORMAT " is out of range %" G_GINT64_FORMAT
                                                                "..%" G_GINT64_FORMAT,
                                                                n, keys[key].min, keys[key].max);
                        return fail(c, field, what);
                }
                return TRUE;
        }
        case T_OPTIONS: {
                g_autoptr(GError) local = NULL;
                g_autofree char *canon = NULL;
                EcivmDaemonOptionsPolicy policy = { 0 };

                if (!is_string(v))
                        return fail(c, field, "expected a string holding a JSON object (dockerd's daemon.json)");
                canon = ecivm_daemon_options_filter(json_node_get_string(v), &policy, NULL, &local);
                if (!canon)
                        return fail(c, field, local->message);
                return TRUE;
        }
        }
        return fail(c, field, "unknown type");
}

static gboolean parse_string_list(Ctx *c, JsonNode *n, const char *field, char ***ret)
{
        g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
        JsonArray *a;

        if (!n || !JSON_NODE_HOLDS_ARRAY(n))
                return fail(c, field, "expected an array of strings");
        a = json_node_get_array(n);
        for (guint i = 0; i < json_array_get_length(a); i++) {
                JsonNode *e = json_array_get_element(a, i);
                if (!is_string(e) || !*json_node_get_string(e) || strlen(json_node_get_string(e)) > 512) {
                        g_autofree char *f = g_strdup_printf("%s[%u]", field, i);
                        return fail(c, f, "expected a non-empty string (at most 512 bytes)");
                }
                g_ptr_array_add(out, g_strdup(json_node_get_string(e)));
        }
        if (out->len > 256)
                return fail(c, field, "more than 256 entries");
        g_ptr_array_add(out, NULL);
        g_strfreev(*ret);
        *ret = (char **) g_ptr_array_free(g_steal_pointer(&out), FALSE);
        return TRUE;
}

static gboolean parse_command_list(Ctx *c, EcivmSettingsFile *f, JsonNode *n, const char *field)
{
        JsonObject *o;
        JsonNode *type;
        g_autofree char *tf = g_strdup_printf("%s.type", field);
        g_autofree char *cf = g_strdup_printf("%s.commands", field);

        if (!n || !JSON_NODE_HOLDS_OBJECT(n))
                return fail(c, field, "expected an object");
        o = json_node_get_object(n);
        if (!check_members(c, o, field, (const char *const[]) { "type", "commands", NULL }))
                return FALSE;
        type = json_object_get_member(o, "type");
        if (!is_string(type) ||
            !g_strv_contains((const char *const[]) { "allow", "deny", NULL }, json_node_get_string(type)))
                return fail(c, tf, "expected \"allow\" or \"deny\"");
        f->command_list_type = g_str_equal(json_node_get_string(type), "allow") ? ECIVM_COMMAND_LIST_ALLOW
                                                                                 : ECIVM_COMMAND_LIST_DENY;
        return parse_string_list(c, json_object_get_member(o, "commands"), cf, &f->commands);
}

static gboolean parse_socket_mount(Ctx *c, EcivmSettingsFile *f, JsonNode *n)
{
        const char *field = "enhancedContainerIsolation.dockerSocketMount";
        JsonObject *o, *il;
        JsonNode *list, *derived;

        if (!n || !JSON_NODE_HOLDS_OBJECT(n))
                return fail(c, field, "expected an object");
        o = json_node_get_object(n);
        if (!check_members(c, o, field, (const char *const[]) { "imageList", "commandList", NULL }))
                return FALSE;
        if (json_object_has_member(o, "commandList") &&
            !parse_command_list(c, f, json_object_get_member(o, "commandList"),
                                "enhancedContainerIsolation.dockerSocketMount.commandList"))
                return FALSE;
        list = json_object_get_member(o, "imageList");
        if (!list)
                return TRUE;
        if (!JSON_NODE_HOLDS_OBJECT(list))
                return fail(c, "enhancedContainerIsolation.dockerSocketMount.imageList", "expected an object");
        il = json_node_get_object(list);
        if (!check_members(c, il, "enhancedContainerIsolation.dockerSocketMount.imageList",
                           (const char *const[]) { "images", "allowDerivedImages", NULL }))
                return FALSE;
        if (json_object_has_member(il, "images") &&
            !parse_string_list(c, json_object_get_member(il, "images"),
                               "enhancedContainerIsolation.dockerSocketMount.imageList.images", &f->images))
                return FALSE;
        derived = json_object_get_member(il, "allowDerivedImages");
        if (derived && !is_bool(derived))
                return fail(c, "enhancedContainerIsolation.dockerSocketMount.imageList.allowDerivedImages",
                            "expected true or false");
        f->allow_derived_images = derived && json_node_get_boolean(derived);
        return TRUE;
}

/* {"locked": bool, "value": ...} (plus dockerSocketMount for ECI). */
static gboolean parse_admin_entry(Ctx *c, EcivmSettingsFile *f, EcivmSettingKey key, JsonNode *n)
{
        const char *name = keys[key].name;
        g_autofree char *lf = g_strdup_printf("%s.locked", name);
        g_autofree char *vf = g_strdup_printf("%s.value", name);
        JsonObject *o;
        JsonNode *locked, *value;

        if (!n || !JSON_NODE_HOLDS_OBJECT(n))
                return fail(c, name, "expected an object {\"locked\": bool, \"value\": ...}");
        o = json_node_get_object(n);
        if (!check_members(c, o, name,
                           key == ECIVM_SETTING_ECI
                                   ? (const char *const[]) { "locked", "value", "dockerSocketMount", NULL }
                                   : (const char *const[]) { "locked", "value", NULL }))
                return FALSE;
        locked = json_object_get_member(o, "locked");
        if (locked && !is_bool(locked))
                return fail(c, lf, "expected true or false");
        value = json_object_get_member(o, "value");
        if (!value)
                return fail(c, vf, "missing");
        if (!check_value(c, key, value, vf))
                return FALSE;
        if (key == ECIVM_SETTING_ECI && json_object_has_member(o, "dockerSocketMount") &&
            !parse_socket_mount(c, f, json_object_get_member(o, "dockerSocketMount")))
                return FALSE;
        f->value[key] = json_node_copy(value);
        f->locked[key] = locked && json_node_get_boolean(locked);
        return TRUE;
}

static gboolean parse_admin(Ctx *c, EcivmSettingsFile *f, JsonObject *root)
{
        JsonNode *version = json_object_get_member(root, "configurationFileVersion");
        g_autoptr(GList) names = json_object_get_members(root);
        EcivmSettingKey key;

        if (!version || !JSON_NODE_HOLDS_VALUE(version) || json_node_get_value_type(version) != G_TYPE_INT64)
                return fail(c, "configurationFileVersion", "missing or not an integer (expected 2)");
        if (json_node_get_int(version) != ECIVM_SETTINGS_VERSION) {
                g_autofree char *what = g_strdup_printf("version %" G_GINT64_FORMAT " is not supported (expected 2)",
                                                        json_node_get_int(version));
                return fail(c, "configurationFileVersion", what);
        }
        for (GList *l = names; l; l = l->next) {
                const char *name = l->data;
                JsonNode *n = json_object_get_member(root, name);

                if (g_str_equal(name, "configurationFileVersion"))
                        continue;
                if (g_str_equal(name, "linuxVM")) {
                        if (!JSON_NODE_HOLDS_OBJECT(n))
                                return fail(c, "linuxVM", "expected an object");
                        if (!check_members(c, json_node_get_object(n), "linuxVM",
                                           (const char *const[]) { "dockerDaemonOptions", NULL }))
                                return FALSE;
                        if (json_object_has_member(json_node_get_object(n), "dockerDaemonOptions") &&
                            !parse_admin_entry(c, f, ECIVM_SETTING_DAEMON_OPTIONS,
                                               json_object_get_member(json_node_get_object(n), "dockerDaemonOptions")))
                                return FALSE;
                        continue;
                }
                if (!ecivm_setting_from_name(name, &key) || key == ECIVM_SETTING_DAEMON_OPTIONS)
                        return fail(c, name, "unknown key");
                if (!parse_admin_entry(c, f, key, n))
                        return FALSE;
        }
        return TRUE;
}

static gboolean parse_user(Ctx *c, EcivmSettingsFile *f, JsonObject *root)
{
        g_autoptr(GList) names = json_object_get_members(root);
        EcivmSettingKey key;

        for (GList *l = names; l; l = l->next) {
                JsonNode *n = json_object_get_member(root, l->data);

                if (!ecivm_setting_from_name(l->data, &key))
                        return fail(c, l->data, "unknown key");
                if (!check_value(c, key, n, l->data))
                        return FALSE;
                f->value[key] = json_node_copy(n);
        }
        return TRUE;
}

EcivmSettingsFile *ecivm_settings_file_parse(const char *text, gsize len, gboolean admin, const char *origin,
                                             GError **error)
{
        g_autoptr(JsonParser) p = json_parser_new_immutable();
        g_autoptr(EcivmSettingsFile) f = ecivm_settings_file_new(admin);
        g_autoptr(GError) local = NULL;
        Ctx c = { origin, error };
        JsonNode *root;

        if (len > ECIVM_SETTINGS_MAX_FILE) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: larger than %d bytes", origin,
                            ECIVM_SETTINGS_MAX_FILE);
                return NULL;
        }
        if (!json_parser_load_from_data(p, text, (gssize) len, &local)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: not JSON: %s", origin, local->message);
                return NULL;
        }
        root = json_parser_get_root(p);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: expected a JSON object", origin);
                return NULL;
        }
        if (!ecivm_json_strict_check(text, len, &local)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: %s", origin, local->message);
                return NULL;
        }
        if (!(admin ? parse_admin : parse_user)(&c, f, json_node_get_object(root)))
                return NULL;
        return g_steal_pointer(&f);
}

EcivmSettingsFile *ecivm_settings_file_load(const char *path, gboolean admin, GError **error)
{
        g_autofree char *text = NULL;
        g_autoptr(GError) local = NULL;
        gsize len;

        if (!g_file_get_contents(path, &text, &len, &local)) {
                if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        return ecivm_settings_file_new(admin);
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s", local->message);
                return NULL;
        }
        return ecivm_settings_file_parse(text, len, admin, path, error);
}

char *ecivm_settings_user_to_text(const EcivmSettingsFile *user)
{
        g_autoptr(JsonNode) root = json_node_new(JSON_NODE_OBJECT);
        g_autoptr(JsonObject) o = json_object_new();
        g_autofree char *text = NULL;

        for (int i = 0; i < ECIVM_SETTING_COUNT; i++)
                if (user->value[i])
                        json_object_set_member(o, keys[i].name, json_node_copy(user->value[i]));
        json_node_set_object(root, o);
        text = ecivm_json_canonical(root);
        return g_strconcat(text, "\n", NULL);
}

static gboolean eci_locked_on(const EcivmSettingsFile *admin)
{
        return admin->locked[ECIVM_SETTING_ECI] && admin->value[ECIVM_SETTING_ECI] &&
               json_node_get_boolean(admin->value[ECIVM_SETTING_ECI]);
}

gboolean ecivm_settings_user_set(EcivmSettingsFile *user, const EcivmSettingsFile *admin, const char *name,
                                 const char *value, GError **error)
{
        g_autoptr(JsonNode) v = NULL;
        EcivmSettingKey key;
        Ctx c = { name, error };

        if (!ecivm_setting_from_name(name, &key)) {
                g_autofree char *shown = ecivm_escape_bounded(name, -1, ECIVM_LOG_INPUT_MAX);
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "unknown setting \"%s\"", shown);
                return FALSE;
        }
        if (admin->locked[key]) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_REFUSED, "%s is locked by the administrator", name);
                return FALSE;
        }
        if (keys[key].type == T_OPTIONS) {
                g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func(g_free);
                EcivmDaemonOptionsPolicy policy = { .eci_locked = eci_locked_on(admin) };
                g_autoptr(GError) local = NULL;
                g_autofree char *canon = ecivm_daemon_options_filter(value, &policy, refused, &local);

                if (!canon) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: %s", name, local->message);
                        return FALSE;
                }
                if (refused->len > 0) {
                        const char *first = refused->pdata[0];
                        const char *colon = strchr(first, ':');
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_REFUSED, "%s: \"%.*s\" is not allowed:%s", name,
                                    (int) (colon - first), first, colon + 1);
                        return FALSE;
                }
                v = json_node_new(JSON_NODE_VALUE);
                json_node_set_string(v, canon);
        } else {
                g_autoptr(GError) local = NULL;
                v = json_from_string(value, &local);
                if (v && !ecivm_json_strict_check(value, strlen(value), &local)) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: %s", name, local->message);
                        return FALSE;
                }
                if (!v) {
                        g_autofree char *shown = ecivm_escape_bounded(value, -1, ECIVM_LOG_INPUT_MAX);
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: \"%s\" is not a valid value", name,
                                    shown);
                        return FALSE;
                }
        }
        if (!check_value(&c, key, v, "value"))
                return FALSE;
        if (user->value[key])
                json_node_unref(user->value[key]);
        user->value[key] = g_steal_pointer(&v);
        return TRUE;
}

gboolean ecivm_settings_user_reset(EcivmSettingsFile *user, const char *name, GError **error)
{
        EcivmSettingKey key;

        if (name && !ecivm_setting_from_name(name, &key)) {
                g_autofree char *shown = ecivm_escape_bounded(name, -1, ECIVM_LOG_INPUT_MAX);
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "unknown setting \"%s\"", shown);
                return FALSE;
        }
        for (int i = 0; i < ECIVM_SETTING_COUNT; i++)
                if ((!name || (int) key == i) && user->value[i])
                        g_clear_pointer(&user->value[i], json_node_unref);
        return TRUE;
}

/* ---- merge ---- */

static JsonNode *pick(const EcivmSettingsFile *admin, const EcivmSettingsFile *user, EcivmSettingKey key,
                      const char **source, GPtrArray *warnings)
{
        if (admin->value[key] && admin->locked[key]) {
                if (user->value[key]) {
                        g_autofree char *uv = ecivm_json_canonical(user->value[key]);
                        g_autofree char *av = ecivm_json_canonical(admin->value[key]);
                        if (!g_str_equal(uv, av))
                                g_ptr_array_add(warnings, g_strdup_printf("%s: user value %s ignored: locked by "
                                                                          "the administrator",
                                                                          keys[key].name, uv));
                }
                *source = "admin";
                return admin->value[key];
        }
        if (user->value[key]) {
                *source = "user";
                return user->value[key];
        }
        if (admin->value[key]) {
                *source = "admin";
                return admin->value[key];
        }
        *source = "default";
        return NULL;
}

EcivmSettings *ecivm_settings_merge(const EcivmSettingsFile *admin, const EcivmSettingsFile *user,
                                    const EcivmSettingsDefaults *defaults)
{
        EcivmSettings *s = g_new0(EcivmSettings, 1);
        g_autoptr(GPtrArray) warnings = g_ptr_array_new();
        JsonNode *v[ECIVM_SETTING_COUNT];

        for (int i = 0; i < ECIVM_SETTING_COUNT; i++) {
                v[i] = pick(admin, user, (EcivmSettingKey) i, &s->source[i], warnings);
                s->locked[i] = admin->locked[i] && admin->value[i];
        }
        s->eci = v[ECIVM_SETTING_ECI] ? json_node_get_boolean(v[ECIVM_SETTING_ECI]) : TRUE;
        s->expose_tcp2375 = FALSE;
        s->block_docker_load = v[ECIVM_SETTING_BLOCK_LOAD] && json_node_get_boolean(v[ECIVM_SETTING_BLOCK_LOAD]);
        s->cpus = v[ECIVM_SETTING_CPUS] ? (guint) json_node_get_int(v[ECIVM_SETTING_CPUS]) : defaults->cpus;
        s->memory_mib = v[ECIVM_SETTING_MEMORY_MIB] ? (guint) json_node_get_int(v[ECIVM_SETTING_MEMORY_MIB])
                                                    : defaults->memory_mib;
        s->disk_size_mib = v[ECIVM_SETTING_DISK_SIZE_MIB]
                                   ? (guint) json_node_get_int(v[ECIVM_SETTING_DISK_SIZE_MIB])
                                   : defaults->disk_size_mib;
        {
                g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func(g_free);
                EcivmDaemonOptionsPolicy policy = { .eci_locked = eci_locked_on(admin) };
                const char *text = v[ECIVM_SETTING_DAEMON_OPTIONS]
                                           ? json_node_get_string(v[ECIVM_SETTING_DAEMON_OPTIONS])
                                           : "{}";

                s->daemon_options = ecivm_daemon_options_filter(text, &policy, refused, NULL);
                if (!s->daemon_options) /* the parsers validated it; never reached */
                        s->daemon_options = g_strdup("{}");
                for (guint i = 0; i < refused->len; i++)
                        g_ptr_array_add(warnings, g_strdup_printf("linuxVM.dockerDaemonOptions (%s): dropped %s",
                                                                  s->source[ECIVM_SETTING_DAEMON_OPTIONS],
                                                                  (char *) refused->pdata[i]));
        }
        s->images = g_strdupv(admin->images);
        s->allow_derived_images = admin->allow_derived_images;
        s->command_list_type = admin->command_list_type;
        s->commands = g_strdupv(admin->commands);
        g_ptr_array_add(warnings, NULL);
        s->warnings = (char **) g_ptr_array_free(g_steal_pointer(&warnings), FALSE);
        return s;
}

void ecivm_settings_free(EcivmSettings *s)
{
        if (!s)
                return;
        g_free(s->daemon_options);
        g_strfreev(s->images);
        g_strfreev(s->commands);
        g_strfreev(s->warnings);
        g_free(s);
}

static const char *command_list_name(EcivmCommandListType t)
{
        return t == ECIVM_COMMAND_LIST_ALLOW ? "allow" : t == ECIVM_COMMAND_LIST_DENY ? "deny" : "none";
}

static JsonNode *strv_node(char **v)
{
        JsonArray *a = json_array_new();
        JsonNode *n = json_node_new(JSON_NODE_ARRAY);

        for (char **p = v; p && *p; p++)
                json_array_add_string_element(a, *p);
        json_node_take_array(n, a);
        return n;
}

static JsonNode *value_node(const EcivmSettings *s, EcivmSettingKey key)
{
        JsonNode *n = json_node_new(JSON_NODE_VALUE);

        switch (key) {
        case ECIVM_SETTING_ECI: json_node_set_boolean(n, s->eci); break;
        case ECIVM_SETTING_DAEMON_OPTIONS: json_node_set_string(n, s->daemon_options); break;
        case ECIVM_SETTING_EXPOSE_TCP2375: json_node_set_boolean(n, s->expose_tcp2375); break;
        case ECIVM_SETTING_BLOCK_LOAD: json_node_set_boolean(n, s->block_docker_load); break;
        case ECIVM_SETTING_CPUS: json_node_set_int(n, s->cpus); break;
        case ECIVM_SETTING_MEMORY_MIB: json_node_set_int(n, s->memory_mib); break;
        case ECIVM_SETTING_DISK_SIZE_MIB: json_node_set_int(n, s->disk_size_mib); break;
        default: break;
        }
        return n;
}

static JsonNode *socket_mount_node(const EcivmSettings *s)
{
        JsonObject *sm = json_object_new(), *il = json_object_new(), *cl = json_object_new();
        JsonNode *n = json_node_new(JSON_NODE_OBJECT);

        json_object_set_member(il, "images", strv_node(s->images));
        json_object_set_boolean_member(il, "allowDerivedImages", s->allow_derived_images);
        json_object_set_string_member(cl, "type", command_list_name(s->command_list_type));
        json_object_set_member(cl, "commands", strv_node(s->commands));
        json_object_set_object_member(sm, "imageList", il);
        json_object_set_object_member(sm, "commandList", cl);
        json_node_take_object(n, sm);
        return n;
}

char *ecivm_settings_canonical(const EcivmSettings *s)
{
        g_autoptr(JsonNode) root = json_node_new(JSON_NODE_OBJECT);
        JsonObject *o = json_object_new();
        JsonArray *locked = json_array_new();

        for (int i = 0; i < ECIVM_SETTING_COUNT; i++) {
                json_object_set_member(o, keys[i].name, value_node(s, (EcivmSettingKey) i));
                if (s->locked[i])
                        json_array_add_string_element(locked, keys[i].name);
        }
        json_object_set_member(o, "dockerSocketMount", socket_mount_node(s));
        json_object_set_array_member(o, "locked", locked);
        json_node_take_object(root, o);
        return ecivm_json_canonical(root);
}

char *ecivm_settings_digest(const EcivmSettings *s)
{
        g_autofree char *canon = ecivm_settings_canonical(s);
        return g_compute_checksum_for_string(G_CHECKSUM_SHA256, canon, -1);
}

JsonNode *ecivm_settings_to_json(const EcivmSettings *s)
{
        JsonObject *o = json_object_new(), *settings = json_object_new();
        JsonNode *root = json_node_new(JSON_NODE_OBJECT);
        g_autofree char *digest = ecivm_settings_digest(s);

        for (int i = 0; i < ECIVM_SETTING_COUNT; i++) {
                JsonObject *e = json_object_new();
                json_object_set_member(e, "value", value_node(s, (EcivmSettingKey) i));
                json_object_set_boolean_member(e, "locked", s->locked[i]);
                json_object_set_string_member(e, "source", s->source[i]);
                json_object_set_object_member(settings, keys[i].name, e);
        }
        json_object_set_object_member(o, "settings", settings);
        json_object_set_member(o, "dockerSocketMount", socket_mount_node(s));
        json_object_set_string_member(o, "digest", digest);
        json_object_set_member(o, "warnings", strv_node(s->warnings));
        json_node_take_object(root, o);
        return root;
}
