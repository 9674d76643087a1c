#include <string.h>

#include "attest-verify.h"
#include "attest.h"
#include "error.h"
#include "eventlog.h"
#include "manifest.h"
#include "sign.h"

typedef struct {
        const EcivmAttestVerifyInput *in;
        EcivmAttestReport *report;
        char *payload; /* the signed bytes */
        gsize payload_len;
        char *signature, *key_id;
        JsonParser *parser; /* owns the payload tree */
        JsonObject *top, *ev;
        EcivmEventLog *log;
        EcivmManifest *manifest;
} Run;

static void check_free(gpointer p)
{
        EcivmAttestCheck *c = p;

        g_free(c->name);
        g_free(c->detail);
        g_free(c);
}

void ecivm_attest_report_free(EcivmAttestReport *r)
{
        if (!r)
                return;
        g_ptr_array_unref(r->checks);
        g_free(r->instance);
        g_free(r->nonce);
        if (r->evidence)
                json_node_unref(r->evidence);
        g_free(r);
}

const char *ecivm_check_result_name(EcivmCheckResult r)
{
        return r == ECIVM_CHECK_PASS ? "pass" : r == ECIVM_CHECK_SKIP ? "skip" : "FAIL";
}

G_GNUC_PRINTF(4, 5)
static gboolean record(Run *run, const char *name, EcivmCheckResult result, const char *fmt, ...)
{
        EcivmAttestCheck *c = g_new0(EcivmAttestCheck, 1);
        va_list ap;

        va_start(ap, fmt);
        c->detail = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        c->name = g_strdup(name);
        c->result = result;
        g_ptr_array_add(run->report->checks, c);
        if (result == ECIVM_CHECK_FAIL && !run->report->first_failure) {
                run->report->first_failure = c->name;
                run->report->ok = FALSE;
        }
        return result != ECIVM_CHECK_FAIL;
}

#define PASS(name, ...) record(run, name, ECIVM_CHECK_PASS, __VA_ARGS__)
#define FAIL(name, ...) record(run, name, ECIVM_CHECK_FAIL, __VA_ARGS__)
#define SKIP(name, ...) record(run, name, ECIVM_CHECK_SKIP, __VA_ARGS__)

static const char *str_member(JsonObject *o, const char *name)
{
        JsonNode *n = o ? json_object_get_member(o, name) : NULL;

        if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
                return NULL;
        return json_node_get_string(n);
}

static gboolean only_members(JsonObject *o, const char *const *allowed, const char **ret_bad)
{
        g_autoptr(GList) names = json_object_get_members(o);

        for (GList *l = names; l; l = l->next)
                if (!g_strv_contains(allowed, l->data)) {
                        *ret_bad = l->data;
                        return FALSE;
                }
        return TRUE;
}

static JsonParser *parse_json(const char *text, gsize len, char **ret_why)
{
        g_autoptr(JsonParser) p = json_parser_new_immutable();
        g_autoptr(GError) error = NULL;

        if (!json_parser_load_from_data(p, text, (gssize) len, &error)) {
                *ret_why = g_strdup(error->message);
                return NULL;
        }
        if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
                *ret_why = g_strdup("not a JSON object");
                return NULL;
        }
        return g_steal_pointer(&p);
}

static gboolean b64_ok(const char *s)
{
        return s && *s &&
               strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == strlen(s) &&
               strlen(s) % 4 == 0;
}

