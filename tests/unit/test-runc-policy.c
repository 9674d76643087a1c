/* ecivm-runc's policy against golden OCI configs.
 *
 * Each case GOLDEN_DIR/runc-policy/<name>.json is {"context": {...},
 * "config": {...}}; <name>.out is the rewritten config (pretty-printed) or
 * "error: <message>".  The context's facts default to those of a typical VM
 * (see default_context()); a case overrides or adds:
 *   "idBase": 100000, "idCount": 65536, "socketMountAllowed": false,
 *   "vmNs": {"pid": "4:4026531836", ...}, "nsIdentity": {"/proc/42/ns/net": "4:4026532300"},
 *   "binds": {"/src": ["realpath", "plain|tmpfs-root|foreign|unresolved"]},
 *   "containerId": "c1", "ipcContainer": "c2", "dockerInit": "/usr/bin/tini-static",
 *   "rootPath": "...", "lxcfsDir": "...", "procfsDir": "...", "buildStep": true
 * ECIVM_REGENERATE_GOLDEN=1 make check TESTS=tests/unit/test-runc-policy
 * rewrites the .out files. */
#include "config.h"

#include <string.h>

#include "policy.h"
#include "vmm-golden.h"

typedef struct {
        EciPolicyContext ctx;
        GHashTable *vm_ns, *ns_identity, *binds;
        char *root_path, *lxcfs_dir, *procfs_dir, *container_id, *ipc_container, *docker_init;
} Fixture;

static void bind_fact_free(gpointer p)
{
        EciBindFact *f = p;

        g_free(f->realpath);
        g_free(f);
}

static void fixture_free(Fixture *f)
{
        g_hash_table_unref(f->vm_ns);
        g_hash_table_unref(f->ns_identity);
        g_hash_table_unref(f->binds);
        g_free(f->root_path);
        g_free(f->container_id);
        g_free(f->ipc_container);
        g_free(f->docker_init);
        g_free(f->lxcfs_dir);
        g_free(f->procfs_dir);
        g_free(f);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Fixture, fixture_free)

static void add_bind(Fixture *f, const char *src, const char *realpath, const char *shape)
{
        EciBindFact *b = g_new0(EciBindFact, 1);

        b->realpath = g_strdup(realpath);
        b->fd = -1;
        if (!eci_source_shape_parse(shape, &b->shape))
                fail_msg("%s: unknown shape \"%s\"", src, shape ? shape : "(none)");
        g_hash_table_replace(f->binds, g_strdup(src), b);
}

static void replace_str(char **p, const char *v)
{
        g_free(*p);
        *p = g_strdup(v);
}

static Fixture *default_context(void)
{
        Fixture *f = g_new0(Fixture, 1);
        static const char *const ns[][2] = {
                { "pid", "4:4026531836" }, { "network", "4:4026531840" }, { "ipc", "4:4026531839" },
                { "uts", "4:4026531838" }, { "cgroup", "4:4026531835" }, { "mount", "4:4026531841" },
        };

        f->vm_ns = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        f->ns_identity = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        f->binds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, bind_fact_free);
        for (gsize i = 0; i < G_N_ELEMENTS(ns); i++)
                g_hash_table_replace(f->vm_ns, g_strdup(ns[i][0]), g_strdup(ns[i][1]));
        /* docker's own binds of every container */
        for (const char *const *file = (const char *const[]){ "resolv.conf", "hostname", "hosts", NULL }; *file;
             file++) {
                g_autofree char *p = g_strconcat("/var/lib/docker/containers/c1/", *file, NULL);

                add_bind(f, p, p, "plain");
        }
        f->container_id = g_strdup("c1");
        f->ctx.id_base = 100000;
        f->ctx.id_count = 65536;
        return f;
}

