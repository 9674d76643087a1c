/* ecivm-runc's socket-mount allow-list (digest, name:tag, name:*, derived
 * images, the files it reads) and the path resolution of bind sources
 * (mountinfo identities, so a socket reached by another path is caught). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "allowlist.h"
#include "facts.h"
#include "policy.h"

#define BB "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define BB_OLD "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define LOCAL "sha256:3333333333333333333333333333333333333333333333333333333333333333"
#define DERIVED "sha256:4444444444444444444444444444444444444444444444444444444444444444"
#define OTHER "sha256:5555555555555555555555555555555555555555555555555555555555555555"

/* busybox pulled by digest and tagged 1.36 and latest; BB_OLD pulled as
 * 1.35; "evil" and "mine" only tagged locally */
static const char repositories[] =
        "{\"Repositories\": {"
        " \"busybox\": {\"busybox:1.36\": \"" BB "\", \"busybox:latest\": \"" BB "\","
        "   \"busybox@sha256:aaaa\": \"" BB "\", \"busybox:1.35\": \"" BB_OLD "\","
        "   \"busybox@sha256:bbbb\": \"" BB_OLD "\"},"
        " \"testcontainers/ryuk\": {\"testcontainers/ryuk:0.5\": \"" OTHER "\","
        "   \"testcontainers/ryuk@sha256:cccc\": \"" OTHER "\"},"
        " \"evil\": {\"evil:latest\": \"" LOCAL "\"},"
        " \"mine\": {\"mine:latest\": \"" DERIVED "\"}}}";

static JsonNode *parse(const char *text)
{
        g_autoptr(GError) error = NULL;
        JsonNode *n = json_from_string(text, &error);

        assert_non_null(n);
        return n;
}

/* does the list PATTERNS (JSON array text) allow IMAGE_ID? */
static gboolean allows(const char *patterns, const char *image_id, GHashTable *layers)
{
        g_autoptr(JsonNode) p = parse(patterns);
        g_autoptr(JsonNode) r = parse(repositories);

        return eci_allowlist_match(json_node_get_array(p), image_id, NULL, json_node_get_object(r), layers);
}

static void test_digest(void **state)
{
        (void) state;
        assert_true(allows("[\"busybox@sha256:aaaa\"]", BB, NULL));
        assert_true(allows("[\"docker.io/library/busybox@sha256:aaaa\"]", BB, NULL));
        assert_false(allows("[\"busybox@sha256:aaaa\"]", BB_OLD, NULL));
        assert_false(allows("[\"busybox@sha256:ffff\"]", BB, NULL));
}

static void test_name_tag(void **state)
{
        (void) state;
        assert_true(allows("[\"busybox:1.36\"]", BB, NULL));
        assert_true(allows("[\"docker.io/library/busybox:1.36\"]", BB, NULL));
        assert_true(allows("[\"busybox\"]", BB, NULL)); /* :latest */
        assert_false(allows("[\"busybox:1.36\"]", BB_OLD, NULL));
        assert_true(allows("[\"busybox:1.35\"]", BB_OLD, NULL));
        assert_true(allows("[\"docker.io/testcontainers/ryuk:0.5\"]", OTHER, NULL));
        assert_false(allows("[\"testcontainers/ryuk:0.6\"]", OTHER, NULL));
}

static void test_name_any_tag(void **state)
{
        (void) state;
        assert_true(allows("[\"busybox:*\"]", BB, NULL));
        assert_true(allows("[\"busybox:*\"]", BB_OLD, NULL));
        assert_true(allows("[\"docker.io/testcontainers/ryuk:*\"]", OTHER, NULL));
        assert_false(allows("[\"testcontainers/ryuk:*\"]", BB, NULL));
        assert_false(allows("[\"busy:*\"]", BB, NULL));
        assert_true(allows("[\"*\"]", LOCAL, NULL));
        assert_false(allows("[]", BB, NULL));
        assert_false(allows("[42, null]", BB, NULL));
}

/* a local tag has no digest reference: re-tagging an image as an allowed
 * name does not get past the list */
static void test_local_retag(void **state)
{
        (void) state;
        assert_false(allows("[\"evil:*\"]", LOCAL, NULL));
        assert_false(allows("[\"evil:latest\"]", LOCAL, NULL));
}

static GHashTable *layer_table(void)
{
        GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) json_array_unref);
        static const struct {
                const char *id, *layers;
        } l[] = {
                { BB, "[\"sha256:l1\"]" },
                { BB_OLD, "[\"sha256:l0\"]" },
                { DERIVED, "[\"sha256:l1\", \"sha256:l2\"]" },
                { LOCAL, "[\"sha256:l9\", \"sha256:l1\"]" },
                { OTHER, "[]" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(l); i++) {
                g_autoptr(JsonNode) n = parse(l[i].layers);

                g_hash_table_insert(t, (gpointer) l[i].id, json_array_ref(json_node_get_array(n)));
        }
        return t;
}

