#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "cmdline.h"
#include "error.h"
#include "manifest.h"

#define DEFAULT_ORIGIN "manifest"
/* 4 TiB of 4 KiB blocks */
#define ECIVM_MANIFEST_MAX_BLOCKS (G_GUINT64_CONSTANT(1) << 30)

/* ---- value checks: each returns NULL when fine, else the problem ---- */

static gboolean
all_chars(const char *s, const char *extra)
{
        for (; *s != '\0'; s++)
                if (!g_ascii_isalnum(*s) && strchr(extra, *s) == NULL)
                        return FALSE;
        return TRUE;
}

static const char *
check_sha256(const char *s)
{
        if (strlen(s) != 64)
                return "expected 64 lowercase hex digits";
        for (; *s != '\0'; s++)
                if (!g_ascii_isdigit(*s) && !(*s >= 'a' && *s <= 'f'))
                        return "expected 64 lowercase hex digits";
        return NULL;
}

static const char *
check_file_name(const char *s)
{
        if (s[0] == '\0' || strchr(s, '/') != NULL || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
            strstr(s, "..") != NULL)
                return "expected a plain file name (no '/' or '..')";
        if (strlen(s) > 255 || !all_chars(s, "._+-"))
                return "expected a file name of at most 255 characters from A-Za-z0-9._+-";
        return NULL;
}

static const char *
check_release(const char *s)
{
        if (s[0] == '\0' || strlen(s) > 64 || !all_chars(s, "._+-"))
                return "expected 1-64 characters from A-Za-z0-9._+-";
        return NULL;
}

static const char *
check_format(const char *s)
{
        if (s[0] == '\0' || strlen(s) > 16)
                return "expected 1-16 characters from a-z0-9";
        for (; *s != '\0'; s++)
                if (!g_ascii_islower(*s) && !g_ascii_isdigit(*s))
                        return "expected 1-16 characters from a-z0-9";
        return NULL;
}

static const char *
check_cmdline(const char *s)
{
        if (s[0] == '\0')
                return "must not be empty";
        if (strlen(s) > WIRE_CMDLINE_MAX)
                return "longer than the kernel limit of 2047 bytes";
        for (; *s != '\0'; s++)
                if (!g_ascii_isprint(*s))
                        return "contains a non-printable character";
        return NULL;
}

static const char *
check_package_name(const char *s)
{
        if (s[0] == '\0' || strlen(s) > 128 || !g_ascii_isalnum(s[0]) || !all_chars(s, "+.:-"))
                return "expected a Debian package name";
        for (; *s != '\0'; s++)
                if (g_ascii_isupper(*s))
                        return "expected a Debian package name";
        return NULL;
}

static const char *
check_package_version(const char *s)
{
        if (s[0] == '\0' || strlen(s) > 128 || !g_ascii_isalnum(s[0]) || !all_chars(s, ".+~:-"))
                return "expected a Debian package version";
        return NULL;
}

static const char *
check_suite(const char *s)
{
        if (s[0] == '\0' || strlen(s) > 32 || !g_ascii_islower(s[0]))
                return "expected a Debian suite name (1-32 characters from a-z0-9.-, a letter first)";
        for (; *s != '\0'; s++)
                if (!g_ascii_islower(*s) && !g_ascii_isdigit(*s) && *s != '.' && *s != '-')
                        return "expected a Debian suite name (1-32 characters from a-z0-9.-, a letter first)";
        return NULL;
}

static const char *
check_created(const char *s)
{
        g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
        g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(s, utc);

        return dt == NULL ? "expected an ISO 8601 date and time" : NULL;
}

G_GNUC_PRINTF(4, 5)
static gboolean
fail(GError **error, const char *origin, const char *field, const char *fmt, ...)
{
        va_list ap;
        g_autofree char *msg = NULL;

        va_start(ap, fmt);
        msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: %s: %s", origin, field, msg);
        return FALSE;
}

static gboolean
check(GError **error, const char *origin, const char *field, const char *value, const char *(*fn)(const char *))
{
        const char *problem;

        if (value == NULL)
                return fail(error, origin, field, "required field is missing");
        problem = fn(value);
        if (problem != NULL)
                return fail(error, origin, field, "%s", problem);
        return TRUE;
}

