/* The service protocol codec and the VM state machine (vmm/api-proto.c,
 * vmm/vm-state.c).  Requests: tests/unit/golden/api-proto/<name>.req -> .out
 * ("id=N method=M params=JSON" or "error: ..."). */
#include "vmm-golden.h"

#include "api-admit.h"
#include "api-proto.h"
#include "error.h"
#include "vm-state.h"

static void request_case(const char *base, const char *name)
{
        g_autofree char *in_rel = g_strconcat(base, ".req", NULL);
        g_autofree char *out_rel = g_strconcat(base, ".out", NULL);
        gsize len;
        g_autofree char *text = golden_read(in_rel, &len);
        g_autoptr(GError) error = NULL;
        g_autoptr(EcivmApiRequest) r = NULL;
        g_autofree char *actual = NULL;
        gint64 id;

        /* the .req file holds one line; its newline is the framing, not JSON */
        if (len > 0 && text[len - 1] == '\n')
                text[--len] = '\0';
        r = ecivm_api_request_parse(text, len, &id, &error);
        golden_assert_outcome(name, r != NULL, error);
        if (r) {
                g_autoptr(JsonNode) pn = json_node_new(JSON_NODE_OBJECT);
                g_autofree char *params = NULL;
                json_node_set_object(pn, r->params);
                params = json_to_string(pn, FALSE);
                actual = g_strdup_printf("id=%" G_GINT64_FORMAT " method=%s params=%s\n", r->id, r->method, params);
        } else {
                actual = g_strdup_printf("id=%" G_GINT64_FORMAT " error: %s\n", id, error->message);
        }
        golden_compare(out_rel, actual);
}

static void test_reply_ok_bytes(void **state)
{
        g_autoptr(JsonNode) n = json_from_string("{\"state\":\"ready\"}", NULL);
        g_autofree char *line = ecivm_api_reply_ok(7, n);
        g_autofree char *empty = ecivm_api_reply_ok(8, NULL);

        assert_string_equal(line, "{\"v\":1,\"id\":7,\"ok\":true,\"result\":{\"state\":\"ready\"}}\n");
        assert_string_equal(empty, "{\"v\":1,\"id\":8,\"ok\":true,\"result\":{}}\n");
}

static void test_reply_error_bytes(void **state)
{
        g_autofree char *line = ecivm_api_reply_error(3, "state", "the VM is ready: stop it first");

        assert_string_equal(line, "{\"v\":1,\"id\":3,\"ok\":false,\"error\":{\"code\":\"state\",\"message\":\"the VM "
                                  "is ready: stop it first\"}}\n");
}

static void test_round_trip(void **state)
{
        g_autoptr(JsonObject) params = json_object_new();
        g_autofree char *req = NULL;
        g_autoptr(EcivmApiRequest) r = NULL;
        g_autoptr(GError) error = NULL;
        gint64 id;

        json_object_set_string_member(params, "accel", "tcg");
        json_object_set_boolean_member(params, "wait", TRUE);
        req = ecivm_api_request_build(42, "start", params);
        assert_true(g_str_has_suffix(req, "\n"));
        r = ecivm_api_request_parse(req, strlen(req) - 1, &id, &error);
        assert_non_null(r);
        assert_int_equal(r->id, 42);
        assert_string_equal(r->method, "start");
        assert_string_equal(json_object_get_string_member(r->params, "accel"), "tcg");
}

static void test_reply_parse(void **state)
{
        const char *ok = "{\"v\":1,\"id\":5,\"ok\":true,\"result\":{\"state\":\"stopped\"}}";
        const char *err = "{\"v\":1,\"id\":6,\"ok\":false,\"error\":{\"code\":\"state\",\"message\":\"busy\"}}";
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonNode) r = NULL;
        gint64 id;

        r = ecivm_api_reply_parse(ok, strlen(ok), &id, &error);
        assert_non_null(r);
        assert_int_equal(id, 5);
        assert_string_equal(json_object_get_string_member(json_node_get_object(r), "state"), "stopped");
        assert_null(ecivm_api_reply_parse(err, strlen(err), &id, &error));
        assert_int_equal(id, 6);
        assert_string_equal(error->message, "busy");
        g_clear_error(&error);
        assert_null(ecivm_api_reply_parse("[1]", 3, &id, &error));
        assert_non_null(error);
}