static void read_context(Fixture *f, JsonObject *c)
{
        if (json_object_has_member(c, "idBase"))
                f->ctx.id_base = (guint32) json_object_get_int_member(c, "idBase");
        if (json_object_has_member(c, "idCount"))
                f->ctx.id_count = (guint32) json_object_get_int_member(c, "idCount");
        if (json_object_has_member(c, "socketMountAllowed"))
                f->ctx.socket_mount_allowed = json_object_get_boolean_member(c, "socketMountAllowed");
        if (json_object_has_member(c, "engineSocket"))
                f->ctx.engine_socket = json_object_get_string_member(c, "engineSocket");
        if (json_object_has_member(c, "buildStep"))
                f->ctx.build_step = json_object_get_boolean_member(c, "buildStep");
        if (json_object_has_member(c, "vmNs")) {
                JsonObject *o = json_object_get_object_member(c, "vmNs");
                g_autoptr(GList) keys = json_object_get_members(o);

                for (GList *l = keys; l; l = l->next)
                        g_hash_table_replace(f->vm_ns, g_strdup(l->data),
                                             g_strdup(json_object_get_string_member(o, l->data)));
        }
        if (json_object_has_member(c, "nsIdentity")) {
                JsonObject *o = json_object_get_object_member(c, "nsIdentity");
                g_autoptr(GList) keys = json_object_get_members(o);

                for (GList *l = keys; l; l = l->next)
                        g_hash_table_replace(f->ns_identity, g_strdup(l->data),
                                             g_strdup(json_object_get_string_member(o, l->data)));
        }
        if (json_object_has_member(c, "binds")) {
                JsonObject *o = json_object_get_object_member(c, "binds");
                g_autoptr(GList) keys = json_object_get_members(o);

                for (GList *l = keys; l; l = l->next) {
                        JsonArray *a = json_object_get_array_member(o, l->data);

                        add_bind(f, l->data, json_array_get_string_element(a, 0),
                                 json_array_get_length(a) > 1 ? json_array_get_string_element(a, 1) : "plain");
                }
        }
        if (json_object_has_member(c, "containerId"))
                replace_str(&f->container_id, json_object_get_string_member(c, "containerId"));
        if (json_object_has_member(c, "ipcContainer"))
                replace_str(&f->ipc_container, json_object_get_string_member(c, "ipcContainer"));
        if (json_object_has_member(c, "dockerInit"))
                replace_str(&f->docker_init, json_object_get_string_member(c, "dockerInit"));
        if (json_object_has_member(c, "rootPath"))
                f->root_path = g_strdup(json_object_get_string_member(c, "rootPath"));
        if (json_object_has_member(c, "lxcfsDir"))
                f->lxcfs_dir = g_strdup(json_object_get_string_member(c, "lxcfsDir"));
        if (json_object_has_member(c, "procfsDir"))
                f->procfs_dir = g_strdup(json_object_get_string_member(c, "procfsDir"));
}

static void finish_context(Fixture *f)
{
        f->ctx.vm_ns = f->vm_ns;
        f->ctx.ns_identity = f->ns_identity;
        f->ctx.binds = f->binds;
        f->ctx.container_id = f->container_id;
        f->ctx.ipc_container = f->ipc_container;
        f->ctx.docker_init = f->docker_init;
        f->ctx.root_path = f->root_path;
        f->ctx.lxcfs_dir = f->lxcfs_dir;
        f->ctx.procfs_dir = f->procfs_dir;
}

static char *to_text(JsonNode *node)
{
        g_autoptr(JsonGenerator) gen = json_generator_new();
        g_autofree char *text = NULL;

        json_generator_set_pretty(gen, TRUE);
        json_generator_set_indent(gen, 2);
        json_generator_set_root(gen, node);
        text = json_generator_to_data(gen, NULL);
        return g_strconcat(text, "\n", NULL);
}

static void run_policy_case(const char *case_base, const char *case_name)
{
        g_autofree char *rel_in = g_strconcat(case_base, ".json", NULL);
        g_autofree char *rel_out = g_strconcat(case_base, ".out", NULL);
        g_autofree char *text = golden_read(rel_in, NULL);
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(Fixture) f = default_context();
        g_autofree char *out = NULL;
        JsonObject *root;
        JsonNode *config;
        gboolean ok;

        if (!json_parser_load_from_data(parser, text, -1, &error))
                fail_msg("%s: %s", rel_in, error->message);
        root = json_node_get_object(json_parser_get_root(parser));
        if (json_object_has_member(root, "context"))
                read_context(f, json_object_get_object_member(root, "context"));
        finish_context(f);
        config = json_object_get_member(root, "config");
        assert_non_null(config);
        ok = eci_policy_apply(config, &f->ctx, &error);
        golden_assert_outcome(case_name, ok, error);
        out = ok ? to_text(config) : golden_error_text(error);
        golden_compare(rel_out, out);
}

/* Applying the policy to its own output changes nothing more. */
static void test_idempotent(void **state)
{
        g_autofree char *text = golden_read("runc-policy/docker-default.json", NULL);
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autoptr(Fixture) f = default_context();
        g_autoptr(GError) error = NULL;
        g_autofree char *once = NULL, *twice = NULL;
        JsonNode *config;

        assert_true(json_parser_load_from_data(parser, text, -1, NULL));
        finish_context(f);
        config = json_object_get_member(json_node_get_object(json_parser_get_root(parser)), "config");
        assert_true(eci_policy_apply(config, &f->ctx, &error));
        once = to_text(config);
        assert_true(eci_policy_apply(config, &f->ctx, &error));
        twice = to_text(config);
        assert_string_equal(once, twice);
}

static void test_not_object(void **state)
{
        g_autoptr(Fixture) f = default_context();
        g_autoptr(JsonNode) node = json_node_new(JSON_NODE_ARRAY);
        g_autoptr(GError) error = NULL;

        json_node_take_array(node, json_array_new());
        finish_context(f);
        assert_false(eci_policy_apply(node, &f->ctx, &error));
        assert_true(g_error_matches(error, ECI_POLICY_ERROR, ECI_POLICY_ERROR_INVALID));
}

int main(void)
{
        const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_idempotent),
                cmocka_unit_test(test_not_object),
        };

        return golden_run("runc-policy", fixed, G_N_ELEMENTS(fixed), "runc-policy", ".json", run_policy_case, 20);
}