/* ---- the type ---- */

static void
package_free(gpointer p)
{
        EcivmManifestPackage *pkg = p;

        g_free(pkg->name);
        g_free(pkg->version);
        g_free(pkg->sha256);
        g_free(pkg);
}

EcivmManifest *
ecivm_manifest_new(void)
{
        EcivmManifest *m = g_new0(EcivmManifest, 1);

        m->manifest_version = ECIVM_MANIFEST_VERSION;
        m->packages = g_ptr_array_new_with_free_func(package_free);
        return m;
}

void
ecivm_manifest_free(EcivmManifest *m)
{
        if (m == NULL)
                return;
        g_free(m->kernel.path);
        g_free(m->kernel.sha256);
        g_free(m->kernel.release);
        g_free(m->initrd.path);
        g_free(m->initrd.sha256);
        g_free(m->root.path);
        g_free(m->root.format);
        g_free(m->root.hash_tree);
        g_free(m->root.hash_tree_sha256);
        g_free(m->root.verity_root_hash);
        g_free(m->root.verity_salt);
        g_free(m->cmdline);
        g_free(m->suite);
        g_ptr_array_unref(m->packages);
        g_free(m->created);
        g_free(m->dir);
        g_free(m);
}

void
ecivm_manifest_add_package(EcivmManifest *m, const char *name, const char *version)
{
        ecivm_manifest_add_package_deb(m, name, version, NULL);
}

void
ecivm_manifest_add_package_deb(EcivmManifest *m, const char *name, const char *version, const char *sha256)
{
        EcivmManifestPackage *pkg = g_new0(EcivmManifestPackage, 1);

        pkg->name = g_strdup(name);
        pkg->version = g_strdup(version);
        pkg->sha256 = g_strdup(sha256);
        g_ptr_array_add(m->packages, pkg);
}

gboolean
ecivm_manifest_validate(const EcivmManifest *m, const char *origin, GError **error)
{
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

        g_return_val_if_fail(m != NULL, FALSE);
        if (origin == NULL)
                origin = DEFAULT_ORIGIN;
        if (m->manifest_version != ECIVM_MANIFEST_VERSION)
                return fail(error, origin, "manifestVersion", "unsupported version %u (expected %d)",
                            m->manifest_version, ECIVM_MANIFEST_VERSION);
        if (!check(error, origin, "kernel.path", m->kernel.path, check_file_name) ||
            !check(error, origin, "kernel.sha256", m->kernel.sha256, check_sha256) ||
            !check(error, origin, "kernel.release", m->kernel.release, check_release) ||
            !check(error, origin, "initrd.path", m->initrd.path, check_file_name) ||
            !check(error, origin, "initrd.sha256", m->initrd.sha256, check_sha256) ||
            !check(error, origin, "root.path", m->root.path, check_file_name) ||
            !check(error, origin, "root.format", m->root.format, check_format) ||
            !check(error, origin, "root.hashTree", m->root.hash_tree, check_file_name) ||
            !check(error, origin, "root.hashTreeSha256", m->root.hash_tree_sha256, check_sha256) ||
            !check(error, origin, "root.verityRootHash", m->root.verity_root_hash, check_sha256) ||
            !check(error, origin, "root.veritySalt", m->root.verity_salt, check_sha256) ||
            !check(error, origin, "cmdline", m->cmdline, check_cmdline))
                return FALSE;
        if (m->root.data_blocks == 0 || m->root.data_blocks > ECIVM_MANIFEST_MAX_BLOCKS)
                return fail(error, origin, "root.dataBlocks", "expected 1..%" G_GUINT64_FORMAT,
                            (guint64) ECIVM_MANIFEST_MAX_BLOCKS);
        if (strcmp(m->root.path, m->root.hash_tree) == 0)
                return fail(error, origin, "root.hashTree", "must differ from root.path");
        if (m->created != NULL && !check(error, origin, "created", m->created, check_created))
                return FALSE;
        if (m->suite != NULL && !check(error, origin, "suite", m->suite, check_suite))
                return FALSE;
        for (guint i = 0; i < m->packages->len; i++) {
                const EcivmManifestPackage *pkg = g_ptr_array_index(m->packages, i);
                g_autofree char *fname = g_strdup_printf("packages[%u].name", i);
                g_autofree char *fversion = g_strdup_printf("packages[%u].version", i);
                g_autofree char *fsha = g_strdup_printf("packages[%u].sha256", i);

                if (!check(error, origin, fname, pkg->name, check_package_name) ||
                    !check(error, origin, fversion, pkg->version, check_package_version))
                        return FALSE;
                /* A manifest that names its suite gives every .deb's digest;
                 * one without (the first version 2 form) gives none. */
                if (m->suite != NULL && !check(error, origin, fsha, pkg->sha256, check_sha256))
                        return FALSE;
                if (m->suite == NULL && pkg->sha256 != NULL)
                        return fail(error, origin, fsha, "only allowed when the manifest names its suite");
                if (!g_hash_table_add(seen, pkg->name))
                        return fail(error, origin, fname, "duplicate package \"%s\"", pkg->name);
        }
        return TRUE;
}