static gboolean check_document(Run *run)
{
        static const char *const members[] = { "payloadType", "payload", "signature", "keyId", NULL };
        g_autofree char *why = NULL;
        g_autoptr(JsonParser) p = NULL;
        const char *bad = NULL, *payload;
        JsonObject *o;

        if (run->in->document_len > ECIVM_ATTEST_DOC_MAX)
                return FAIL("document", "larger than %d bytes", ECIVM_ATTEST_DOC_MAX);
        p = parse_json(run->in->document, run->in->document_len, &why);
        if (!p)
                return FAIL("document", "not a JSON document: %s", why);
        o = json_node_get_object(json_parser_get_root(p));
        if (!only_members(o, members, &bad))
                return FAIL("document", "unknown member \"%s\"", bad);
        if (g_strcmp0(str_member(o, "payloadType"), ECIVM_ATTEST_PAYLOAD_TYPE) != 0)
                return FAIL("document", "payloadType: expected \"%s\"", ECIVM_ATTEST_PAYLOAD_TYPE);
        payload = str_member(o, "payload");
        if (!b64_ok(payload) || !str_member(o, "signature") || !str_member(o, "keyId"))
                return FAIL("document", "payload (base64), signature and keyId are required strings");
        run->payload = (char *) g_base64_decode(payload, &run->payload_len);
        run->payload = g_realloc(run->payload, run->payload_len + 1);
        run->payload[run->payload_len] = '\0';
        if (run->payload_len == 0 || strlen(run->payload) != run->payload_len)
                return FAIL("document", "payload: empty or contains a NUL byte");
        run->signature = g_strdup(str_member(o, "signature"));
        run->key_id = g_strdup(str_member(o, "keyId"));
        return PASS("document", "%s, %" G_GSIZE_FORMAT " payload bytes", ECIVM_ATTEST_PAYLOAD_TYPE, run->payload_len);
}

static gboolean check_signature(Run *run)
{
        g_autoptr(GError) error = NULL;

        if (!ecivm_sign_verify_pem(run->in->key_pem, "document", run->payload, run->payload_len, run->signature,
                                   &error))
                return FAIL("signature", "%s", error->message);
        return PASS("signature", "Ed25519 over the payload bytes (document names key %s)", run->key_id);
}

/* Every member of WIRE_EVIDENCE_FIELDS and WIRE_EVIDENCE_DERIVED, no other:
 * the lines are strings, daemonJson, its digest and the default runtime
 * strings or null, runtimes an array of strings. */
static gboolean evidence_member_ok(JsonObject *ev, enum wire_evidence_member m)
{
        const char *name = wire_evidence_members[m].json;
        JsonNode *n = json_object_get_member(ev, name);
        JsonArray *a;

        switch (m) {
        case WIRE_EVIDENCE_DAEMON_JSON:
        case WIRE_EVIDENCE_DAEMON_JSON_SHA256:
        case WIRE_EVIDENCE_DEFAULT_RUNTIME:
                return n && (JSON_NODE_HOLDS_NULL(n) || str_member(ev, name));
        case WIRE_EVIDENCE_RUNTIMES:
                if (!n || !JSON_NODE_HOLDS_ARRAY(n))
                        return FALSE;
                a = json_node_get_array(n);
                for (guint i = 0; i < json_array_get_length(a); i++) {
                        JsonNode *e = json_array_get_element(a, i);
                        if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING)
                                return FALSE;
                }
                return TRUE;
        case WIRE_EVIDENCE_N_MEMBERS:
                return FALSE;
        default:
                return str_member(ev, name) != NULL;
        }
}

static gboolean evidence_shape(JsonObject *ev, const char **ret_bad)
{
        const char *all[WIRE_EVIDENCE_N_MEMBERS + 1];

        for (guint i = 0; i < WIRE_EVIDENCE_N_MEMBERS; i++)
                all[i] = wire_evidence_members[i].json;
        all[WIRE_EVIDENCE_N_MEMBERS] = NULL;
        if (!only_members(ev, all, ret_bad))
                return FALSE;
        /* the first bad one is named: strings, then the nullable ones, then runtimes */
        for (guint pass = 0; pass < 3; pass++)
                for (guint i = 0; i < WIRE_EVIDENCE_N_MEMBERS; i++) {
                        guint rank = wire_evidence_members[i].type == WIRE_EVIDENCE_TYPE_LINE ? 0
                                   : i == WIRE_EVIDENCE_RUNTIMES                              ? 2
                                                                                              : 1;
                        if (rank == pass && !evidence_member_ok(ev, (enum wire_evidence_member) i))
                                return *ret_bad = wire_evidence_members[i].json, FALSE;
                }
        return TRUE;
}

