/* Image manifest and digests.
 *   golden/manifest/parse/<c>.json -> <c>.out   canonical JSON re-serialised,
 *        or "error: <message>" (origin "manifest.json"); valid-*.json files
 *        are canonical, so to_json(parse(x)) == x byte for byte.
 *   golden/manifest/build-info/<c>.env + <c>.packages -> <c>.out
 *        ecivm_manifest_from_build_info() with the default cmdline params.
 * ECIVM_REGENERATE_GOLDEN=1 rewrites the .out files (see vmm-golden.h). */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "vmm-golden.h"

#include "cmdline.h"
#include "digest.h"
#include "error.h"
#include "manifest.h"

static void
run_parse_case(const char *base, const char *name)
{
        g_autofree char *in_rel = g_strconcat(base, ".json", NULL);
        g_autofree char *out_rel = g_strconcat(base, ".out", NULL);
        gsize len = 0;
        g_autofree char *json = golden_read(in_rel, &len);
        g_autoptr(GError) error = NULL;
        g_autoptr(EcivmManifest) m = ecivm_manifest_parse(json, len, "manifest.json", &error);
        g_autofree char *actual = NULL;

        golden_assert_outcome(name, m != NULL, error);
        if (m == NULL) {
                assert_true(g_error_matches(error, ECIVM_ERROR, ECIVM_ERROR_INVALID));
                actual = golden_error_text(error);
        } else {
                g_autoptr(EcivmManifest) again = NULL;
                g_autofree char *json2 = NULL;

                actual = ecivm_manifest_to_json(m, &error);
                assert_non_null(actual);
                /* stable: serialise(parse(serialise(m))) == serialise(m) */
                again = ecivm_manifest_parse(actual, strlen(actual), "round-trip", &error);
                assert_non_null(again);
                json2 = ecivm_manifest_to_json(again, &error);
                assert_string_equal(actual, json2);
                if (g_str_has_prefix(name, "valid-"))
                        assert_string_equal(json, actual);
        }
        golden_compare(out_rel, actual);
}

static char *
default_cmdline(void)
{
        EcivmCmdlineParams p;

        ecivm_cmdline_params_init(&p);
        return ecivm_cmdline_build(&p, NULL);
}

static void
run_build_info_case(const char *base, const char *name)
{
        g_autofree char *env_rel = g_strconcat(base, ".env", NULL);
        g_autofree char *pkg_rel = g_strconcat(base, ".packages", NULL);
        g_autofree char *out_rel = g_strconcat(base, ".out", NULL);
        g_autofree char *env = golden_read(env_rel, NULL);
        g_autofree char *pkgs = golden_read(pkg_rel, NULL);
        g_autoptr(GError) error = NULL;
        g_autoptr(EcivmManifest) m = ecivm_manifest_from_build_info(env, pkgs, NULL, &error);
        g_autofree char *actual = NULL;

        golden_assert_outcome(name, m != NULL, error);
        if (m == NULL) {
                assert_true(g_error_matches(error, ECIVM_ERROR, ECIVM_ERROR_INVALID));
                actual = golden_error_text(error);
        } else {
                actual = ecivm_manifest_to_json(m, &error);
                assert_non_null(actual);
        }
        golden_compare(out_rel, actual);
}

/* The fixtures' cmdline is what the builder makes with default params and
 * the manifest's verity values. */
static void
test_fixture_cmdline_is_default(void **state)
{
        gsize len = 0;
        g_autofree char *json = golden_read("manifest/parse/valid-full.json", &len);
        g_autoptr(EcivmManifest) m = ecivm_manifest_parse(json, len, "valid-full.json", NULL);
        g_autofree char *cmdline = NULL;
        EcivmCmdlineParams p;

        assert_non_null(m);
        ecivm_cmdline_params_init(&p);
        ecivm_manifest_cmdline_params(m, &p);
        cmdline = ecivm_cmdline_build(&p, NULL);
        assert_string_equal(m->cmdline, cmdline);
        assert_int_equal(m->packages->len, 3);
        assert_string_equal(((EcivmManifestPackage *)m->packages->pdata[0])->name, "docker.io");
}