/* ---- JSON out ---- */

static void
add_string(JsonBuilder *b, const char *member, const char *value)
{
        json_builder_set_member_name(b, member);
        json_builder_add_string_value(b, value);
}

char *
ecivm_manifest_to_json(const EcivmManifest *m, GError **error)
{
        if (!ecivm_manifest_validate(m, DEFAULT_ORIGIN, error))
                return NULL;

        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "manifestVersion");
        json_builder_add_int_value(b, m->manifest_version);

        json_builder_set_member_name(b, "kernel");
        json_builder_begin_object(b);
        add_string(b, "path", m->kernel.path);
        add_string(b, "sha256", m->kernel.sha256);
        add_string(b, "release", m->kernel.release);
        json_builder_end_object(b);

        json_builder_set_member_name(b, "initrd");
        json_builder_begin_object(b);
        add_string(b, "path", m->initrd.path);
        add_string(b, "sha256", m->initrd.sha256);
        json_builder_end_object(b);

        json_builder_set_member_name(b, "root");
        json_builder_begin_object(b);
        add_string(b, "path", m->root.path);
        add_string(b, "format", m->root.format);
        json_builder_set_member_name(b, "dataBlocks");
        json_builder_add_int_value(b, (gint64) m->root.data_blocks);
        add_string(b, "hashTree", m->root.hash_tree);
        add_string(b, "hashTreeSha256", m->root.hash_tree_sha256);
        add_string(b, "verityRootHash", m->root.verity_root_hash);
        add_string(b, "veritySalt", m->root.verity_salt);
        json_builder_end_object(b);

        add_string(b, "cmdline", m->cmdline);
        if (m->suite != NULL)
                add_string(b, "suite", m->suite);

        json_builder_set_member_name(b, "packages");
        json_builder_begin_array(b);
        for (guint i = 0; i < m->packages->len; i++) {
                const EcivmManifestPackage *pkg = g_ptr_array_index(m->packages, i);
                json_builder_begin_object(b);
                add_string(b, "name", pkg->name);
                add_string(b, "version", pkg->version);
                if (pkg->sha256 != NULL)
                        add_string(b, "sha256", pkg->sha256);
                json_builder_end_object(b);
        }
        json_builder_end_array(b);

        if (m->created != NULL)
                add_string(b, "created", m->created);
        json_builder_end_object(b);

        g_autoptr(JsonNode) root = json_builder_get_root(b);
        g_autoptr(JsonGenerator) gen = json_generator_new();
        json_generator_set_pretty(gen, TRUE);
        json_generator_set_indent(gen, 2);
        json_generator_set_root(gen, root);
        g_autofree char *text = json_generator_to_data(gen, NULL);
        return g_strconcat(text, "\n", NULL);
}

/* ---- JSON in ---- */

typedef struct {
        const char *origin;
        GError **error;
} Ctx;

/* Refuses members of OBJ not in ALLOWED (NULL-terminated). */
static gboolean
only_members(Ctx *c, JsonObject *obj, const char *prefix, const char *const *allowed)
{
        g_autoptr(GList) members = json_object_get_members(obj);

        for (GList *l = members; l != NULL; l = l->next) {
                if (!g_strv_contains(allowed, l->data)) {
                        g_autofree char *field = g_strconcat(prefix, prefix[0] ? "." : "", l->data, NULL);
                        return fail(c->error, c->origin, field, "unknown field");
                }
        }
        return TRUE;
}

