/* Kernel command line builder: golden cases in golden/cmdline/.
 * <case>.keyfile ([cmdline] root_device, rootfstype, data_device,
 * dockerd_iptables, heartbeat_seconds, probe, quiet; absent keys keep the
 * defaults) -> <case>.out (the command line, or "error: <message>").
 * ECIVM_REGENERATE_GOLDEN=1 rewrites the .out files (see vmm-golden.h). */
#include "config.h"

#include <string.h>

#include "vmm-golden.h"

#include "cmdline.h"
#include "error.h"

static void
run_cmdline_case(const char *base, const char *name)
{
        g_autofree char *in_path = NULL;
        g_autofree char *out_rel = g_strconcat(base, ".out", NULL);
        g_autofree char *in_rel = g_strconcat(base, ".keyfile", NULL);
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GError) error = NULL;
        g_autofree char *root = NULL, *fstype = NULL, *data = NULL;
        g_autofree char *vhash = NULL, *vsalt = NULL, *vdev = NULL;
        g_autofree char *result = NULL;
        g_autofree char *actual = NULL;
        EcivmCmdlineParams p;

        in_path = golden_path(in_rel);
        assert_true(g_key_file_load_from_file(kf, in_path, G_KEY_FILE_NONE, &error));
        ecivm_cmdline_params_init(&p);
#define BOOL(key)                                                                \
        if (g_key_file_has_key(kf, "cmdline", #key, NULL))                       \
                p.key = g_key_file_get_boolean(kf, "cmdline", #key, NULL);
        if (g_key_file_has_key(kf, "cmdline", "root_device", NULL)) {
                root = g_key_file_get_string(kf, "cmdline", "root_device", NULL);
                p.root_device = root;
        }
        if (g_key_file_has_key(kf, "cmdline", "rootfstype", NULL)) {
                fstype = g_key_file_get_string(kf, "cmdline", "rootfstype", NULL);
                p.rootfstype = fstype;
        }
        if (g_key_file_has_key(kf, "cmdline", "data_device", NULL)) {
                data = g_key_file_get_string(kf, "cmdline", "data_device", NULL);
                p.data_device = data;
        }
        BOOL(dockerd_iptables)
        BOOL(probe)
        BOOL(quiet)
        if (g_key_file_has_key(kf, "cmdline", "heartbeat_seconds", NULL))
                p.heartbeat_seconds = (guint)g_key_file_get_uint64(kf, "cmdline", "heartbeat_seconds", NULL);
        if (g_key_file_has_key(kf, "cmdline", "verity_root_hash", NULL))
                p.verity_root_hash = vhash = g_key_file_get_string(kf, "cmdline", "verity_root_hash", NULL);
        if (g_key_file_has_key(kf, "cmdline", "verity_salt", NULL))
                p.verity_salt = vsalt = g_key_file_get_string(kf, "cmdline", "verity_salt", NULL);
        if (g_key_file_has_key(kf, "cmdline", "verity_hash_device", NULL))
                p.verity_hash_device = vdev = g_key_file_get_string(kf, "cmdline", "verity_hash_device", NULL);
        if (g_key_file_has_key(kf, "cmdline", "verity_data_blocks", NULL))
                p.verity_data_blocks = g_key_file_get_uint64(kf, "cmdline", "verity_data_blocks", NULL);
#undef BOOL

        result = ecivm_cmdline_build(&p, &error);
        golden_assert_outcome(name, result != NULL, error);
        if (result != NULL) {
                assert_true(g_str_has_prefix(result, ECIVM_CMDLINE_FIXED " "));
                assert_null(strstr(result, "init="));
                actual = g_strconcat(result, "\n", NULL);
        } else {
                assert_true(g_error_matches(error, ECIVM_ERROR, ECIVM_ERROR_INVALID));
                actual = golden_error_text(error);
        }
        golden_compare(out_rel, actual);
}

/* The defaults are what the images are built for; pin them here too. */
static void
test_defaults(void **state)
{
        EcivmCmdlineParams p;
        g_autoptr(GError) error = NULL;
        g_autofree char *s = NULL;

        ecivm_cmdline_params_init(&p);
        s = ecivm_cmdline_build(&p, &error);
        assert_non_null(s);
        assert_string_equal(s, "console=ttyS0 panic=-1 apparmor=0 lockdown=integrity module.sig_enforce=1 "
                               "ecivm.root=/dev/vda ecivm.rootfstype=erofs ecivm.data=/dev/vdb "
                               "ecivm.heartbeat=5 quiet");
}

/* Every byte outside the allowed set is refused in every string field. */
static void
test_every_forbidden_byte(void **state)
{
        for (int c = 1; c < 256; c++) {
                gboolean allowed = g_ascii_isalnum(c) || c == '/' || c == '_' || c == '.' || c == '-';
                char dev[] = "/dev/vdX";
                char fs[] = "erofX";
                EcivmCmdlineParams p;
                g_autoptr(GError) e1 = NULL;
                g_autoptr(GError) e2 = NULL;
                g_autofree char *r1 = NULL;
                g_autofree char *r2 = NULL;

                if (c == 'a')
                        continue; /* "/dev/vda" is the root device */
                dev[7] = (char)c;
                fs[4] = (char)c;
                ecivm_cmdline_params_init(&p);
                p.data_device = dev;
                r1 = ecivm_cmdline_build(&p, &e1);
                assert_int_equal(r1 != NULL, allowed);
                ecivm_cmdline_params_init(&p);
                p.rootfstype = fs;
                r2 = ecivm_cmdline_build(&p, &e2);
                assert_int_equal(r2 != NULL, allowed && c != '/');
                if (e1 != NULL)
                        assert_true(g_str_has_prefix(e1->message, "data_device: "));
                if (e2 != NULL)
                        assert_true(g_str_has_prefix(e2->message, "rootfstype: "));
        }
}

static void
test_null_field(void **state)
{
        EcivmCmdlineParams p;
        g_autoptr(GError) error = NULL;
        g_autofree char *s = NULL;

        ecivm_cmdline_params_init(&p);
        p.root_device = NULL;
        s = ecivm_cmdline_build(&p, &error);
        assert_null(s);
        assert_string_equal(error->message, "root_device: must not be empty");
}

int
main(void)
{
        const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_every_forbidden_byte),
                cmocka_unit_test(test_null_field),
        };

        return golden_run("cmdline", fixed, G_N_ELEMENTS(fixed), "cmdline", ".keyfile", run_cmdline_case, 10);
}