static void test_derived(void **state)
{
        g_autoptr(GHashTable) layers = layer_table();

        (void) state;
        /* "mine" was built FROM busybox:1.36: only with allowDerivedImages */
        assert_false(allows("[\"busybox:1.36\"]", DERIVED, NULL));
        assert_true(allows("[\"busybox:1.36\"]", DERIVED, layers));
        assert_true(allows("[\"busybox:*\"]", DERIVED, layers));
        assert_true(allows("[\"busybox@sha256:aaaa\"]", DERIVED, layers));
        /* based on another image than the allowed one */
        assert_false(allows("[\"busybox:1.35\"]", DERIVED, layers));
        /* the allowed image's layer, but not first */
        assert_false(allows("[\"busybox:*\"]", LOCAL, layers));
        /* an image without layers is no base of everything */
        assert_false(allows("[\"testcontainers/ryuk:*\"]", DERIVED, layers));
        /* a base that is itself only local is not allowed */
        assert_false(allows("[\"evil:*\"]", DERIVED, layers));
}

/* ---- eci_allowlist_allows: the files ---- */

static void put(const char *dir, const char *rel, const char *text)
{
        g_autofree char *p = g_build_filename(dir, rel, NULL);
        g_autofree char *d = g_path_get_dirname(p);

        assert_int_equal(g_mkdir_with_parents(d, 0700), 0);
        assert_true(g_file_set_contents(p, text, -1, NULL));
}

static void put_image(const char *root, const char *id, const char *text)
{
        g_autofree char *rel = g_strconcat("image/overlay2/imagedb/content/sha256/", id + strlen("sha256:"), NULL);

        put(root, rel, text);
}

static int rm_rf(const char *path)
{
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", path);

        return system(cmd);
}

static void test_allows_files(void **state)
{
        g_autofree char *dir = g_dir_make_tmp("runc-allowlist-XXXXXX", NULL);
        g_autofree char *settings = g_build_filename(dir, "eci.json", NULL);
        g_autofree char *root = g_build_filename(dir, "docker", NULL);

        (void) state;
        assert_non_null(dir);
        put(root, "image/overlay2/repositories.json", repositories);
        put_image(root, BB, "{\"rootfs\": {\"diff_ids\": [\"sha256:l1\"]}}");
        put_image(root, DERIVED, "{\"rootfs\": {\"diff_ids\": [\"sha256:l1\", \"sha256:l2\"]}}");
        put(root, "containers/c1/config.v2.json", "{\"Image\": \"" BB "\", \"Config\": {\"Image\": \"busybox\"}}");
        put(root, "containers/c2/config.v2.json", "{\"Image\": \"" DERIVED "\", \"Config\": {\"Image\": \"mine\"}}");
        put(root, "containers/c3/config.v2.json", "{\"Image\": \"" LOCAL "\", \"Config\": {\"Image\": \"evil\"}}");

        /* no settings file: nothing is allowed */
        assert_false(eci_allowlist_allows(settings, root, "c1"));
        put(dir, "eci.json", "{\"dockerSocketMount\": {\"imageList\": {\"images\": [\"busybox:*\"]}}}");
        assert_true(eci_allowlist_allows(settings, root, "c1"));
        assert_false(eci_allowlist_allows(settings, root, "c2"));
        assert_false(eci_allowlist_allows(settings, root, "c3"));
        assert_false(eci_allowlist_allows(settings, root, "nope"));
        assert_false(eci_allowlist_allows(settings, root, "../containers/c1"));
        put(dir, "eci.json",
              "{\"dockerSocketMount\": {\"imageList\": {\"images\": [\"busybox:*\"], \"allowDerivedImages\": true}}}");
        assert_true(eci_allowlist_allows(settings, root, "c2"));
        assert_false(eci_allowlist_allows(settings, root, "c3"));
        put(dir, "eci.json",
              "{\"dockerSocketMount\": {\"imageList\": {\"images\": [], \"allowDerivedImages\": true}}}");
        assert_false(eci_allowlist_allows(settings, root, "c1"));
        assert_int_equal(rm_rf(dir), 0);
}

/* ---- path resolution of bind sources ---- */

/* the guest's layout: erofs root, /run tmpfs, the data disk at /data and
 * bound at /var/lib/docker, a tmpfs dir with a space, a mount stacked on
 * another */
static const char mountinfo[] =
        "22 1 254:0 / / ro,relatime shared:1 - erofs /dev/vda ro\n"
        "30 22 0:25 / /run rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,mode=755\n"
        "40 22 254:16 / /data rw,noatime shared:7 - ext4 /dev/vdb rw\n"
        "41 22 254:16 /docker /var/lib/docker rw,noatime shared:7 - ext4 /dev/vdb rw\n"
        "42 30 0:25 /x /run/with\\040space rw shared:5 - tmpfs tmpfs rw\n"
        "43 22 0:40 / /mnt rw - tmpfs tmpfs rw\n"
        "44 22 0:25 / /mnt rw - tmpfs tmpfs rw\n";

