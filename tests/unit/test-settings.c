/* Settings (vmm/settings.c) and the dockerd options policy
 * (vmm/daemon-options.c) on golden files.
 *
 * tests/unit/golden/settings/<name>.case holds sections:
 *   ## admin            the admin file's text (absent: no admin file)
 *   ## user             the user file's text
 *   ## set KEY VALUE    a `settings set` (VALUE: rest of the line)
 *   ## reset [KEY]
 *   ## refuse set ...   (or refuse reset ...) an operation that must fail;
 *                       every other must succeed
 * <name>.out gets each set/reset outcome, then the effective settings
 * (settings show --json), the user file's text and the canonical form, or
 * "error: ..." when a file is refused.  Defaults: 2 cpus, 1536 MiB, 16 GiB.
 *
 * tests/unit/golden/daemon-options/<name>.json -> .out: the filtered options
 * (user policy, then the ECI-locked policy) and the refused keys.  The name
 * says the outcome: keep-* (no key refused), strip-* (a key refused under
 * both policies), strip-locked-* (refused only when ECI is locked), refuse-*
 * (the whole text refused). */
#include "vmm-golden.h"

#include "daemon-options.h"
#include "error.h"
#include "settings.h"
#include "settings-guest.h"
#include "launch-plan.h"
#include "qemu-argv.h"
#include "user-input.h"

static const EcivmSettingsDefaults defaults = { 2, 1536, 16384 };

typedef struct {
        GString *admin, *user;
        GPtrArray *ops; /* "set KEY VALUE" / "reset [KEY]" */
} Case;

static void parse_case(const char *text, Case *c)
{
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        GString *cur = NULL;

        for (char **l = lines; *l; l++) {
                if (g_str_has_prefix(*l, "## admin")) {
                        cur = c->admin = g_string_new(NULL);
                } else if (g_str_has_prefix(*l, "## user")) {
                        cur = c->user = g_string_new(NULL);
                } else if (g_str_has_prefix(*l, "## ")) {
                        g_ptr_array_add(c->ops, g_strdup(*l + 3));
                        cur = NULL;
                } else if (cur) {
                        g_string_append(cur, *l);
                        g_string_append_c(cur, '\n');
                }
        }
}

/* What the guest gets: the SETTINGS body as on the wire. */
static void append_guest_message(GString *out, const EcivmSettings *s)
{
        g_autofree struct wire_control *m = g_new0(struct wire_control, 1);
        g_autofree guint8 *buf = g_malloc(5 + WIRE_CONTROL_MAX_BODY);
        g_autoptr(GError) error = NULL;
        ssize_t n;

        if (!ecivm_settings_guest_message(s, m, &error)) {
                g_string_append_printf(out, "guest: error: %s\n", error->message);
                return;
        }
        n = wire_control_encode(m, buf, 5 + WIRE_CONTROL_MAX_BODY);
        assert_true(n >= 5);
        g_string_append_printf(out, "guest:\n%.*s", (int) n - 5, (const char *) buf + 5);
}