static JsonNode *
member(Ctx *c, JsonObject *obj, const char *field, const char *name, gboolean required)
{
        JsonNode *n = json_object_get_member(obj, name);

        if (n == NULL && required)
                fail(c->error, c->origin, field, "required field is missing");
        return n;
}

static gboolean
get_string(Ctx *c, JsonObject *obj, const char *prefix, const char *name, char **ret)
{
        g_autofree char *field = g_strconcat(prefix, prefix[0] ? "." : "", name, NULL);
        JsonNode *n = member(c, obj, field, name, TRUE);

        if (n == NULL)
                return FALSE;
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
                return fail(c->error, c->origin, field, "expected a string");
        *ret = g_strdup(json_node_get_string(n));
        return TRUE;
}

static JsonObject *
get_object(Ctx *c, JsonObject *obj, const char *name)
{
        JsonNode *n = member(c, obj, name, name, TRUE);

        if (n == NULL)
                return NULL;
        if (!JSON_NODE_HOLDS_OBJECT(n)) {
                fail(c->error, c->origin, name, "expected an object");
                return NULL;
        }
        return json_node_get_object(n);
}

static gboolean
get_blocks(Ctx *c, JsonObject *root, guint64 *ret)
{
        JsonNode *n = member(c, root, "root.dataBlocks", "dataBlocks", TRUE);
        gint64 v;

        if (n == NULL)
                return FALSE;
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
                return fail(c->error, c->origin, "root.dataBlocks", "expected an integer");
        v = json_node_get_int(n);
        if (v <= 0 || (guint64) v > ECIVM_MANIFEST_MAX_BLOCKS)
                return fail(c->error, c->origin, "root.dataBlocks", "expected 1..%" G_GUINT64_FORMAT,
                            (guint64) ECIVM_MANIFEST_MAX_BLOCKS);
        *ret = (guint64) v;
        return TRUE;
}

static gboolean
parse_files(Ctx *c, JsonObject *top, EcivmManifest *m)
{
        static const char *const kernel_keys[] = { "path", "sha256", "release", NULL };
        static const char *const initrd_keys[] = { "path", "sha256", NULL };
        static const char *const root_keys[] = { "path", "format", "dataBlocks", "hashTree", "hashTreeSha256",
                                                 "verityRootHash", "veritySalt", NULL };
        JsonObject *o;

        if ((o = get_object(c, top, "kernel")) == NULL || !only_members(c, o, "kernel", kernel_keys) ||
            !get_string(c, o, "kernel", "path", &m->kernel.path) ||
            !get_string(c, o, "kernel", "sha256", &m->kernel.sha256) ||
            !get_string(c, o, "kernel", "release", &m->kernel.release))
                return FALSE;
        if ((o = get_object(c, top, "initrd")) == NULL || !only_members(c, o, "initrd", initrd_keys) ||
            !get_string(c, o, "initrd", "path", &m->initrd.path) ||
            !get_string(c, o, "initrd", "sha256", &m->initrd.sha256))
                return FALSE;
        if ((o = get_object(c, top, "root")) == NULL || !only_members(c, o, "root", root_keys) ||
            !get_string(c, o, "root", "path", &m->root.path) ||
            !get_string(c, o, "root", "format", &m->root.format) ||
            !get_blocks(c, o, &m->root.data_blocks) ||
            !get_string(c, o, "root", "hashTree", &m->root.hash_tree) ||
            !get_string(c, o, "root", "hashTreeSha256", &m->root.hash_tree_sha256) ||
            !get_string(c, o, "root", "verityRootHash", &m->root.verity_root_hash) ||
            !get_string(c, o, "root", "veritySalt", &m->root.verity_salt))
                return FALSE;
        return TRUE;
}

