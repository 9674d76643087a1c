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

int main(void)
{
        const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_digest),
                cmocka_unit_test(test_canonical_json),
        };
        const GoldenCaseSet sets[] = {
                { "settings", ".case", settings_case, 12 },
                { "daemon-options", ".json", options_case, 4 },
        };
        return golden_run_sets("settings", fixed, G_N_ELEMENTS(fixed), sets, G_N_ELEMENTS(sets));
}