static gboolean check_payload(Run *run)
{
        static const char *const members[] = { "attestationVersion", "instance", "bootTime", "issuedAt", "nonce",
                                               "manifestSigner", "manifestSha256", "eventLog", "composite",
                                               "evidence", NULL };
        static const char *const strings[] = { "instance", "bootTime", "issuedAt", "nonce", "manifestSigner",
                                               "manifestSha256", "composite", NULL };
        g_autofree char *why = NULL;
        const char *bad = NULL;
        JsonNode *v, *ev, *log;

        run->parser = parse_json(run->payload, run->payload_len, &why);
        if (!run->parser)
                return FAIL("payload", "not JSON: %s", why);
        run->top = json_node_get_object(json_parser_get_root(run->parser));
        if (!only_members(run->top, members, &bad))
                return FAIL("payload", "unknown member \"%s\"", bad);
        v = json_object_get_member(run->top, "attestationVersion");
        if (!v || !JSON_NODE_HOLDS_VALUE(v) || json_node_get_value_type(v) != G_TYPE_INT64 ||
            json_node_get_int(v) != ECIVM_ATTEST_VERSION)
                return FAIL("payload", "attestationVersion: expected %d", ECIVM_ATTEST_VERSION);
        for (guint i = 0; strings[i]; i++)
                if (!str_member(run->top, strings[i]))
                        return FAIL("payload", "%s: expected a string", strings[i]);
        log = json_object_get_member(run->top, "eventLog");
        ev = json_object_get_member(run->top, "evidence");
        if (!log || !JSON_NODE_HOLDS_OBJECT(log))
                return FAIL("payload", "eventLog: expected an object");
        if (!ev || !JSON_NODE_HOLDS_OBJECT(ev))
                return FAIL("payload", "evidence: expected an object");
        run->ev = json_node_get_object(ev);
        if (!evidence_shape(run->ev, &bad))
                return FAIL("payload", "evidence.%s: missing, unknown or of the wrong type", bad);
        run->report->instance = g_strdup(str_member(run->top, "instance"));
        run->report->nonce = g_strdup(str_member(run->top, "nonce"));
        return PASS("payload", "instance %s, booted %s, issued %s", run->report->instance,
                    str_member(run->top, "bootTime"), str_member(run->top, "issuedAt"));
}

static gboolean check_expected(Run *run, const char *name, const char *member, const char *expected)
{
        const char *actual = str_member(run->top, member);

        if (!expected)
                return SKIP(name, "no expected %s given", name);
        if (g_ascii_strcasecmp(actual, expected) != 0)
                return FAIL(name, "document has %s \"%s\", expected \"%s\"", name, actual, expected);
        return PASS(name, "%s", actual);
}

static gboolean check_eventlog(Run *run)
{
        static const char *const order[] = { "kernel", "initrd", "cmdline", "root", "settings", "eci-config", NULL };
        g_autoptr(GError) error = NULL;
        g_autofree char *replayed = NULL;

        run->log = ecivm_event_log_from_json(json_object_get_member(run->top, "eventLog"), &error);
        if (!run->log)
                return FAIL("eventlog", "%s", error->message);
        replayed = ecivm_event_log_composite(run->log);
        if (strcmp(replayed, str_member(run->top, "composite")) != 0)
                return FAIL("eventlog", "composite %s differs from the replayed %s", str_member(run->top, "composite"),
                            replayed);
        for (guint i = 0; order[i] || i < run->log->events->len; i++) {
                const EcivmEvent *e = i < run->log->events->len ? run->log->events->pdata[i] : NULL;
                if (!order[i] || !e || strcmp(e->event, order[i]) != 0)
                        return FAIL("eventlog", "event %u: expected %s, found %s", i, order[i] ? order[i] : "the end",
                                    e ? e->event : "the end");
        }
        return PASS("eventlog", "%u events replay to %s", run->log->events->len, replayed);
}