static void settings_case(const char *base, const char *name)
{
        g_autofree char *in_rel = g_strconcat(base, ".case", NULL);
        g_autofree char *out_rel = g_strconcat(base, ".out", NULL);
        g_autofree char *text = golden_read(in_rel, NULL);
        g_autoptr(GString) out = g_string_new(NULL);
        g_autoptr(GError) error = NULL;
        g_autoptr(EcivmSettingsFile) admin = NULL, user = NULL;
        g_autoptr(EcivmSettings) s = NULL;
        g_autoptr(JsonNode) shown = NULL;
        g_autofree char *json = NULL, *user_text = NULL, *canon = NULL;
        Case c = { .ops = g_ptr_array_new_with_free_func(g_free) };
        gboolean ok = TRUE;

        parse_case(text, &c);
        admin = c.admin ? ecivm_settings_file_parse(c.admin->str, c.admin->len, TRUE, "admin-settings.json", &error)
                        : ecivm_settings_file_new(TRUE);
        if (admin)
                user = c.user ? ecivm_settings_file_parse(c.user->str, c.user->len, FALSE, "user-settings.json",
                                                          &error)
                              : ecivm_settings_file_new(FALSE);
        if (!admin || !user) {
                ok = FALSE;
                g_string_append_printf(out, "error: %s\n", error->message);
        }
        for (guint i = 0; ok && i < c.ops->len; i++) {
                const char *op = c.ops->pdata[i];
                gboolean must_fail = g_str_has_prefix(op, "refuse ");
                const char *cmd = must_fail ? op + strlen("refuse ") : op;
                g_autoptr(GError) e = NULL;
                gboolean r;

                if (g_str_has_prefix(cmd, "set ")) {
                        g_auto(GStrv) kv = g_strsplit(cmd + 4, " ", 2);
                        r = ecivm_settings_user_set(user, admin, kv[0], kv[1] ? kv[1] : "", &e);
                } else {
                        const char *key = cmd[5] == ' ' ? cmd + 6 : NULL;

                        assert_true(g_str_has_prefix(cmd, "reset"));
                        r = ecivm_settings_user_reset(user, key, &e);
                }
                if (r == must_fail)
                        fail_msg("%s: \"%s\" must %s", name, op,
                                 must_fail ? "be refused but succeeded" : "succeed but failed");
                g_string_append_printf(out, "%s -> %s\n", op, r ? "ok" : e->message);
        }
        if (ok) {
                s = ecivm_settings_merge(admin, user, &defaults);
                shown = ecivm_settings_to_json(s);
                json = json_to_string(shown, TRUE);
                user_text = ecivm_settings_user_to_text(user);
                canon = ecivm_settings_canonical(s);
                g_string_append_printf(out, "%s\nuser file: %scanonical: %s\n", json, user_text, canon);
                append_guest_message(out, s);
        }
        golden_assert_outcome(name, ok, error);
        golden_compare(out_rel, out->str);
        if (c.admin)
                g_string_free(c.admin, TRUE);
        if (c.user)
                g_string_free(c.user, TRUE);
        g_ptr_array_unref(c.ops);
}

static void options_case(const char *base, const char *name)
{
        g_autofree char *in_rel = g_strconcat(base, ".json", NULL);
        g_autofree char *out_rel = g_strconcat(base, ".out", NULL);
        g_autofree char *text = golden_read(in_rel, NULL);
        g_autoptr(GString) out = g_string_new(NULL);
        g_autoptr(GError) error = NULL;
        gboolean ok = TRUE;

        guint n_refused[2] = { 0, 0 };

        for (int locked = 0; locked < 2 && ok; locked++) {
                EcivmDaemonOptionsPolicy policy = { .eci_locked = locked };
                g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func(g_free);
                g_autofree char *kept = ecivm_daemon_options_filter(text, &policy, refused, &error);

                if (!kept) {
                        ok = FALSE;
                        g_string_append_printf(out, "error: %s\n", error->message);
                        break;
                }
                n_refused[locked] = refused->len;
                g_string_append_printf(out, "%s: %s\n", locked ? "eci-locked" : "user", kept);
                for (guint i = 0; i < refused->len; i++)
                        g_string_append_printf(out, "  refused %s\n", (char *) refused->pdata[i]);
        }
        golden_assert_outcome(name, ok, error);
        if (g_str_has_prefix(name, "keep-")) {
                assert_int_equal(n_refused[0], 0);
                assert_int_equal(n_refused[1], 0);
        } else if (g_str_has_prefix(name, "strip-locked-")) {
                assert_int_equal(n_refused[0], 0);
                assert_true(n_refused[1] > 0);
        } else if (g_str_has_prefix(name, "strip-")) {
                assert_true(n_refused[0] > 0);
                assert_true(n_refused[1] > 0);
        } else if (!g_str_has_prefix(name, "refuse-")) {
                fail_msg("daemon-options case %s: the name must start with keep-, strip-, strip-locked- or refuse-",
                         name);
        }
        golden_compare(out_rel, out->str);
}

/* Same effective settings, same digest; any change, another digest. */
static void test_digest(void **state)
{
        g_autoptr(EcivmSettingsFile) admin = ecivm_settings_file_new(TRUE);
        g_autoptr(EcivmSettingsFile) user = ecivm_settings_file_new(FALSE);
        g_autoptr(EcivmSettings) a = ecivm_settings_merge(admin, user, &defaults);
        g_autoptr(EcivmSettings) b = NULL;
        g_autofree char *da = ecivm_settings_digest(a), *db = NULL, *dc = NULL;
        g_autoptr(GError) error = NULL;

        assert_int_equal(strlen(da), 64);
        b = ecivm_settings_merge(admin, user, &defaults);
        db = ecivm_settings_digest(b);
        assert_string_equal(da, db);
        assert_true(ecivm_settings_user_set(user, admin, "cpus", "3", &error));
        g_clear_pointer(&b, ecivm_settings_free);
        b = ecivm_settings_merge(admin, user, &defaults);
        dc = ecivm_settings_digest(b);
        assert_string_not_equal(da, dc);
}

