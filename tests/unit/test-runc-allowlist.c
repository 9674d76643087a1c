/* ecivm-runc's socket-mount allow-list (digest, name:tag, name:*, derived
 * images, the files it reads); bind sources: test-runc-resolve.c. */
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

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_digest),        cmocka_unit_test(test_name_tag),
                cmocka_unit_test(test_name_any_tag),  cmocka_unit_test(test_local_retag),
                cmocka_unit_test(test_derived),       cmocka_unit_test(test_allows_files),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