static gboolean
parse_packages(Ctx *c, JsonObject *top, EcivmManifest *m)
{
        static const char *const pkg_keys[] = { "name", "version", "sha256", NULL };
        JsonNode *n = member(c, top, "packages", "packages", TRUE);
        JsonArray *arr;

        if (n == NULL)
                return FALSE;
        if (!JSON_NODE_HOLDS_ARRAY(n))
                return fail(c->error, c->origin, "packages", "expected an array");
        arr = json_node_get_array(n);
        for (guint i = 0; i < json_array_get_length(arr); i++) {
                JsonNode *e = json_array_get_element(arr, i);
                g_autofree char *prefix = g_strdup_printf("packages[%u]", i);
                g_autofree char *name = NULL;
                g_autofree char *version = NULL;
                g_autofree char *sha256 = NULL;
                JsonObject *o;

                if (!JSON_NODE_HOLDS_OBJECT(e))
                        return fail(c->error, c->origin, prefix, "expected an object");
                o = json_node_get_object(e);
                if (!only_members(c, o, prefix, pkg_keys) || !get_string(c, o, prefix, "name", &name) ||
                    !get_string(c, o, prefix, "version", &version))
                        return FALSE;
                if (json_object_has_member(o, "sha256") && !get_string(c, o, prefix, "sha256", &sha256))
                        return FALSE;
                ecivm_manifest_add_package_deb(m, name, version, sha256);
        }
        return TRUE;
}

static gboolean
parse_version(Ctx *c, JsonObject *top, EcivmManifest *m)
{
        JsonNode *n = member(c, top, "manifestVersion", "manifestVersion", TRUE);
        gint64 v;

        if (n == NULL)
                return FALSE;
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
                return fail(c->error, c->origin, "manifestVersion", "expected an integer");
        v = json_node_get_int(n);
        if (v != ECIVM_MANIFEST_VERSION)
                return fail(c->error, c->origin, "manifestVersion", "unsupported version %" G_GINT64_FORMAT
                            " (expected %d)", v, ECIVM_MANIFEST_VERSION);
        m->manifest_version = (guint)v;
        return TRUE;
}

/* json-glib keeps the last of duplicate members silently; a signed
 * manifest must not read differently in another parser, so refuse them.
 * "object-member" fires after each insertion: a duplicate does not grow
 * the object, so the count of signals runs ahead of its size. */
typedef struct {
        GHashTable *counts; /* JsonObject * -> member signals seen */
        char *duplicate;    /* first duplicate member name */
} DupCheck;

static void
on_object_member(JsonParser *parser, JsonObject *object, const char *name, gpointer user_data)
{
        DupCheck *dc = user_data;
        guint n = GPOINTER_TO_UINT(g_hash_table_lookup(dc->counts, object)) + 1;

        g_hash_table_insert(dc->counts, object, GUINT_TO_POINTER(n));
        if (n != json_object_get_size(object) && dc->duplicate == NULL)
                dc->duplicate = g_strdup(name);
}

EcivmManifest *
ecivm_manifest_parse(const char *json, gsize len, const char *origin, GError **error)
{
        static const char *const top_keys[] = { "manifestVersion", "kernel", "initrd", "root", "cmdline",
                                                "suite", "packages", "created", NULL };
        g_autoptr(JsonParser) parser = json_parser_new_immutable();
        g_autoptr(GError) local = NULL;
        g_autoptr(EcivmManifest) m = ecivm_manifest_new();
        Ctx c = { .origin = origin != NULL ? origin : DEFAULT_ORIGIN, .error = error };
        g_autoptr(GHashTable) counts = g_hash_table_new(NULL, NULL);
        g_autofree char *duplicate = NULL;
        DupCheck dc = { .counts = counts };
        gboolean loaded;
        JsonNode *root;
        JsonObject *top;

        g_return_val_if_fail(json != NULL, NULL);
        if (len > ECIVM_MANIFEST_MAX_SIZE) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: larger than %d bytes", c.origin,
                            ECIVM_MANIFEST_MAX_SIZE);
                return NULL;
        }
        if (memchr(json, '\0', len) != NULL) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: contains a NUL byte", c.origin);
                return NULL;
        }
        g_signal_connect(parser, "object-member", G_CALLBACK(on_object_member), &dc);
        loaded = json_parser_load_from_data(parser, json, (gssize)len, &local);
        duplicate = g_steal_pointer(&dc.duplicate);
        if (!loaded) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: invalid JSON: %s", c.origin,
                            local->message);
                return NULL;
        }
        if (duplicate != NULL) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: invalid JSON: duplicate member \"%s\"",
                            c.origin, duplicate);
                return NULL;
        }
        root = json_parser_get_root(parser);
        if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: expected a JSON object", c.origin);
                return NULL;
        }
        top = json_node_get_object(root);
        /* The version first: an unknown version explains unknown fields. */
        if (!parse_version(&c, top, m) || !only_members(&c, top, "", top_keys) || !parse_files(&c, top, m) ||
            !get_string(&c, top, "", "cmdline", &m->cmdline) || !parse_packages(&c, top, m))
                return NULL;
        if (json_object_has_member(top, "created") && !get_string(&c, top, "", "created", &m->created))
                return NULL;
        if (json_object_has_member(top, "suite") && !get_string(&c, top, "", "suite", &m->suite))
                return NULL;
        if (!ecivm_manifest_validate(m, c.origin, error))
                return NULL;
        return g_steal_pointer(&m);
}

