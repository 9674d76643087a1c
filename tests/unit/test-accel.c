/* Accelerator selection: decision table, probe verdicts, cache key, cache file.
 *   golden/accel/decisions.out    every (mode, device, cached verdict) row
 *   golden/accel/cache-key.out    keys for fixed inputs (must never change)
 *   golden/accel/probe/<c>.keyfile -> <c>.out   [probe] console stderr exited
 *                                   status(waitpid) timed_out timeout
 *   golden/accel/cache/<c>.cache   -> <c>.out   parsed entry or error, and
 *                                   what a boot-time lookup makes of it
 * ECIVM_REGENERATE_GOLDEN=1 rewrites the .out files (see vmm-golden.h). */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "vmm-golden.h"

#include "accel.h"
#include "error.h"

static void
test_decision_table(void **state)
{
        static const EcivmAccelMode modes[] = { ECIVM_ACCEL_MODE_AUTO, ECIVM_ACCEL_MODE_KVM, ECIVM_ACCEL_MODE_TCG };
        static const EcivmAccelVerdict verdicts[] = { ECIVM_ACCEL_VERDICT_UNKNOWN, ECIVM_ACCEL_VERDICT_KVM_WORKS,
                                                      ECIVM_ACCEL_VERDICT_KVM_BROKEN };
        g_autoptr(GString) out = g_string_new("# mode device cached -> decision: reason\n");

        for (gsize m = 0; m < G_N_ELEMENTS(modes); m++)
                for (int dev = 1; dev >= 0; dev--)
                        for (gsize v = 0; v < G_N_ELEMENTS(verdicts); v++) {
                                EcivmAccelFacts f = {
                                        .kvm_device_usable = dev,
                                        .cached_verdict = verdicts[v],
                                        .cached_reason = verdicts[v] == ECIVM_ACCEL_VERDICT_KVM_BROKEN
                                                                 ? "KVM internal error. Suberror: 1"
                                                                 : NULL,
                                };
                                g_auto(EcivmAccelDecision) d = ecivm_accel_decide(modes[m], &f);
                                const char *what = d.failed       ? "FAIL"
                                                   : d.need_probe ? "PROBE"
                                                   : d.use_kvm    ? "KVM"
                                                                  : "TCG";

                                assert_non_null(d.reason);
                                assert_false(d.failed && d.need_probe);
                                g_string_append_printf(out, "%s %s %s -> %s: %s\n", ecivm_accel_mode_to_string(modes[m]),
                                                       dev ? "dev" : "nodev",
                                                       ecivm_accel_verdict_to_string(verdicts[v]), what, d.reason);
                        }
        golden_compare("accel/decisions.out", out->str);
}

static void
test_broken_without_reason(void **state)
{
        EcivmAccelFacts f = { .kvm_device_usable = TRUE, .cached_verdict = ECIVM_ACCEL_VERDICT_KVM_BROKEN };
        g_auto(EcivmAccelDecision) d = ecivm_accel_decide(ECIVM_ACCEL_MODE_AUTO, &f);

        assert_false(d.use_kvm);
        assert_string_equal(d.reason, "KVM probe failed earlier: no reason recorded");
}

static void
test_mode_parse(void **state)
{
        static const char *const bad[] = { "KVM", "", "auto ", "hvf" };
        EcivmAccelMode mode = ECIVM_ACCEL_MODE_TCG;

        assert_true(ecivm_accel_mode_parse("auto", &mode, NULL));
        assert_int_equal(mode, ECIVM_ACCEL_MODE_AUTO);
        assert_true(ecivm_accel_mode_parse("kvm", &mode, NULL));
        assert_int_equal(mode, ECIVM_ACCEL_MODE_KVM);
        assert_true(ecivm_accel_mode_parse("tcg", &mode, NULL));
        assert_int_equal(mode, ECIVM_ACCEL_MODE_TCG);
        for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autoptr(GError) error = NULL;
                g_autofree char *expected =
                        g_strdup_printf("accel: unknown mode \"%s\" (expected auto, kvm or tcg)", bad[i]);

                mode = ECIVM_ACCEL_MODE_TCG;
                assert_false(ecivm_accel_mode_parse(bad[i], &mode, &error));
                assert_int_equal(mode, ECIVM_ACCEL_MODE_TCG);
                assert_true(g_error_matches(error, ECIVM_ERROR, ECIVM_ERROR_INVALID));
                assert_string_equal(error->message, expected);
        }
        {
                g_autoptr(GError) error = NULL;
                assert_false(ecivm_accel_mode_parse("a\nb", &mode, &error));
                assert_string_equal(error->message, "accel: unknown mode \"a\\nb\" (expected auto, kvm or tcg)");
        }
}

#define SHA_A "0000000000000000000000000000000000000000000000000000000000000000"
#define SHA_B "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