static void test_error_codes(void **state)
{
        g_autoptr(GError) a = g_error_new(ECIVM_ERROR, ECIVM_ERROR_STATE, "x");
        g_autoptr(GError) b = g_error_new(ECIVM_ERROR, ECIVM_ERROR_INVALID, "x");
        g_autoptr(GError) c = g_error_new(G_IO_ERROR, 0, "x");

        assert_string_equal(ecivm_api_error_code(a), "state");
        assert_string_equal(ecivm_api_error_code(b), "invalid");
        assert_string_equal(ecivm_api_error_code(c), "internal");
}

/* The whole transition table, row by row: "from: allowed targets". */
static void test_state_machine(void **state)
{
        static const char *const expected[] = {
                "stopped: measuring",
                "measuring: booting failed stopped",
                "booting: ready failed stopping degraded",
                "ready: degraded stopping failed",
                "degraded: ready stopping failed measuring stopped",
                "stopping: stopped failed",
                "failed: measuring stopped",
        };
        static const EcivmVmState order[] = { ECIVM_VM_STOPPED,  ECIVM_VM_MEASURING, ECIVM_VM_BOOTING,
                                              ECIVM_VM_READY,    ECIVM_VM_DEGRADED,  ECIVM_VM_STOPPING,
                                              ECIVM_VM_FAILED };

        for (guint f = 0; f < G_N_ELEMENTS(order); f++) {
                g_autoptr(GString) row = g_string_new(ecivm_vm_state_name(order[f]));
                g_string_append_c(row, ':');
                /* targets listed in the order the expectation uses */
                static const EcivmVmState targets[] = { ECIVM_VM_MEASURING, ECIVM_VM_BOOTING,  ECIVM_VM_READY,
                                                        ECIVM_VM_DEGRADED,  ECIVM_VM_STOPPING, ECIVM_VM_FAILED,
                                                        ECIVM_VM_STOPPED };
                g_autoptr(GPtrArray) ok = g_ptr_array_new();
                for (guint t = 0; t < G_N_ELEMENTS(targets); t++)
                        if (ecivm_vm_state_transition_allowed(order[f], targets[t]))
                                g_ptr_array_add(ok, (gpointer) ecivm_vm_state_name(targets[t]));
                /* compare as sets: sort both */
                g_auto(GStrv) want = g_strsplit(strchr(expected[f], ':') + 2, " ", -1);
                assert_int_equal(g_strv_length(want), ok->len);
                for (guint i = 0; want[i]; i++) {
                        gboolean found = FALSE;
                        for (guint j = 0; j < ok->len; j++)
                                found |= g_str_equal(want[i], ok->pdata[j]);
                        if (!found)
                                fail_msg("%s -> %s should be allowed", ecivm_vm_state_name(order[f]), want[i]);
                }
        }
        assert_true(ecivm_vm_state_can_start(ECIVM_VM_FAILED));
        assert_false(ecivm_vm_state_can_start(ECIVM_VM_READY));
        assert_true(ecivm_vm_state_is_settled(ECIVM_VM_READY));
        assert_false(ecivm_vm_state_is_settled(ECIVM_VM_BOOTING));
        assert_string_equal(ecivm_vm_state_name((EcivmVmState) 99), "unknown");
}

