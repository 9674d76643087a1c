/* QEMU argv builder: golden cases in golden/qemu-argv/.
 * Every <case>.keyfile is laid over base.plan ([plan] keys replace the
 * base's; [unset] keys=a;b removes keys) and built; <case>.out holds the
 * argv one element per line, or "error: <message>".
 * Plan keys: qemu_binary accel(kvm|tcg|other) cpus memory_mib kernel initrd
 * cmdline root_image data_disk console_log control docker (path:P | fd:N)
 * qmp_socket pidfile no_reboot.
 * ECIVM_REGENERATE_GOLDEN=1 rewrites the .out files (see vmm-golden.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vmm-golden.h"

#include "error.h"
#include "qemu-argv.h"
#include "wire.h"

#define G "plan"

static char *
opt_string(GKeyFile *kf, const char *key)
{
        return g_key_file_has_key(kf, G, key, NULL) ? g_key_file_get_string(kf, G, key, NULL) : NULL;
}

static void
set_channel(GKeyFile *kf, const char *key, EcivmChannel *ch)
{
        g_autofree char *v = opt_string(kf, key);

        if (v == NULL)
                return;
        if (g_str_has_prefix(v, "path:"))
                ecivm_channel_set_path(ch, v + 5);
        else if (g_str_has_prefix(v, "fd:"))
                ecivm_channel_set_fd(ch, atoi(v + 3));
        else
                fail_msg("bad channel spec %s", v);
}

static EcivmLaunchPlan *
plan_from_keyfile(GKeyFile *kf)
{
        EcivmLaunchPlan *p = ecivm_launch_plan_new();
        g_autofree char *accel = opt_string(kf, "accel");

        p->qemu_binary = opt_string(kf, "qemu_binary");
        if (g_strcmp0(accel, "kvm") == 0)
                p->accel = ECIVM_ACCEL_KVM;
        else if (g_strcmp0(accel, "tcg") == 0)
                p->accel = ECIVM_ACCEL_TCG;
        else if (accel != NULL)
                p->accel = (EcivmAccel)42;
        if (g_key_file_has_key(kf, G, "cpus", NULL))
                p->cpus = (guint)g_key_file_get_uint64(kf, G, "cpus", NULL);
        if (g_key_file_has_key(kf, G, "memory_mib", NULL))
                p->memory_mib = (guint)g_key_file_get_uint64(kf, G, "memory_mib", NULL);
        p->kernel = opt_string(kf, "kernel");
        p->initrd = opt_string(kf, "initrd");
        p->cmdline = opt_string(kf, "cmdline");
        p->root_image = opt_string(kf, "root_image");
        p->data_disk = opt_string(kf, "data_disk");
        p->verity_hash = opt_string(kf, "verity_hash");
        p->console_log = opt_string(kf, "console_log");
        set_channel(kf, "control", &p->control);
        set_channel(kf, "docker", &p->docker);
        p->qmp_socket = opt_string(kf, "qmp_socket");
        p->pidfile = opt_string(kf, "pidfile");
        if (g_key_file_has_key(kf, G, "no_reboot", NULL))
                p->no_reboot = g_key_file_get_boolean(kf, G, "no_reboot", NULL);
        return p;
}

static GKeyFile *
load_case(const char *base)
{
        g_autofree char *base_path = golden_path("qemu-argv/base.plan");
        g_autofree char *case_rel = g_strconcat(base, ".keyfile", NULL);
        g_autofree char *case_path = golden_path(case_rel);
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GKeyFile) over = g_key_file_new();
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) keys = NULL;
        g_auto(GStrv) unset = NULL;

        if (!g_key_file_load_from_file(kf, base_path, G_KEY_FILE_NONE, &error) ||
            !g_key_file_load_from_file(over, case_path, G_KEY_FILE_NONE, &error))
                fail_msg("%s", error->message);
        keys = g_key_file_get_keys(over, G, NULL, NULL);
        for (char **k = keys; k != NULL && *k != NULL; k++) {
                g_autofree char *v = g_key_file_get_value(over, G, *k, NULL);
                g_key_file_set_value(kf, G, *k, v);
        }
        unset = g_key_file_get_string_list(over, "unset", "keys", NULL, NULL);
        for (char **k = unset; k != NULL && *k != NULL; k++)
                g_key_file_remove_key(kf, G, *k, NULL);
        return g_steal_pointer(&kf);
}

static char *
argv_text(GStrv argv)
{
        g_autofree char *joined = g_strjoinv("\n", argv);

        return g_strconcat(joined, "\n", NULL);
}

static void
run_argv_case(const char *base, const char *name)
{
        g_autoptr(GKeyFile) kf = load_case(base);
        g_autoptr(EcivmLaunchPlan) plan = plan_from_keyfile(kf);
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) argv = ecivm_qemu_argv_build(plan, &error);
        g_autofree char *out_rel = g_strconcat(base, ".out", NULL);
        g_autofree char *actual = NULL;

        golden_assert_outcome(name, argv != NULL, error);
        if (argv != NULL) {
                assert_string_equal(argv[0], plan->qemu_binary);
                actual = argv_text(argv);
        } else {
                assert_true(g_error_matches(error, ECIVM_ERROR, ECIVM_ERROR_INVALID));
                actual = golden_error_text(error);
        }
        golden_compare(out_rel, actual);
}

static EcivmLaunchPlan *
base_plan(void)
{
        g_autofree char *path = golden_path("qemu-argv/base.plan");
        g_autoptr(GKeyFile) kf = g_key_file_new();

        assert_true(g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL));
        return plan_from_keyfile(kf);
}

static gboolean
strv_has(GStrv argv, const char *s)
{
        return g_strv_contains((const char *const *)argv, s);
}

/* Properties that must hold whatever the golden files say. */
static void
test_invariants(void **state)
{
        g_autoptr(EcivmLaunchPlan) plan = base_plan();
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) argv = ecivm_qemu_argv_build(plan, &error);
        g_autofree char *port_ctl = g_strconcat("virtserialport,bus=vser.0,chardev=ctl,name=", WIRE_PORT_CONTROL, NULL);
        g_autofree char *port_dkr = g_strconcat("virtserialport,bus=vser.0,chardev=dkr,name=", WIRE_PORT_DOCKER, NULL);

        assert_non_null(argv);
        assert_true(strv_has(argv, port_ctl));
        assert_true(strv_has(argv, port_dkr));
        assert_true(strv_has(argv, "-nodefaults"));
        assert_true(strv_has(argv, "-nic"));
        assert_true(strv_has(argv, "-no-reboot"));
        /* No host-side input into the guest: no monitor, no stdio, no network. */
        for (char **a = argv; *a != NULL; a++) {
                assert_null(strstr(*a, "stdio"));
                assert_string_not_equal(*a, "-monitor");
                assert_string_not_equal(*a, "-netdev");
                assert_null(strstr(*a, "user,"));
        }
}