static void
test_cache_key(void **state)
{
        g_autofree char *k1 = ecivm_accel_cache_key("6.18.44-fc-v669", "7.2.22", SHA_A);
        g_autofree char *k1_again = ecivm_accel_cache_key("6.18.44-fc-v669", "7.2.22", SHA_A);
        g_autofree char *k2 = ecivm_accel_cache_key("6.1.0-57-cloud-amd64", "7.2.22", SHA_A);
        g_autofree char *k3 = ecivm_accel_cache_key("6.18.44-fc-v669", "8.0.0", SHA_A);
        g_autofree char *k4 = ecivm_accel_cache_key("6.18.44-fc-v669", "7.2.22", SHA_B);
        /* The separator makes the join unambiguous. */
        g_autofree char *s1 = ecivm_accel_cache_key("a", "bc", "d");
        g_autofree char *s2 = ecivm_accel_cache_key("ab", "c", "d");
        g_autofree char *text = NULL;

        assert_int_equal(strlen(k1), 64);
        assert_string_equal(k1, k1_again);
        assert_string_not_equal(k1, k2);
        assert_string_not_equal(k1, k3);
        assert_string_not_equal(k1, k4);
        assert_string_not_equal(s1, s2);
        /* Pinned: a change here invalidates every cached verdict in the field. */
        text = g_strdup_printf("%s\n%s\n%s\n", k1, k2, s1);
        golden_compare("accel/cache-key.out", text);
}

static void
run_probe_case(const char *base, const char *name)
{
        g_autofree char *in_rel = g_strconcat(base, ".keyfile", NULL);
        g_autofree char *in_path = golden_path(in_rel);
        g_autofree char *out_rel = g_strconcat(base, ".out", NULL);
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autofree char *console = NULL, *err = NULL, *reason = NULL, *actual = NULL;
        EcivmAccelVerdict v;

        assert_true(g_key_file_load_from_file(kf, in_path, G_KEY_FILE_NONE, NULL));
        console = g_key_file_get_string(kf, "probe", "console", NULL);
        err = g_key_file_get_string(kf, "probe", "stderr", NULL);
        v = ecivm_accel_probe_verdict(console, err, g_key_file_get_boolean(kf, "probe", "exited", NULL),
                                      g_key_file_get_integer(kf, "probe", "status", NULL),
                                      g_key_file_get_boolean(kf, "probe", "timed_out", NULL),
                                      (guint)g_key_file_get_integer(kf, "probe", "timeout", NULL), &reason);
        assert_int_equal(v == ECIVM_ACCEL_VERDICT_KVM_WORKS, g_str_has_prefix(name, "works-"));
        assert_int_equal(reason != NULL, v == ECIVM_ACCEL_VERDICT_KVM_BROKEN);
        actual = g_strdup_printf("verdict=%s\nreason=%s\n", ecivm_accel_verdict_to_string(v),
                                 reason != NULL ? reason : "");
        golden_compare(out_rel, actual);
}

static void
run_cache_case(const char *base, const char *name)
{
        g_autofree char *in_rel = g_strconcat(base, ".cache", NULL);
        g_autofree char *out_rel = g_strconcat(base, ".out", NULL);
        gsize len = 0;
        g_autofree char *text = golden_read(in_rel, &len);
        g_auto(EcivmAccelCacheEntry) e = { 0 };
        g_autoptr(GError) error = NULL;
        g_autoptr(GError) warning = NULL;
        g_autofree char *reason = NULL;
        g_autoptr(GString) out = g_string_new(NULL);
        gboolean ok = ecivm_accel_cache_parse(text, len, &e, &error);
        /* Look up under the entry's own key, or any key when unparseable. */
        const char *key = ok ? e.key : SHA_A;
        EcivmAccelVerdict v = ecivm_accel_cache_lookup(text, len, key, &reason, &warning);

        golden_assert_outcome(name, ok, error);
        if (ok) {
                g_autofree char *again = ecivm_accel_cache_format(&e, NULL);
                g_auto(EcivmAccelCacheEntry) e2 = { 0 };

                /* format(parse(x)) parses to the same entry */
                assert_true(ecivm_accel_cache_parse(again, strlen(again), &e2, NULL));
                assert_string_equal(e.key, e2.key);
                assert_int_equal(e.verdict, e2.verdict);
                assert_string_equal(e.reason != NULL ? e.reason : "", e2.reason != NULL ? e2.reason : "");
                assert_null(warning);
                g_string_append_printf(out, "key=%s\nverdict=%s\nreason=%s\n", e.key,
                                       ecivm_accel_verdict_to_string(e.verdict), e.reason != NULL ? e.reason : "");
        } else {
                g_autofree char *msg = golden_error_text(error);

                /* A malformed cache never blocks boot: unknown, with a warning. */
                assert_int_equal(v, ECIVM_ACCEL_VERDICT_UNKNOWN);
                assert_non_null(warning);
                assert_string_equal(warning->message, error->message);
                g_string_append(out, msg);
        }
        g_string_append_printf(out, "lookup=%s\n", ecivm_accel_verdict_to_string(v));
        golden_compare(out_rel, out->str);
}