static void test_canon_path(void **state)
{
        static const char *const cases[][2] = {
                { "/var/lib/docker/volumes/v/_data", "254:16:/docker/volumes/v/_data" },
                { "/data/docker/volumes/v/_data", "254:16:/docker/volumes/v/_data" },
                { "/var/lib/docker", "254:16:/docker" },
                { "/run/docker.sock", "0:25:/docker.sock" },
                { "/run/with space/docker.sock", "0:25:/x/docker.sock" },
                { "/usr/bin", "254:0:/usr/bin" },
                { "/", "254:0:/" },
                { "/mnt/docker.sock", "0:25:/docker.sock" }, /* the top one of stacked mounts */
                { "/datax", "254:0:/datax" },                /* not under /data */
        };

        (void) state;
        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *c = eci_canon_path(mountinfo, cases[i][0]);

                assert_string_equal(c, cases[i][1]);
        }
        assert_null(eci_canon_path("", "/x"));
}

/* the policy with resolved facts: SOURCE (realpath REAL) bound into a
 * container; NULL when accepted, else the refusal */
static char *bind_refusal(const char *source, const char *real)
{
        g_autoptr(GHashTable) binds = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GArray) prot = g_array_new(FALSE, TRUE, sizeof(EciProtected));
        g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *text = g_strdup_printf("{\"mounts\": [{\"destination\": \"/m\", \"type\": \"bind\", "
                                                "\"source\": \"%s\", \"options\": [\"rbind\"]}], \"linux\": "
                                                "{\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, "
                                                "{\"type\": \"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"cgroup\"}, "
                                                "{\"type\": \"mount\"}]}}",
                                                source);
        g_autoptr(JsonNode) config = parse(text);
        g_autoptr(GError) error = NULL;
        EciBindFact fact = { (char *) real, eci_canon_path(mountinfo, real) };
        EciPolicyContext ctx = { .id_base = 100000, .id_count = 65536, .binds = binds };

        g_hash_table_insert(binds, (gpointer) source, &fact);
        for (gsize i = 0; i < eci_n_protected_paths; i++) {
                EciProtected p = { &eci_protected_paths[i], eci_canon_path(mountinfo, eci_protected_paths[i].name) };

                g_ptr_array_add(strings, (gpointer) p.canon);
                g_array_append_val(prot, p);
        }
        ctx.protected_paths = (const EciProtected *) (void *) prot->data;
        ctx.n_protected = prot->len;
        eci_policy_apply(config, &ctx, &error);
        g_free(fact.canon);
        return error ? g_strdup(error->message) : NULL;
}

static void test_socket_bind_paths(void **state)
{
        static const struct {
                const char *source, *real, *want; /* want: NULL = accepted */
        } cases[] = {
                { "/run/docker.sock", "/run/docker.sock", "Docker Engine socket" },
                /* the /var/run symlink, resolved by the caller */
                { "/var/run/docker.sock", "/run/docker.sock", "Docker Engine socket (/run/docker.sock)" },
                { "/run", "/run", "Docker Engine socket (/run/docker.sock)" },
                { "/", "/", "(/run/docker.sock)" },
                /* /run's tmpfs mounted a second time: same identity */
                { "/mnt", "/mnt", "Docker Engine socket (/run/docker.sock)" },
                /* the data disk under its other name */
                { "/data/docker", "/data/docker", "Docker Engine's data" },
                { "/data", "/data", "Docker Engine's data" },
                { "/run/containerd/containerd.sock", "/run/containerd/containerd.sock", "containerd's sockets" },
                { "/data/docker/volumes/v/_data", "/data/docker/volumes/v/_data", NULL },
                { "/usr/share", "/usr/share", NULL },
                { "/run/with space", "/run/with space", NULL },
        };

        (void) state;
        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *why = bind_refusal(cases[i].source, cases[i].real);

                if (cases[i].want == NULL) {
                        if (why != NULL)
                                fail_msg("%s: refused: %s", cases[i].source, why);
                } else if (why == NULL || strstr(why, cases[i].want) == NULL) {
                        fail_msg("%s: want \"%s\", got \"%s\"", cases[i].source, cases[i].want, why ? why : "(accepted)");
                }
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_digest),        cmocka_unit_test(test_name_tag),
                cmocka_unit_test(test_name_any_tag),  cmocka_unit_test(test_local_retag),
                cmocka_unit_test(test_derived),       cmocka_unit_test(test_allows_files),
                cmocka_unit_test(test_canon_path),    cmocka_unit_test(test_socket_bind_paths),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