/* A ',' in any path is refused and the error names the field. */
static void
test_comma_in_every_path(void **state)
{
        static const struct {
                const char *field;
                gsize offset;
        } fields[] = {
                { "qemu_binary", G_STRUCT_OFFSET(EcivmLaunchPlan, qemu_binary) },
                { "kernel", G_STRUCT_OFFSET(EcivmLaunchPlan, kernel) },
                { "initrd", G_STRUCT_OFFSET(EcivmLaunchPlan, initrd) },
                { "root_image", G_STRUCT_OFFSET(EcivmLaunchPlan, root_image) },
                { "data_disk", G_STRUCT_OFFSET(EcivmLaunchPlan, data_disk) },
                { "verity_hash", G_STRUCT_OFFSET(EcivmLaunchPlan, verity_hash) },
                { "console_log", G_STRUCT_OFFSET(EcivmLaunchPlan, console_log) },
                { "qmp_socket", G_STRUCT_OFFSET(EcivmLaunchPlan, qmp_socket) },
                { "pidfile", G_STRUCT_OFFSET(EcivmLaunchPlan, pidfile) },
                { "control.path", G_STRUCT_OFFSET(EcivmLaunchPlan, control.path) },
                { "docker.path", G_STRUCT_OFFSET(EcivmLaunchPlan, docker.path) },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
                g_autoptr(EcivmLaunchPlan) plan = base_plan();
                g_autoptr(GError) error = NULL;
                g_auto(GStrv) argv = NULL;
                char **slot = G_STRUCT_MEMBER_P(plan, fields[i].offset);
                g_autofree char *expected =
                        g_strdup_printf("%s: path must not contain ',' (QEMU option syntax)", fields[i].field);

                g_free(*slot);
                *slot = g_strdup("/run/x,server=off");
                argv = ecivm_qemu_argv_build(plan, &error);
                assert_null(argv);
                assert_string_equal(error->message, expected);
        }
}

int
main(void)
{
        const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_invariants),
                cmocka_unit_test(test_comma_in_every_path),
        };

        return golden_run("qemu-argv", fixed, G_N_ELEMENTS(fixed), "qemu-argv", ".keyfile", run_argv_case, 10);
}