static void
test_cache_format_exact(void **state)
{
        EcivmAccelCacheEntry works = { .key = (char *)SHA_B, .verdict = ECIVM_ACCEL_VERDICT_KVM_WORKS };
        EcivmAccelCacheEntry broken = { .key = (char *)SHA_A,
                                        .verdict = ECIVM_ACCEL_VERDICT_KVM_BROKEN,
                                        .reason = (char *)"guest made no progress in 20 s under KVM" };
        EcivmAccelCacheEntry bad = { .key = (char *)"abc", .verdict = ECIVM_ACCEL_VERDICT_KVM_WORKS };
        EcivmAccelCacheEntry unknown = { .key = (char *)SHA_A, .verdict = ECIVM_ACCEL_VERDICT_UNKNOWN };
        g_autofree char *w = ecivm_accel_cache_format(&works, NULL);
        g_autofree char *b = ecivm_accel_cache_format(&broken, NULL);
        g_autoptr(GError) e1 = NULL;
        g_autoptr(GError) e2 = NULL;

        assert_string_equal(w, "[accel]\nkey=" SHA_B "\nverdict=kvm-works\n");
        assert_string_equal(b, "[accel]\nkey=" SHA_A "\nverdict=kvm-broken\n"
                               "reason=guest made no progress in 20 s under KVM\n");
        assert_null(ecivm_accel_cache_format(&bad, &e1));
        assert_string_equal(e1->message, "accel cache: key: expected 64 lowercase hex digits");
        assert_null(ecivm_accel_cache_format(&unknown, &e2));
        assert_string_equal(e2->message, "accel cache: verdict: expected kvm-works or kvm-broken");
}

static void
test_cache_lookup_other_key(void **state)
{
        const char *text = "[accel]\nkey=" SHA_A "\nverdict=kvm-works\n";
        g_autofree char *reason = NULL;
        g_autoptr(GError) warning = NULL;

        assert_int_equal(ecivm_accel_cache_lookup(text, strlen(text), SHA_B, &reason, &warning),
                         ECIVM_ACCEL_VERDICT_UNKNOWN);
        assert_null(warning);
        assert_int_equal(ecivm_accel_cache_lookup(NULL, 0, SHA_B, &reason, &warning), ECIVM_ACCEL_VERDICT_UNKNOWN);
        assert_null(warning);
}

static void
test_cache_file_io(void **state)
{
        g_autofree char *dir = g_dir_make_tmp("ecivm-accel-XXXXXX", NULL);
        g_autofree char *path = g_build_filename(dir, "accel.cache", NULL);
        g_autofree char *missing = g_build_filename(dir, "nope", NULL);
        EcivmAccelCacheEntry broken = { .key = (char *)SHA_A,
                                        .verdict = ECIVM_ACCEL_VERDICT_KVM_BROKEN,
                                        .reason = (char *)"KVM internal error. Suberror: 1\nsecond line" };
        g_autofree char *reason = NULL;
        g_autoptr(GError) warning = NULL;
        g_autoptr(GError) error = NULL;

        assert_non_null(dir);
        /* missing file: unknown, no warning */
        assert_int_equal(ecivm_accel_cache_load(missing, SHA_A, &reason, &warning), ECIVM_ACCEL_VERDICT_UNKNOWN);
        assert_null(warning);
        /* round trip (a newline in the reason survives the keyfile escaping) */
        assert_true(ecivm_accel_cache_save(path, &broken, &error));
        assert_int_equal(ecivm_accel_cache_load(path, SHA_A, &reason, &warning), ECIVM_ACCEL_VERDICT_KVM_BROKEN);
        assert_null(warning);
        assert_string_equal(reason, broken.reason);
        g_clear_pointer(&reason, g_free);
        /* malformed: unknown with a warning naming the file */
        assert_true(g_file_set_contents(path, "[accel\nkey=", -1, NULL));
        assert_int_equal(ecivm_accel_cache_load(path, SHA_A, &reason, &warning), ECIVM_ACCEL_VERDICT_UNKNOWN);
        assert_non_null(warning);
        assert_true(g_str_has_prefix(warning->message, path));
        assert_null(reason);
        /* a directory cannot be read: unknown with an I/O warning */
        g_clear_error(&warning);
        assert_int_equal(ecivm_accel_cache_load(dir, SHA_A, &reason, &warning), ECIVM_ACCEL_VERDICT_UNKNOWN);
        assert_true(g_error_matches(warning, ECIVM_ERROR, ECIVM_ERROR_IO));
        g_unlink(path);
        g_rmdir(dir);
}

int
main(void)
{
        const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_decision_table),
                cmocka_unit_test(test_broken_without_reason),
                cmocka_unit_test(test_mode_parse),
                cmocka_unit_test(test_cache_key),
                cmocka_unit_test(test_cache_format_exact),
                cmocka_unit_test(test_cache_lookup_other_key),
                cmocka_unit_test(test_cache_file_io),
        };
        const GoldenCaseSet sets[] = {
                { "accel/probe", ".keyfile", run_probe_case, 8 },
                { "accel/cache", ".cache", run_cache_case, 8 },
        };

        return golden_run_sets("accel", fixed, G_N_ELEMENTS(fixed), sets, G_N_ELEMENTS(sets));
}