static void test_canonical_json(void **state)
{
        g_autoptr(JsonNode) n = json_from_string("{\"b\": [1, 2.5, \"x\\n\"], \"a\": {\"d\": null, \"c\": true}}", NULL);
        g_autofree char *c = ecivm_json_canonical(n);

        assert_string_equal(c, "{\"a\":{\"c\":true,\"d\":null},\"b\":[1,2.5,\"x\\u000a\"]}");
}

/* The launch plan QEMU would get for the effective settings S. */
static gboolean plan_builds(const EcivmSettings *s, GError **error)
{
        g_autoptr(EcivmLaunchPlan) p = ecivm_launch_plan_new();
        g_auto(GStrv) argv = NULL;

        p->qemu_binary = g_strdup("/usr/bin/qemu-system-x86_64");
        p->cpus = s->cpus;
        p->memory_mib = s->memory_mib;
        p->kernel = g_strdup("/k");
        p->initrd = g_strdup("/i");
        p->cmdline = g_strdup("console=ttyS0");
        p->root_image = g_strdup("/r");
        p->data_disk = g_strdup("/d");
        p->console_log = g_strdup("/c");
        ecivm_channel_set_path(&p->control, "/control.sock");
        ecivm_channel_set_path(&p->docker, "/docker.sock");
        argv = ecivm_qemu_argv_build(p, error);
        return argv != NULL;
}

/* Every integer setting: its range is the launch plan's.  The ends are
 * accepted by `settings set` and boot (the plan builds); one past either
 * end is refused by `settings set` and by the files. */
static void test_ranges_match_launch_plan(void **state)
{
        static const struct {
                EcivmSettingKey key;
                gint64 min, max;
        } plan[] = {
                { ECIVM_SETTING_CPUS, ECIVM_PLAN_CPUS_MIN, ECIVM_PLAN_CPUS_MAX },
                { ECIVM_SETTING_MEMORY_MIB, ECIVM_PLAN_MEMORY_MIN_MIB, ECIVM_PLAN_MEMORY_MAX_MIB },
                { ECIVM_SETTING_DISK_SIZE_MIB, ECIVM_PLAN_DATA_DISK_MIN_MIB, ECIVM_PLAN_DATA_DISK_MAX_MIB },
        };
        guint n_int = 0;

        for (int k = 0; k < ECIVM_SETTING_COUNT; k++) {
                gint64 lo, hi;
                if (ecivm_setting_range((EcivmSettingKey) k, &lo, &hi))
                        n_int++;
        }
        assert_int_equal(n_int, G_N_ELEMENTS(plan)); /* a new integer setting needs a plan range here */
        for (gsize i = 0; i < G_N_ELEMENTS(plan); i++) {
                const char *name = ecivm_setting_name(plan[i].key);
                gint64 lo, hi;

                assert_true(ecivm_setting_range(plan[i].key, &lo, &hi));
                assert_int_equal(lo, plan[i].min);
                assert_int_equal(hi, plan[i].max);
                for (gint64 v = lo - 1; v <= hi + 1; v += (v == lo - 1 || v == hi) ? 1 : hi - lo) {
                        g_autoptr(EcivmSettingsFile) admin = ecivm_settings_file_new(TRUE);
                        g_autoptr(EcivmSettingsFile) user = ecivm_settings_file_new(FALSE);
                        g_autoptr(EcivmSettingsFile) file = NULL;
                        g_autoptr(EcivmSettings) s = NULL;
                        g_autoptr(GError) error = NULL, ferror = NULL;
                        g_autofree char *text = g_strdup_printf("%" G_GINT64_FORMAT, v);
                        g_autofree char *json = g_strdup_printf("{\"%s\": %s}", name, text);
                        gboolean in_range = v >= lo && v <= hi;
                        gboolean ok = ecivm_settings_user_set(user, admin, name, text, &error);

                        file = ecivm_settings_file_parse(json, strlen(json), FALSE, "user-settings.json", &ferror);
                        if (ok != in_range || (file != NULL) != in_range)
                                fail_msg("%s %s: settings set %s, the user file %s", name, text,
                                         ok ? "accepted" : "refused", file ? "accepted" : "refused");
                        if (!in_range)
                                continue;
                        s = ecivm_settings_merge(admin, user, &defaults);
                        if (!plan_builds(s, &error))
                                fail_msg("%s %s accepted but the launch plan refuses it: %s", name, text,
                                         error->message);
                }
        }
}