static gboolean check_manifest(Run *run)
{
        g_autoptr(GError) error = NULL;

        run->manifest = ecivm_manifest_parse(run->in->manifest, run->in->manifest_len, "manifest.json", &error);
        if (!run->manifest)
                return FAIL("manifest", "%s", error->message);
        if (!run->in->manifest_key_pem)
                return SKIP("manifest", "parsed; signature not checked (no manifest key given)");
        if (!run->in->manifest_sig)
                return FAIL("manifest", "manifest.json: signature missing");
        if (!ecivm_sign_verify_pem(run->in->manifest_key_pem, "manifest.json", run->in->manifest,
                                   run->in->manifest_len, run->in->manifest_sig, &error))
                return FAIL("manifest", "%s", error->message);
        return PASS("manifest", "signature verifies; document says signer %s",
                    str_member(run->top, "manifestSigner"));
}

static const char *content_str(const EcivmEvent *e, const char *name)
{
        return str_member(json_node_get_object(e->content), name);
}

static gint64 content_int(const EcivmEvent *e, const char *name)
{
        JsonNode *n = json_object_get_member(json_node_get_object(e->content), name);

        if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
                return -1;
        return json_node_get_int(n);
}

static gboolean digest_is(Run *run, const char *name, const EcivmEvent *e, const char *expected)
{
        if (g_strcmp0(e->digest, expected) != 0)
                return FAIL(name, "measured %s, manifest %s", e->digest, expected);
        return TRUE;
}

static gboolean digest_of_text(Run *run, const char *name, const EcivmEvent *e, const char *member)
{
        const char *text = content_str(e, member);
        g_autofree char *sha = text ? g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1) : NULL;

        if (!text || strcmp(sha, e->digest) != 0)
                return FAIL(name, "digest %s is not sha256 of the recorded %s", e->digest, member);
        return TRUE;
}

static gboolean check_events(Run *run)
{
        const EcivmManifest *m = run->manifest;
        const EcivmEvent *k = run->log->events->pdata[0], *i = run->log->events->pdata[1];
        const EcivmEvent *c = run->log->events->pdata[2], *r = run->log->events->pdata[3];

        if (!digest_is(run, "kernel", k, m->kernel.sha256))
                return FALSE;
        if (g_strcmp0(content_str(k, "release"), m->kernel.release) != 0)
                return FAIL("kernel", "measured release %s, manifest %s", content_str(k, "release"), m->kernel.release);
        PASS("kernel", "%s (%s)", k->digest, m->kernel.release);
        if (!digest_is(run, "initrd", i, m->initrd.sha256))
                return FALSE;
        PASS("initrd", "%s", i->digest);
        if (!digest_of_text(run, "cmdline", c, "cmdline"))
                return FALSE;
        if (g_strcmp0(content_str(c, "cmdline"), m->cmdline) != 0)
                return FAIL("cmdline", "measured \"%s\", manifest \"%s\"", content_str(c, "cmdline"), m->cmdline);
        PASS("cmdline", "equals the manifest's (%" G_GSIZE_FORMAT " bytes)", strlen(m->cmdline));
        if (!digest_is(run, "root", r, m->root.verity_root_hash))
                return FALSE;
        if (g_strcmp0(content_str(r, "veritySalt"), m->root.verity_salt) != 0 ||
            g_strcmp0(content_str(r, "hashTreeSha256"), m->root.hash_tree_sha256) != 0 ||
            content_int(r, "dataBlocks") != (gint64) m->root.data_blocks)
                return FAIL("root", "verity salt, hash tree digest or data blocks differ from the manifest");
        PASS("root", "dm-verity root hash %s", r->digest);
        if (!digest_of_text(run, "settings", run->log->events->pdata[4], "text"))
                return FALSE;
        PASS("settings", "%s", ((const EcivmEvent *) run->log->events->pdata[4])->digest);
        if (!digest_of_text(run, "eci-config", run->log->events->pdata[5], "text"))
                return FALSE;
        return PASS("eci-config", "%s", ((const EcivmEvent *) run->log->events->pdata[5])->digest);
}