static void
test_cmdline_argument(void **state)
{
        g_autoptr(GError) e1 = NULL;
        g_autoptr(GError) e2 = NULL;
        g_autofree char *env = golden_read("manifest/build-info/full.env", NULL);
        EcivmCmdlineParams p;

        ecivm_cmdline_params_init(&p);
        p.root_device = "";
        assert_null(ecivm_manifest_from_build_info(env, "a 1\n", &p, &e1));
        assert_string_equal(e1->message, "root_device: must not be empty");
        ecivm_cmdline_params_init(&p);
        p.verity_hash_device = "/dev/vdb";
        assert_null(ecivm_manifest_from_build_info(env, "a 1\n", &p, &e2));
        assert_string_equal(e2->message, "verity_hash_device: must differ from root_device and data_device");
}

#define SHA_K "1111111111111111111111111111111111111111111111111111111111111111"
#define SHA_X "2222222222222222222222222222222222222222222222222222222222222222"

static EcivmManifest *
sample(void)
{
        EcivmManifest *m = ecivm_manifest_new();

        m->kernel.path = g_strdup("vmlinuz");
        m->kernel.sha256 = g_strdup(SHA_K);
        m->kernel.release = g_strdup("6.1.0-57-cloud-amd64");
        m->initrd.path = g_strdup("initrd.img");
        m->initrd.sha256 = g_strdup(SHA_X);
        m->root.path = g_strdup("root.erofs");
        m->root.format = g_strdup("erofs");
        m->root.data_blocks = 70757;
        m->root.hash_tree = g_strdup("root.verity");
        m->root.hash_tree_sha256 = g_strdup(SHA_X);
        m->root.verity_root_hash = g_strdup(SHA_K);
        m->root.verity_salt = g_strdup(SHA_X);
        m->cmdline = default_cmdline();
        ecivm_manifest_add_package(m, "docker.io", "20.10.24+dfsg1-1+deb12u1+b6");
        return m;
}

static void
test_check_artifact(void **state)
{
        g_autoptr(EcivmManifest) m = sample();
        g_autoptr(GError) e1 = NULL;
        g_autoptr(GError) e2 = NULL;
        g_autoptr(GError) e3 = NULL;

        assert_true(ecivm_manifest_check_artifact(m, ECIVM_ARTIFACT_KERNEL, SHA_K, NULL));
        assert_false(ecivm_manifest_check_artifact(m, ECIVM_ARTIFACT_KERNEL, SHA_X, &e1));
        assert_true(g_error_matches(e1, ECIVM_ERROR, ECIVM_ERROR_MISMATCH));
        assert_string_equal(e1->message, "kernel: digest mismatch: expected " SHA_K " actual " SHA_X);
        assert_false(ecivm_manifest_check_artifact(m, ECIVM_ARTIFACT_HASH_TREE, SHA_K, &e2));
        assert_string_equal(e2->message, "hashtree: digest mismatch: expected " SHA_X " actual " SHA_K);
        assert_false(ecivm_manifest_check_artifact(m, ECIVM_ARTIFACT_INITRD, "ABC", &e3));
        assert_true(g_error_matches(e3, ECIVM_ERROR, ECIVM_ERROR_INVALID));
        assert_string_equal(e3->message, "initrd: actual digest is not 64 lowercase hex digits");
        assert_true(ecivm_manifest_check_artifact(m, ECIVM_ARTIFACT_INITRD, SHA_X, NULL));
}

static void
test_to_json_refuses_invalid(void **state)
{
        g_autoptr(EcivmManifest) m = sample();
        g_autoptr(GError) e1 = NULL;
        g_autoptr(GError) e2 = NULL;

        g_free(m->root.path);
        m->root.path = g_strdup("../root.erofs");
        assert_null(ecivm_manifest_to_json(m, &e1));
        assert_string_equal(e1->message, "manifest: root.path: expected a plain file name (no '/' or '..')");
        g_free(m->root.path);
        m->root.path = g_strdup("root.erofs");
        ecivm_manifest_add_package(m, "docker.io", "1");
        assert_null(ecivm_manifest_to_json(m, &e2));
        assert_string_equal(e2->message, "manifest: packages[1].name: duplicate package \"docker.io\"");
}