/* Who gets a connection: a table of (uid, connected, the uid's own) cases. */
static void test_admission(void **state)
{
        static const EcivmApiLimits l = ECIVM_API_LIMITS_DEFAULT;
        static const struct {
                uid_t uid;
                guint total, same;
                EcivmAdmit want;
        } cases[] = {
                { 1000, 0, 0, ECIVM_ADMIT_OK },
                { 1000, 15, 15, ECIVM_ADMIT_OK },
                { 1000, 16, 16, ECIVM_ADMIT_PER_UID },  /* one user: 16 at most */
                { 1000, 119, 0, ECIVM_ADMIT_OK },
                { 1000, 120, 0, ECIVM_ADMIT_FULL },     /* the last 8 are root's */
                { 1001, 127, 3, ECIVM_ADMIT_FULL },
                { (uid_t) -1, 0, 16, ECIVM_ADMIT_PER_UID }, /* unknown peers share one budget */
                { 0, 120, 0, ECIVM_ADMIT_OK },
                { 0, 127, 100, ECIVM_ADMIT_OK },        /* root: no per-uid limit */
                { 0, 128, 0, ECIVM_ADMIT_FULL },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                EcivmAdmit got = ecivm_api_admit(&l, cases[i].uid, cases[i].total, cases[i].same);
                if (got != cases[i].want)
                        fail_msg("uid %d, %u connected, %u its own: got %d, want %d", (int) cases[i].uid,
                                 cases[i].total, cases[i].same, got, cases[i].want);
        }
        /* 8 users each trying 20 connections fill the 120 shared slots; root still gets its 8 */
        {
                guint total = 0;
                for (uid_t u = 1000; u < 1008; u++)
                        for (guint k = 0; k < 20; k++)
                                if (ecivm_api_admit(&l, u, total, k) == ECIVM_ADMIT_OK)
                                        total++;
                assert_int_equal(total, 120);
                for (guint k = 0; k < l.root_reserved; k++)
                        assert_int_equal(ecivm_api_admit(&l, 0, total++, k), ECIVM_ADMIT_OK);
        }
        {
                g_autofree char *per_uid = ecivm_api_admit_message(ECIVM_ADMIT_PER_UID, &l, 1000);
                g_autofree char *full = ecivm_api_admit_message(ECIVM_ADMIT_FULL, &l, 1000);
                assert_string_equal(per_uid, "too many connections from uid 1000: at most 16 per user (idle ones "
                                             "are closed after 60 s)");
                assert_string_equal(full, "too many connections: all 128 in use (8 of them kept for root)");
        }
}

/* 1000 refusals in one second log 10 lines; the next second's first line says 990 were left out. */
static void test_log_budget(void **state)
{
        EcivmLogBudget b = { 0 };
        const gint64 s = G_USEC_PER_SEC;
        guint logged = 0, quiet = 99;

        for (int i = 0; i < 1000; i++)
                if (ecivm_log_budget_take(&b, 5 * s + i * 100, 10, &quiet))
                        logged++;
        assert_int_equal(logged, 10);
        assert_true(ecivm_log_budget_take(&b, 6 * s, 10, &quiet));
        assert_int_equal(quiet, 990);
        assert_true(ecivm_log_budget_take(&b, 6 * s + 1, 10, &quiet));
        assert_int_equal(quiet, 0);
}

static void test_idle(void **state)
{
        static const EcivmApiLimits l = ECIVM_API_LIMITS_DEFAULT;
        const gint64 s = G_USEC_PER_SEC;

        assert_false(ecivm_api_idle_expired(&l, 59 * s, 0, FALSE));
        assert_true(ecivm_api_idle_expired(&l, 60 * s, 0, FALSE));
        assert_false(ecivm_api_idle_expired(&l, 3600 * s, 0, TRUE)); /* subscribed, waiting, following */
        assert_false(ecivm_api_idle_expired(&(EcivmApiLimits) { .idle_timeout_s = 0 }, 3600 * s, 0, FALSE));
}

int main(void)
{
        const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_reply_ok_bytes), cmocka_unit_test(test_reply_error_bytes),
                cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_reply_parse),
                cmocka_unit_test(test_error_codes),    cmocka_unit_test(test_state_machine),
                cmocka_unit_test(test_admission),      cmocka_unit_test(test_idle),
                cmocka_unit_test(test_log_budget),
        };
        return golden_run("api-proto", fixed, G_N_ELEMENTS(fixed), "api-proto", ".req", request_case, 10);
}