EcivmManifest *
ecivm_manifest_load_file(const char *path, GError **error)
{
        g_autofree char *text = NULL;
        gsize len = 0;
        g_autoptr(GError) local = NULL;
        EcivmManifest *m;

        if (!g_file_get_contents(path, &text, &len, &local)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s", local->message);
                return NULL;
        }
        m = ecivm_manifest_parse(text, len, path, error);
        if (m != NULL)
                m->dir = g_path_get_dirname(path);
        return m;
}

/* ---- artifacts ---- */

const char *
ecivm_artifact_name(EcivmArtifact which)
{
        switch (which) {
        case ECIVM_ARTIFACT_KERNEL:
                return "kernel";
        case ECIVM_ARTIFACT_INITRD:
                return "initrd";
        case ECIVM_ARTIFACT_ROOT:
                return "root";
        case ECIVM_ARTIFACT_HASH_TREE:
                return "hashtree";
        default:
                return "unknown";
        }
}

const char *
ecivm_manifest_artifact_file(const EcivmManifest *m, EcivmArtifact which)
{
        switch (which) {
        case ECIVM_ARTIFACT_KERNEL:
                return m->kernel.path;
        case ECIVM_ARTIFACT_INITRD:
                return m->initrd.path;
        case ECIVM_ARTIFACT_ROOT:
                return m->root.path;
        case ECIVM_ARTIFACT_HASH_TREE:
                return m->root.hash_tree;
        default:
                g_return_val_if_reached(NULL);
        }
}

const char *
ecivm_manifest_artifact_sha256(const EcivmManifest *m, EcivmArtifact which)
{
        switch (which) {
        case ECIVM_ARTIFACT_KERNEL:
                return m->kernel.sha256;
        case ECIVM_ARTIFACT_INITRD:
                return m->initrd.sha256;
        case ECIVM_ARTIFACT_ROOT:
                return NULL; /* dm-verity: see manifest.h */
        case ECIVM_ARTIFACT_HASH_TREE:
                return m->root.hash_tree_sha256;
        default:
                g_return_val_if_reached(NULL);
        }
}

char *
ecivm_manifest_artifact_path(const EcivmManifest *m, EcivmArtifact which)
{
        const char *file = ecivm_manifest_artifact_file(m, which);

        if (file == NULL)
                return NULL;
        return m->dir != NULL ? g_build_filename(m->dir, file, NULL) : g_strdup(file);
}

gboolean
ecivm_manifest_check_artifact(const EcivmManifest *m, EcivmArtifact which, const char *actual_sha256,
                              GError **error)
{
        const char *expected = ecivm_manifest_artifact_sha256(m, which);
        const char *name = ecivm_artifact_name(which);

        if (actual_sha256 == NULL || check_sha256(actual_sha256) != NULL) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID,
                            "%s: actual digest is not 64 lowercase hex digits", name);
                return FALSE;
        }
        if (expected == NULL || strcmp(expected, actual_sha256) != 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_MISMATCH, "%s: digest mismatch: expected %s actual %s",
                            name, expected != NULL ? expected : "(none)", actual_sha256);
                return FALSE;
        }
        return TRUE;
}

/* ---- build info ---- */

typedef struct {
        const char *key;
        const char *(*check)(const char *);
        gboolean required;
} BuildKey;