static gboolean check_hardening(Run *run)
{
        static const struct {
                enum wire_evidence_member member;
                const char *want, *sysctl;
        } want[] = {
                { WIRE_EVIDENCE_MODULES_DISABLED, "1", "kernel.modules_disabled" },
                { WIRE_EVIDENCE_KEXEC_LOAD_DISABLED, "1", "kernel.kexec_load_disabled" },
                { WIRE_EVIDENCE_UNPRIVILEGED_BPF_DISABLED, "1", "kernel.unprivileged_bpf_disabled" },
                { WIRE_EVIDENCE_KPTR_RESTRICT, "2", "kernel.kptr_restrict" },
                { WIRE_EVIDENCE_DMESG_RESTRICT, "1", "kernel.dmesg_restrict" },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(want); i++)
                if (g_strcmp0(str_member(run->ev, wire_evidence_members[want[i].member].json), want[i].want) != 0)
                        return FAIL("guest-hardening", "%s is %s, expected %s", want[i].sysctl,
                                    str_member(run->ev, wire_evidence_members[want[i].member].json), want[i].want);
        return PASS("guest-hardening", "modules_disabled=1 kexec_load_disabled=1 unprivileged_bpf_disabled=1 "
                                       "kptr_restrict=2 dmesg_restrict=1");
}

static gboolean check_guest_root(Run *run)
{
        if (strcmp(str_member(run->ev, WIRE_EVIDENCE_JSON(ROOT_RO)), "1") != 0)
                return FAIL("guest-root", "the root file system is mounted writable");
        return PASS("guest-root", "mounted read-only");
}

static gboolean check_guest_login(Run *run)
{
        if (strcmp(str_member(run->ev, WIRE_EVIDENCE_JSON(LOGIN_PATHS)), "none") != 0)
                return FAIL("guest-login", "login or shell programs present: %s", str_member(run->ev, WIRE_EVIDENCE_JSON(LOGIN_PATHS)));
        return PASS("guest-login", "no shell, getty, login, sshd, su or sudo in the root");
}

/* The guest applied the settings whose canonical text the settings event
 * recorded ("effective=<canonical JSON>" line). */
static gboolean check_guest_settings(Run *run)
{
        const char *text = content_str(run->log->events->pdata[4], "text");
        const char *applied = str_member(run->ev, WIRE_EVIDENCE_JSON(SETTINGS_DIGEST));
        g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
        g_autofree char *measured = NULL;

        for (char **l = lines; *l && !measured; l++)
                if (g_str_has_prefix(*l, "effective="))
                        measured = g_compute_checksum_for_string(G_CHECKSUM_SHA256, *l + strlen("effective="), -1);
        if (!measured)
                return SKIP("guest-settings", "the settings event records no effective settings");
        if (g_ascii_strcasecmp(measured, applied) != 0)
                return FAIL("guest-settings", "the guest applied settings %s, the measured ones are %s", applied,
                            measured);
        return PASS("guest-settings", "the guest applied the measured settings %s", measured);
}

/* "none [integrity] confidentiality" -> "integrity" */
static char *lockdown_mode(const char *s)
{
        const char *open = strchr(s, '['), *close = open ? strchr(open, ']') : NULL;

        return close ? g_strndup(open + 1, (gsize) (close - open - 1)) : g_strdup(s);
}