/* Client input in a log line: one line, bounded, control characters shown. */
static void test_escape_bounded(void **state)
{
        static const struct {
                const char *in;
                gssize len;
                gsize max;
                const char *out;
        } cases[] = {
                { "ping", -1, 200, "ping" },
                { "a\nb\r\tc\x7f", -1, 200, "a\\x0ab\\x0d\\x09c\\x7f" },
                { "x\0y", 3, 200, "x\\x00y" },
                { "caf\xc3\xa9", -1, 200, "caf\xc3\xa9" },
                { "bad\xff\xc3", -1, 200, "bad\\xff\\xc3" },
                { "c1\xc2\x85", -1, 200, "c1\\xc2\\x85" },
                { "ls\xe2\x80\xa8 rlo\xe2\x80\xae", -1, 200, "ls\\xe2\\x80\\xa8 rlo\\xe2\\x80\\xae" },
                { "already \\x0a", -1, 200, "already \\x0a" },
                { "abcdef", -1, 4, "abcd...(6 bytes)" },
                { "\xc3\xa9\xc3\xa9\xc3\xa9", -1, 3, "\xc3\xa9\xc3\xa9...(6 bytes)" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *out = ecivm_escape_bounded(cases[i].in, cases[i].len, cases[i].max);
                assert_string_equal(out, cases[i].out);
        }
        {
                g_autofree char *big = g_malloc(65536);
                g_autofree char *out = NULL;

                memset(big, '\n', 65536);
                out = ecivm_escape_bounded(big, 65536, ECIVM_LOG_INPUT_MAX);
                assert_null(strchr(out, '\n'));
                assert_true(strlen(out) < 4 * ECIVM_LOG_INPUT_MAX + 32);
                assert_non_null(strstr(out, "...(65536 bytes)"));
        }
}

/* The strict JSON check on its own: what json-glib lets through. */
static void test_json_strict(void **state)
{
        static const struct {
                const char *text;
                const char *error; /* NULL: accepted */
        } cases[] = {
                { "{\"a\":[1,-2,0.5,1e3,true,false,null,\"\\u00e9\\n\"]}", NULL },
                { "{\"a\":{\"a\":1},\"b\":{\"a\":2}}", NULL },
                { "\"ping\\u0000x\"", "a string with an embedded NUL (\\u0000)" },
                { "{\"cpus\\u0000x\":1}", "cpus\\x00x: a key with an embedded NUL (\\u0000)" },
                { "{\"a\":{\"b\":[\"x\",\"y\\u0000\"]}}", "a.b[1]: a string with an embedded NUL (\\u0000)" },
                { "{\"n\":0x400}", "n: \"0x400\" is not a decimal JSON number" },
                { "{\"n\":010}", "n: \"010\" is not a decimal JSON number" },
                { "{\"n\":+1}", "n: \"+1\" is not a decimal JSON number" },
                { "{\"n\":.5}", "n: \".5\" is not a decimal JSON number" },
                { "{\"debug\":true,\"debug\":\"yes\"}", "debug: duplicate key" },
                { "{\"d\\u0065bug\":1,\"debug\":2}", "debug: duplicate key" },
                { "{\"a\":1} x", "not JSON (text after the value)" },
                { "\"a\tb\"", "a control character in a string (escape it)" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(GError) error = NULL;
                gboolean ok = ecivm_json_strict_check(cases[i].text, strlen(cases[i].text), &error);

                if (ok != (cases[i].error == NULL))
                        fail_msg("%s: %s", cases[i].text, ok ? "accepted" : error->message);
                if (!ok)
                        assert_string_equal(error->message, cases[i].error);
        }
        {
                GString *deep = g_string_new(NULL);
                g_autoptr(GError) error = NULL;

                for (int i = 0; i < 1000; i++)
                        g_string_append_c(deep, '[');
                assert_false(ecivm_json_strict_check(deep->str, deep->len, &error));
                assert_non_null(strstr(error->message, "nested deeper"));
                g_string_free(deep, TRUE);
        }
}

int main(void)
{
        const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_digest),
                cmocka_unit_test(test_canonical_json),
                cmocka_unit_test(test_ranges_match_launch_plan),
                cmocka_unit_test(test_escape_bounded),
                cmocka_unit_test(test_json_strict),
        };
        const GoldenCaseSet sets[] = {
                { "settings", ".case", settings_case, 12 },
                { "daemon-options", ".json", options_case, 4 },
        };
        return golden_run_sets("settings", fixed, G_N_ELEMENTS(fixed), sets, G_N_ELEMENTS(sets));
}