/* Facts the image build records for people; checked for shape, not used. */
static const char *
check_info(const char *v)
{
        if (*v == '\0')
                return "empty value";
        for (; *v != '\0'; v++)
                if (!g_ascii_isalnum(*v) && strchr(".+:~_-", *v) == NULL)
                        return "unexpected character";
        return NULL;
}

static const char *
check_blocks(const char *v)
{
        guint64 n = 0;

        if (!g_ascii_string_to_unsigned(v, 10, 1, ECIVM_MANIFEST_MAX_BLOCKS, &n, NULL) || v[0] == '0')
                return "expected a block count (decimal, no leading zero)";
        return NULL;
}

static const BuildKey build_keys[] = {
        { "KERNEL_RELEASE", check_release, TRUE },  { "ROOT_FORMAT", check_format, TRUE },
        { "KERNEL_SHA256", check_sha256, TRUE },    { "INITRD_SHA256", check_sha256, TRUE },
        { "ROOT_SHA256", check_sha256, FALSE },     { "CREATED", check_created, FALSE },
        { "VERITY_ROOT_HASH", check_sha256, TRUE }, { "VERITY_SALT", check_sha256, TRUE },
        { "VERITY_HASH_SHA256", check_sha256, TRUE }, { "VERITY_DATA_BLOCKS", check_blocks, TRUE },
        { "KERNEL_PACKAGE", check_info, FALSE },    { "KERNEL_VERSION", check_info, FALSE },
        { "ROOT_COMPRESSION", check_info, FALSE },  { "BB_TAR_SHA256", check_sha256, FALSE },
        { "BUSYBOX_VERSION", check_info, FALSE },   { "SOURCE_DATE_EPOCH", check_info, FALSE },
        { "SUITE", check_suite, FALSE },
};

static gboolean
valid_env_key(const char *k)
{
        if (!g_ascii_isupper(k[0]))
                return FALSE;
        for (; *k != '\0'; k++)
                if (!g_ascii_isupper(*k) && !g_ascii_isdigit(*k) && *k != '_')
                        return FALSE;
        return TRUE;
}

/* Fills VALUES (key -> value) from the env text; checks every line. */
static gboolean
parse_build_info(const char *text, GHashTable *values, GError **error)
{
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

        for (guint i = 0; lines[i] != NULL; i++) {
                const char *line = lines[i];
                const char *eq = strchr(line, '=');
                const BuildKey *bk = NULL;
                const char *problem;

                if (line[0] == '\0' || line[0] == '#')
                        continue;
                g_autofree char *key = eq != NULL ? g_strndup(line, (gsize)(eq - line)) : NULL;
                if (key == NULL || !valid_env_key(key)) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "build-info.env:%u: expected KEY=VALUE",
                                    i + 1);
                        return FALSE;
                }
                for (gsize k = 0; k < G_N_ELEMENTS(build_keys); k++)
                        if (strcmp(build_keys[k].key, key) == 0)
                                bk = &build_keys[k];
                if (bk == NULL) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "build-info.env:%u: %s: unknown key",
                                    i + 1, key);
                        return FALSE;
                }
                if (g_hash_table_contains(values, bk->key)) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "build-info.env:%u: %s: duplicate key",
                                    i + 1, key);
                        return FALSE;
                }
                if ((problem = bk->check(eq + 1)) != NULL) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "build-info.env:%u: %s: %s", i + 1,
                                    key, problem);
                        return FALSE;
                }
                g_hash_table_insert(values, (gpointer)bk->key, g_strdup(eq + 1));
        }
        for (gsize k = 0; k < G_N_ELEMENTS(build_keys); k++) {
                if (build_keys[k].required && !g_hash_table_contains(values, build_keys[k].key)) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "build-info.env: %s: missing",
                                    build_keys[k].key);
                        return FALSE;
                }
        }
        return TRUE;
}

/* "name version" lines, or "name version sha256" (the .deb's) when
 * build-info.env names the suite (WITH_SHA256). */