static gboolean check_runtime(Run *run)
{
        const char *text = str_member(run->ev, WIRE_EVIDENCE_JSON(DAEMON_JSON));
        const char *sha = str_member(run->ev, WIRE_EVIDENCE_JSON(DAEMON_JSON_SHA256));
        g_autofree char *actual_sha = NULL, *def = NULL;
        g_auto(GStrv) runtimes = NULL;
        g_autoptr(GError) error = NULL;
        JsonArray *recorded = json_object_get_array_member(run->ev, WIRE_EVIDENCE_JSON(RUNTIMES));

        if (!text || !sha)
                return FAIL("guest-runtime", "the guest had no " WIRE_PATH_DAEMON_JSON);
        actual_sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
        if (strcmp(actual_sha, sha) != 0)
                return FAIL("guest-runtime", "daemon.json hashes to %s, recorded %s", actual_sha, sha);
        if (!ecivm_attest_daemon_json_runtimes(text, &runtimes, &def, &error))
                return FAIL("guest-runtime", "%s", error->message);
        if (g_strcmp0(def, str_member(run->ev, WIRE_EVIDENCE_JSON(DEFAULT_RUNTIME))) != 0 ||
            g_strv_length(runtimes) != json_array_get_length(recorded))
                return FAIL("guest-runtime", "recorded runtimes differ from daemon.json's");
        for (guint i = 0; runtimes[i]; i++)
                if (g_strcmp0(runtimes[i], json_array_get_string_element(recorded, i)) != 0)
                        return FAIL("guest-runtime", "recorded runtimes differ from daemon.json's");
        if (strcmp(def, ECIVM_ATTEST_DOCKER_DEFAULT_RUNTIME) != 0)
                return FAIL("guest-runtime", "default runtime is \"%s\", expected \"runc\" (the ECI runtime)", def);
        if (runtimes[0])
                return FAIL("guest-runtime", "other runtimes registered: %s", runtimes[0]);
        return PASS("guest-runtime", "default runc, no other runtime; daemon.json %.16s…", sha);
}

static gboolean check_guest_identity(Run *run)
{
        const EcivmEvent *c = run->log->events->pdata[2];
        const char *v = str_member(run->ev, WIRE_EVIDENCE_JSON(NONCE));

        if (g_ascii_strcasecmp(v, str_member(run->top, "nonce")) != 0)
                return FAIL("guest-nonce", "guest answered nonce \"%s\", document has \"%s\"", v,
                            str_member(run->top, "nonce"));
        PASS("guest-nonce", "echoed");
        v = str_member(run->ev, WIRE_EVIDENCE_JSON(CMDLINE));
        if (g_strcmp0(v, content_str(c, "cmdline")) != 0)
                return FAIL("guest-cmdline", "/proc/cmdline \"%s\" differs from the measured \"%s\"", v,
                            content_str(c, "cmdline"));
        PASS("guest-cmdline", "/proc/cmdline equals the measured cmdline");
        v = str_member(run->ev, WIRE_EVIDENCE_JSON(KERNEL));
        if (g_strcmp0(v, run->manifest->kernel.release) != 0)
                return FAIL("guest-kernel", "running %s, manifest %s", v, run->manifest->kernel.release);
        return PASS("guest-kernel", "%s", v);
}

/* Evidence MEMBER must read WANT exactly. */
static gboolean expect_evidence(Run *run, const char *check, const char *member, const char *want, const char *what)
{
        const char *v = str_member(run->ev, member);

        if (strcmp(v, want) != 0)
                return FAIL(check, "%s \"%s\", expected \"%s\"", what, v, want);
        return PASS(check, "%s %s", what, v);
}

static gboolean check_guest_verity(Run *run)
{
        return expect_evidence(run, "guest-verity", WIRE_EVIDENCE_JSON(VERITY), "V", "dm-verity status");
}

static gboolean check_guest_lockdown(Run *run)
{
        g_autofree char *mode = lockdown_mode(str_member(run->ev, WIRE_EVIDENCE_JSON(LOCKDOWN)));

        if (strcmp(mode, "integrity") != 0 && strcmp(mode, "confidentiality") != 0)
                return FAIL("guest-lockdown", "lockdown \"%s\", expected integrity or confidentiality",
                            str_member(run->ev, WIRE_EVIDENCE_JSON(LOCKDOWN)));
        return PASS("guest-lockdown", "%s", mode);
}