static void
test_load_file(void **state)
{
        g_autofree char *dir = g_dir_make_tmp("ecivm-manifest-XXXXXX", NULL);
        g_autofree char *path = g_build_filename(dir, "manifest.json", NULL);
        g_autofree char *missing = g_build_filename(dir, "nope.json", NULL);
        g_autoptr(EcivmManifest) m = sample();
        g_autofree char *json = ecivm_manifest_to_json(m, NULL);
        g_autoptr(EcivmManifest) loaded = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *kpath = NULL;
        g_autofree char *expected = NULL;

        assert_true(g_file_set_contents(path, json, -1, NULL));
        loaded = ecivm_manifest_load_file(path, &error);
        assert_non_null(loaded);
        assert_string_equal(loaded->dir, dir);
        kpath = ecivm_manifest_artifact_path(loaded, ECIVM_ARTIFACT_KERNEL);
        expected = g_build_filename(dir, "vmlinuz", NULL);
        assert_string_equal(kpath, expected);
        assert_null(ecivm_manifest_load_file(missing, &error));
        assert_true(g_error_matches(error, ECIVM_ERROR, ECIVM_ERROR_IO));
        g_clear_error(&error);
        /* errors name the file */
        assert_true(g_file_set_contents(path, "{\"manifestVersion\": 1}", -1, NULL));
        assert_null(ecivm_manifest_load_file(path, &error));
        g_autofree char *msg = g_strdup_printf("%s: manifestVersion: unsupported version 1 (expected 2)", path);
        assert_string_equal(error->message, msg);
        g_unlink(path);
        g_rmdir(dir);
}

static int
tmp_file_with(const void *data, gsize len)
{
        char tmpl[] = "/tmp/ecivm-digest-XXXXXX";
        int fd = g_mkstemp(tmpl);

        assert_true(fd >= 0);
        g_unlink(tmpl);
        assert_int_equal(write(fd, data, len), (ssize_t)len);
        return fd;
}

static void
test_sha256_known(void **state)
{
        char out[ECIVM_SHA256_HEX_LEN + 1];
        int fd = tmp_file_with("abc", 3);

        assert_true(ecivm_sha256_fd(fd, out, NULL));
        assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        /* from offset 0, whatever the file position; the position is unchanged */
        assert_int_equal(lseek(fd, 0, SEEK_CUR), 3);
        assert_true(ecivm_sha256_fd(fd, out, NULL));
        assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        close(fd);

        fd = tmp_file_with("", 0);
        assert_true(ecivm_sha256_fd(fd, out, NULL));
        assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        close(fd);
}

/* Several 1 MiB chunks plus a tail, against GLib's implementation. */
static void
test_sha256_large(void **state)
{
        gsize len = 2 * 1024 * 1024 + 12345;
        g_autofree guchar *data = g_malloc(len);
        char out[ECIVM_SHA256_HEX_LEN + 1];
        g_autofree char *expected = NULL;
        int fd;

        for (gsize i = 0; i < len; i++)
                data[i] = (guchar)(i * 2654435761u >> 13);
        expected = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
        fd = tmp_file_with(data, len);
        assert_true(ecivm_sha256_fd(fd, out, NULL));
        assert_string_equal(out, expected);
        close(fd);
}

static void
test_sha256_errors(void **state)
{
        char out[ECIVM_SHA256_HEX_LEN + 1];
        int p[2];
        g_autoptr(GError) e1 = NULL;
        g_autoptr(GError) e2 = NULL;
        g_autoptr(GError) e3 = NULL;

        assert_int_equal(pipe(p), 0);
        assert_false(ecivm_sha256_fd(p[0], out, &e1));
        assert_true(g_error_matches(e1, ECIVM_ERROR, ECIVM_ERROR_IO));
        assert_string_equal(e1->message, "sha256: read at offset 0: Illegal seek");
        close(p[0]);
        close(p[1]);
        assert_false(ecivm_sha256_fd(-1, out, &e2));
        assert_string_equal(e2->message, "sha256: read at offset 0: Bad file descriptor");
        assert_false(ecivm_sha256_file("/nonexistent/ecivm", out, &e3));
        assert_string_equal(e3->message, "/nonexistent/ecivm: No such file or directory");
}

int
main(void)
{
        const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_fixture_cmdline_is_default),
                cmocka_unit_test(test_cmdline_argument),
                cmocka_unit_test(test_check_artifact),
                cmocka_unit_test(test_to_json_refuses_invalid),
                cmocka_unit_test(test_load_file),
                cmocka_unit_test(test_sha256_known),
                cmocka_unit_test(test_sha256_large),
                cmocka_unit_test(test_sha256_errors),
        };
        const GoldenCaseSet sets[] = {
                { "manifest/parse", ".json", run_parse_case, 15 },
                { "manifest/build-info", ".env", run_build_info_case, 8 },
        };

        return golden_run_sets("manifest", fixed, G_N_ELEMENTS(fixed), sets, G_N_ELEMENTS(sets));
}