static gboolean
parse_packages_txt(const char *text, gboolean with_sha256, EcivmManifest *m, GError **error)
{
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        const char *form = with_sha256 ? "\"name version sha256\" (build-info.env names a SUITE)"
                                       : "\"name version\" (build-info.env names no SUITE)";

        for (guint i = 0; lines[i] != NULL; i++) {
                g_auto(GStrv) tok = NULL;
                const char *problem;

                if (lines[i][0] == '\0')
                        continue;
                tok = g_strsplit(lines[i], " ", -1);
                if (g_strv_length(tok) != (with_sha256 ? 3u : 2u)) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "packages.txt:%u: expected %s", i + 1,
                                    form);
                        return FALSE;
                }
                if ((problem = check_package_name(tok[0])) != NULL ||
                    (problem = check_package_version(tok[1])) != NULL ||
                    (with_sha256 && (problem = check_sha256(tok[2])) != NULL)) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "packages.txt:%u: %s", i + 1, problem);
                        return FALSE;
                }
                if (!g_hash_table_add(seen, g_strdup(tok[0]))) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID,
                                    "packages.txt:%u: duplicate package \"%s\"", i + 1, tok[0]);
                        return FALSE;
                }
                ecivm_manifest_add_package_deb(m, tok[0], tok[1], with_sha256 ? tok[2] : NULL);
        }
        if (m->packages->len == 0) {
                g_set_error_literal(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "packages.txt: no packages");
                return FALSE;
        }
        return TRUE;
}

void
ecivm_manifest_cmdline_params(const EcivmManifest *m, EcivmCmdlineParams *p)
{
        p->verity_root_hash = m->root.verity_root_hash;
        p->verity_salt = m->root.verity_salt;
        p->verity_data_blocks = m->root.data_blocks;
}

EcivmManifest *
ecivm_manifest_from_build_info(const char *build_info_env_text, const char *packages_txt,
                               const EcivmCmdlineParams *params, GError **error)
{
        g_autoptr(GHashTable) v = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
        g_autoptr(EcivmManifest) m = ecivm_manifest_new();
        EcivmCmdlineParams p;
        g_autofree char *cmdline = NULL;
        const char *problem;

        g_return_val_if_fail(build_info_env_text != NULL && packages_txt != NULL, NULL);
        if (!parse_build_info(build_info_env_text, v, error))
                return NULL;
        m->suite = g_strdup(g_hash_table_lookup(v, "SUITE"));
        if (!parse_packages_txt(packages_txt, m->suite != NULL, m, error))
                return NULL;

        m->kernel.path = g_strdup("vmlinuz");
        m->kernel.sha256 = g_strdup(g_hash_table_lookup(v, "KERNEL_SHA256"));
        m->kernel.release = g_strdup(g_hash_table_lookup(v, "KERNEL_RELEASE"));
        m->initrd.path = g_strdup("initrd.img");
        m->initrd.sha256 = g_strdup(g_hash_table_lookup(v, "INITRD_SHA256"));
        m->root.format = g_strdup(g_hash_table_lookup(v, "ROOT_FORMAT"));
        m->root.path = g_strconcat("root.", m->root.format, NULL);
        m->root.data_blocks = g_ascii_strtoull(g_hash_table_lookup(v, "VERITY_DATA_BLOCKS"), NULL, 10);
        m->root.hash_tree = g_strdup("root.verity");
        m->root.hash_tree_sha256 = g_strdup(g_hash_table_lookup(v, "VERITY_HASH_SHA256"));
        m->root.verity_root_hash = g_strdup(g_hash_table_lookup(v, "VERITY_ROOT_HASH"));
        m->root.verity_salt = g_strdup(g_hash_table_lookup(v, "VERITY_SALT"));
        if (params != NULL)
                p = *params;
        else
                ecivm_cmdline_params_init(&p);
        ecivm_manifest_cmdline_params(m, &p);
        cmdline = ecivm_cmdline_build(&p, error);
        if (cmdline == NULL)
                return NULL;
        if ((problem = check_cmdline(cmdline)) != NULL) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "cmdline: %s", problem);
                return NULL;
        }
        m->cmdline = g_steal_pointer(&cmdline);
        m->created = g_strdup(g_hash_table_lookup(v, "CREATED"));
        if (!ecivm_manifest_validate(m, DEFAULT_ORIGIN, error))
                return NULL;
        return g_steal_pointer(&m);
}