static gboolean check_guest_tainted(Run *run)
{
        return expect_evidence(run, "guest-tainted", WIRE_EVIDENCE_JSON(TAINTED), "0", "kernel taint flags");
}

/* Once the guest is known to be the measured one, each property is checked
 * on its own, so a report shows every one that fails, not just the first. */
static gboolean check_guest(Run *run)
{
        static gboolean (*const properties[])(Run *) = {
                check_guest_verity, check_guest_lockdown, check_guest_tainted, check_hardening,
                check_guest_root,   check_guest_login,    check_guest_settings, check_runtime,
        };
        gboolean ok;

        if (!check_guest_identity(run))
                return FALSE;
        ok = TRUE;
        for (gsize i = 0; i < G_N_ELEMENTS(properties); i++)
                ok = properties[i](run) && ok;
        return ok;
}

EcivmAttestReport *ecivm_attest_verify(const EcivmAttestVerifyInput *in)
{
        g_autoptr(GError) error = NULL;
        Run r = { .in = in }, *run = &r;
        EcivmAttestReport *report = g_new0(EcivmAttestReport, 1);

        report->ok = TRUE;
        report->checks = g_ptr_array_new_with_free_func(check_free);
        r.report = report;
        if (in->nonce && !ecivm_attest_nonce_check(in->nonce, "expected nonce", &error))
                FAIL("nonce", "%s", error->message);
        else
                (void) (check_document(run) && check_signature(run) && check_payload(run) &&
                        check_expected(run, "nonce", "nonce", in->nonce) &&
                        check_expected(run, "instance", "instance", in->instance) && check_eventlog(run) &&
                        check_manifest(run) && check_events(run) && check_guest(run));
        if (r.top && json_object_has_member(r.top, "evidence") &&
            JSON_NODE_HOLDS_OBJECT(json_object_get_member(r.top, "evidence")))
                report->evidence = json_node_copy(json_object_get_member(r.top, "evidence"));
        g_free(r.payload);
        g_free(r.signature);
        g_free(r.key_id);
        g_clear_object(&r.parser);
        ecivm_event_log_free(r.log);
        ecivm_manifest_free(r.manifest);
        return report;
}

JsonNode *ecivm_attest_report_to_json(const EcivmAttestReport *r)
{
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "ok");
        json_builder_add_boolean_value(b, r->ok);
        json_builder_set_member_name(b, "checks");
        json_builder_begin_array(b);
        for (guint i = 0; i < r->checks->len; i++) {
                const EcivmAttestCheck *c = r->checks->pdata[i];

                json_builder_begin_object(b);
                json_builder_set_member_name(b, "check");
                json_builder_add_string_value(b, c->name);
                json_builder_set_member_name(b, "result");
                json_builder_add_string_value(b, ecivm_check_result_name(c->result));
                json_builder_set_member_name(b, "detail");
                json_builder_add_string_value(b, c->detail);
                json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_set_member_name(b, "firstFailure");
        if (r->first_failure)
                json_builder_add_string_value(b, r->first_failure);
        else
                json_builder_add_null_value(b);
        json_builder_end_object(b);
        return json_builder_get_root(b);
}

char *ecivm_attest_report_to_table(const EcivmAttestReport *r)
{
        GString *s = g_string_new(NULL);

        g_string_append_printf(s, "%-15s| %-6s| %s\n", "check", "result", "detail");
        for (guint i = 0; i < r->checks->len; i++) {
                const EcivmAttestCheck *c = r->checks->pdata[i];

                g_string_append_printf(s, "%-15s| %-6s| %s\n", c->name, ecivm_check_result_name(c->result), c->detail);
        }
        if (r->ok)
                g_string_append(s, "attestation verified\n");
        else
                g_string_append_printf(s, "attestation FAILED: %s\n", r->first_failure);
        return g_string_free(s, FALSE);
}
