/* Attestation documents (vmm/attest.c, vmm/attest-verify.c).
 *
 * Fixtures in golden/attest/: attest.key (a TEST-ONLY Ed25519 key) and its
 * attest.pub, other.pub (an unrelated key), manifest.json (+ .sig by the key
 * in image.pub).  Each <name>.case builds one document from the real pieces
 * (event log for the boot, the guest's EVIDENCE_REPLY fields, payload,
 * signature, envelope) after applying its "key=value" overrides, verifies
 * it, and compares the report table with <name>.out:
 *   measured.{kernel_sha256,kernel_release,initrd_sha256,cmdline,root_hash}
 *   guest.{nonce,kernel,cmdline,lockdown,tainted,verity,daemon_json}
 *   payload.composite=HEX    the payload records another composite
 *   payload.extra=1          an unknown payload member (signed)
 *   payload.replace=FROM|TO  change the payload bytes before signing
 *   doc.replace=FROM|TO      change the payload bytes after signing
 *   doc.truncate=N           keep the first N bytes of the document
 *   doc.text=TEXT            the document is TEXT
 *   doc.signature=B64        another signature
 *   verify.key=other         verify with other.pub
 *   verify.nonce=HEX, verify.instance=UUID (default: the document's)
 *   verify.manifest_key=image|other  check the manifest signature */
#include "config.h"

#include <string.h>

#include "vmm-golden.h"

#include "attest-verify.h"
#include "attest.h"
#include "error.h"
#include "eventlog.h"
#include "manifest.h"
#include "sign.h"

#define NONCE "00112233445566778899aabbccddeeff"
#define INSTANCE "6f1c1f52-5d2c-4b8e-9d55-0c1f6b3d2a10"
#define DAEMON_JSON                                                                                                  \
        "{\"hosts\":[\"unix:///run/docker.sock\"],\"iptables\":false,\"ip-masq\":false,\"containerd\":\"/run/"      \
        "containerd/containerd.sock\",\"log-driver\":\"json-file\",\"storage-driver\":\"overlay2\",\"data-root\":\"/" \
        "var/lib/docker\"}\n"

static EcivmManifest *golden_manifest(void)
{
        gsize len;
        g_autofree char *text = golden_read("attest/manifest.json", &len);
        EcivmManifest *m = ecivm_manifest_parse(text, len, "manifest.json", NULL);

        assert_non_null(m);
        return m;
}

static const char *get(GHashTable *o, const char *key, const char *fallback)
{
        const char *v = g_hash_table_lookup(o, key);
        return v ? v : fallback;
}

static GHashTable *parse_case(const char *text)
{
        GHashTable *o = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

        for (guint i = 0; lines[i]; i++) {
                char *eq = strchr(lines[i], '=');
                if (lines[i][0] == '\0' || lines[i][0] == '#' || !eq)
                        continue;
                g_hash_table_insert(o, g_strndup(lines[i], (gsize) (eq - lines[i])), g_strdup(eq + 1));
        }
        return o;
}

static void add_daemon_json(struct wire_control *c, const char *name, const char *text)
{
        g_autofree char *len = g_strdup_printf("%zu", strlen(text));
        GString *hex = g_string_new(NULL);
        guint chunk = 0;
        char key[64];

        assert_int_equal(wire_evidence_hex_key(key, sizeof(key), name, 0, 0), 0);
        assert_int_equal(wire_control_add(c, key, len), 0);
        for (gsize i = 0; text[i]; i++) {
                g_string_append_printf(hex, "%02x", (unsigned char) text[i]);
                if (hex->len == WIRE_EVIDENCE_HEX_CHUNK || !text[i + 1]) {
                        assert_int_equal(wire_evidence_hex_key(key, sizeof(key), name, chunk++, 1), 0);
                        assert_int_equal(wire_control_add(c, key, hex->str), 0);
                        g_string_truncate(hex, 0);
                }
        }
        g_string_free(hex, TRUE);
}

#define SETTINGS_DIGEST "ac95521ee05fdcceee4b43837f687a705866eda3ef3f12bfbf76006d3d909b16" /* sha256 of {"cpus":2} */

/* The guest's EVIDENCE_REPLY: every field of the table, "guest.<key>" of
 * the case or a healthy guest's value. */
static JsonNode *evidence(GHashTable *o, const EcivmManifest *m)
{
        const char *healthy[WIRE_EVIDENCE_N_FIELDS] = {
                [WIRE_EVIDENCE_NONCE] = NONCE,
                [WIRE_EVIDENCE_KERNEL] = m->kernel.release,
                [WIRE_EVIDENCE_CMDLINE] = m->cmdline,
                [WIRE_EVIDENCE_BOOT_ID] = "0c3e8a0e-7d1b-4f3c-a8a1-2b1d2f9c9e11",
                [WIRE_EVIDENCE_LOCKDOWN] = "none [integrity] confidentiality",
                [WIRE_EVIDENCE_MODULES_DISABLED] = "1",
                [WIRE_EVIDENCE_TAINTED] = "0",
                [WIRE_EVIDENCE_VERITY] = "V",
                [WIRE_EVIDENCE_KPTR_RESTRICT] = "2",
                [WIRE_EVIDENCE_DMESG_RESTRICT] = "1",
                [WIRE_EVIDENCE_UNPRIVILEGED_BPF_DISABLED] = "1",
                [WIRE_EVIDENCE_KEXEC_LOAD_DISABLED] = "1",
                [WIRE_EVIDENCE_ROOT_RO] = "1",
                [WIRE_EVIDENCE_LOGIN_PATHS] = "none",
                [WIRE_EVIDENCE_SETTINGS_DIGEST] = SETTINGS_DIGEST,
                [WIRE_EVIDENCE_DAEMON_JSON] = DAEMON_JSON,
        };
        struct wire_control c = { .verb = WIRE_V_EVIDENCE_REPLY, .id = 7 };
        g_autoptr(GError) error = NULL;
        JsonNode *n;

        for (guint i = 0; i < WIRE_EVIDENCE_N_FIELDS; i++) {
                const struct wire_evidence_member_info *f = &wire_evidence_members[i];
                g_autofree char *name = g_strdup_printf("guest.%s", f->key);
                const char *v = get(o, name, healthy[i]);

                assert_non_null(v);
                if (f->type == WIRE_EVIDENCE_TYPE_HEX_TEXT)
                        add_daemon_json(&c, f->key, v);
                else
                        wire_control_add(&c, f->key, v);
        }
        n = ecivm_attest_evidence_from_wire(&c, &error);
        assert_non_null(n);
        return n;
}

static char *build_payload(GHashTable *o, const EcivmManifest *m)
{
        EcivmBootMeasurements b = {
                .kernel_path = "vmlinuz", .kernel_release = get(o, "measured.kernel_release", m->kernel.release),
                .kernel_sha256 = get(o, "measured.kernel_sha256", m->kernel.sha256), .initrd_path = "initrd.img",
                .initrd_sha256 = get(o, "measured.initrd_sha256", m->initrd.sha256),
                .cmdline = get(o, "measured.cmdline", m->cmdline),
                .verity_root_hash = get(o, "measured.root_hash", m->root.verity_root_hash),
                .verity_salt = m->root.verity_salt, .hash_tree_sha256 = m->root.hash_tree_sha256,
                .data_blocks = m->root.data_blocks, .settings_text = "effective={\"cpus\":2}\naccel_mode=2\n",
        };
        g_autoptr(EcivmEventLog) log = ecivm_event_log_for_boot(&b, NULL);
        g_autoptr(JsonNode) log_json = NULL, ev = evidence(o, m);
        g_autofree char *composite = NULL, *payload = NULL;
        EcivmAttestPayload p;

        assert_non_null(log);
        log_json = ecivm_event_log_to_json(log);
        composite = ecivm_event_log_composite(log);
        p = (EcivmAttestPayload) {
                .instance = INSTANCE, .boot_time_us = G_GINT64_CONSTANT(1700000000) * G_USEC_PER_SEC,
                .issued_at_us = G_GINT64_CONSTANT(1700000060) * G_USEC_PER_SEC, .nonce = NONCE,
                .manifest_signer = "0123456789abcdef", .manifest_sha256 = m->kernel.sha256, .event_log = log_json,
                .composite = get(o, "payload.composite", composite), .evidence = ev,
        };
        payload = ecivm_attest_payload_build(&p);
        if (g_hash_table_contains(o, "payload.extra")) {
                char *with = g_strconcat("{\"extra\":1,", payload + 1, NULL);
                g_free(payload);
                payload = with;
        }
        return g_steal_pointer(&payload);
}

static char *replace_once(const char *s, const char *spec)
{
        g_auto(GStrv) ft = g_strsplit(spec, "|", 2);
        const char *at = strstr(s, ft[0]);

        assert_non_null(at);
        return g_strdup_printf("%.*s%s%s", (int) (at - s), s, ft[1], at + strlen(ft[0]));
}

/* The document text for case options O. */
static char *build_document(GHashTable *o)
{
        g_autoptr(EcivmManifest) m = golden_manifest();
        g_autofree char *key = golden_path("attest/attest.key");
        g_autofree char *payload = build_payload(o, m);
        g_autofree char *sig = NULL;
        g_autoptr(JsonNode) env = NULL;
        g_autofree char *text = NULL;

        if (g_hash_table_contains(o, "payload.replace")) {
                char *changed = replace_once(payload, get(o, "payload.replace", NULL));
                g_free(payload);
                payload = changed;
        }
        sig = ecivm_sign_data(key, payload, strlen(payload), NULL);
        assert_non_null(sig);
        if (g_hash_table_contains(o, "doc.replace")) {
                char *changed = replace_once(payload, get(o, "doc.replace", NULL));
                g_free(payload);
                payload = changed;
        }
        env = ecivm_attest_envelope(payload, get(o, "doc.signature", sig), "c0ffee0123456789");
        text = json_to_string(env, TRUE);
        if (g_hash_table_contains(o, "doc.truncate"))
                text[MIN(strlen(text), (gsize) g_ascii_strtoull(get(o, "doc.truncate", "0"), NULL, 10))] = '\0';
        if (g_hash_table_contains(o, "doc.text")) {
                g_free(text);
                text = g_strdup(get(o, "doc.text", ""));
        }
        return g_steal_pointer(&text);
}

static EcivmAttestReport *verify(GHashTable *o, const char *doc)
{
        g_autofree char *keyname = g_strdup_printf("attest/%s.pub", get(o, "verify.key", "attest"));
        g_autofree char *pem = golden_read(keyname, NULL);
        g_autofree char *manifest = NULL, *msig = golden_read("attest/manifest.json.sig", NULL);
        g_autofree char *mkey = NULL;
        EcivmAttestVerifyInput in = { .document = doc, .document_len = strlen(doc), .key_pem = pem };
        gsize mlen;

        manifest = golden_read("attest/manifest.json", &mlen);
        if (g_hash_table_contains(o, "verify.manifest_key")) {
                g_autofree char *mk = g_strdup_printf("attest/%s.pub", get(o, "verify.manifest_key", NULL));
                mkey = golden_read(mk, NULL);
        }
        in.manifest = manifest;
        in.manifest_len = mlen;
        in.manifest_sig = msig;
        in.manifest_key_pem = mkey;
        in.nonce = get(o, "verify.nonce", NONCE);
        in.instance = get(o, "verify.instance", INSTANCE);
        if (g_str_equal(in.nonce, "none"))
                in.nonce = NULL;
        if (!*in.instance)
                in.instance = NULL;
        return ecivm_attest_verify(&in);
}

static void document_case(const char *base, const char *name)
{
        g_autofree char *in_rel = g_strconcat(base, ".case", NULL);
        g_autofree char *out_rel = g_strconcat(base, ".out", NULL);
        g_autofree char *text = golden_read(in_rel, NULL);
        g_autoptr(GHashTable) o = parse_case(text);
        g_autofree char *doc = build_document(o);
        g_autoptr(EcivmAttestReport) r = verify(o, doc);
        g_autofree char *table = ecivm_attest_report_to_table(r);
        g_autoptr(GError) error = NULL;

        if (!r->ok)
                error = g_error_new(ECIVM_ERROR, ECIVM_ERROR_MISMATCH, "%s", r->first_failure);
        golden_assert_outcome(name, r->ok, error);
        golden_compare(out_rel, table);
}

/* Any change to the signed bytes, whatever field it touches, is a
 * signature failure (nothing after it runs). */
static void test_every_field_tampered(void **state)
{
        static const char *const edits[] = {
                "\"attestationVersion\":1|\"attestationVersion\":2",
                "\"instance\":\"6|\"instance\":\"7",
                "\"bootTime\":\"2023|\"bootTime\":\"2024",
                "\"issuedAt\":\"2023|\"issuedAt\":\"2025",
                "\"nonce\":\"00|\"nonce\":\"01",
                "\"manifestSigner\":\"0|\"manifestSigner\":\"1",
                "\"manifestSha256\":\"3|\"manifestSha256\":\"4",
                "\"digest\":\"3f|\"digest\":\"4f",
                "\"release\":\"6.1.0-57|\"release\":\"6.1.0-58",
                "console=ttyS0|console=ttyS1",
                "\"composite\":\"|\"composite\":\"0",
                "\"kernel\":\"6.1|\"kernel\":\"6.2",
                "\"bootId\":\"0|\"bootId\":\"1",
                "\"lockdown\":\"none [integrity]|\"lockdown\":\"[none] integrity",
                "\"modulesDisabled\":\"1|\"modulesDisabled\":\"0",
                "\"tainted\":\"0|\"tainted\":\"1",
                "\"verity\":\"V|\"verity\":\"C",
                "\"defaultRuntime\":\"runc|\"defaultRuntime\":\"runx",
                "\"daemonJsonSha256\":\"|\"daemonJsonSha256\":\"0",
        };

        for (gsize i = 0; i < G_N_ELEMENTS(edits); i++) {
                g_autoptr(GHashTable) o = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
                g_autofree char *doc = NULL;
                g_autoptr(EcivmAttestReport) r = NULL;

                g_hash_table_insert(o, g_strdup("doc.replace"), g_strdup(edits[i]));
                doc = build_document(o);
                r = verify(o, doc);
                if (r->ok || g_strcmp0(r->first_failure, "signature") != 0)
                        fail_msg("%s: expected a signature failure, got %s", edits[i],
                                 r->ok ? "success" : r->first_failure);
        }
}

static void test_evidence_refusals(void **state)
{
        static const char *const bad[][2] = {
                { "daemon_json_len", "5" },      /* hex is longer */
                { "daemon_json.0", "7b7" },      /* odd length */
                { "daemon_json.0", "7bzz" },     /* not hex */
                { "daemon_json_len", "99999" },  /* over the cap */
        };

        for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
                struct wire_control c = { .verb = WIRE_V_EVIDENCE_REPLY };
                g_autoptr(GError) error = NULL;
                static const char *const keys[] = { "nonce", "kernel", "cmdline", "boot_id", "lockdown",
                                                    "modules_disabled", "tainted", "verity", "kptr_restrict",
                                                    "dmesg_restrict", "unprivileged_bpf_disabled",
                                                    "kexec_load_disabled", "root_ro", "login_paths",
                                                    "settings_digest", NULL };

                for (guint k = 0; keys[k]; k++)
                        wire_control_add(&c, keys[k], "x");
                wire_control_add(&c, bad[i][0], bad[i][1]);
                if (!g_str_equal(bad[i][0], "daemon_json_len"))
                        wire_control_add(&c, "daemon_json_len", "2");
                else
                        wire_control_add(&c, "daemon_json.0", "7b7d");
                assert_null(ecivm_attest_evidence_from_wire(&c, &error));
                assert_true(g_error_matches(error, ECIVM_ERROR, ECIVM_ERROR_PROTOCOL));
        }
        {
                struct wire_control c = { .verb = WIRE_V_EVIDENCE_REPLY };
                g_autoptr(GError) error = NULL;

                wire_control_add(&c, "daemon_json_len", "-1");
                assert_null(ecivm_attest_evidence_from_wire(&c, &error)); /* fields missing */
                assert_string_equal(error->message, "guest evidence: nonce missing");
        }
}

static void test_nonce_check(void **state)
{
        g_autofree char *long_nonce = g_strnfill(130, 'a');
        g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;

        assert_true(ecivm_attest_nonce_check("", "n", NULL));
        assert_true(ecivm_attest_nonce_check("00ffAB", "n", NULL));
        assert_true(ecivm_attest_nonce_check(long_nonce + 2, "n", NULL));
        assert_false(ecivm_attest_nonce_check(long_nonce, "n", &e1));
        assert_string_equal(e1->message, "n: longer than 64 bytes");
        assert_false(ecivm_attest_nonce_check("0g", "n", &e2));
        assert_false(ecivm_attest_nonce_check("abc", "n", &e3));
}

static void test_report_json(void **state)
{
        g_autoptr(GHashTable) o = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_autofree char *doc = NULL, *text = NULL;
        g_autoptr(EcivmAttestReport) r = NULL;
        g_autoptr(JsonNode) n = NULL;

        g_hash_table_insert(o, g_strdup("verify.nonce"), g_strdup("ff"));
        doc = build_document(o);
        r = verify(o, doc);
        n = ecivm_attest_report_to_json(r);
        text = json_to_string(n, FALSE);
        assert_non_null(strstr(text, "{\"ok\":false,\"checks\":[{\"check\":\"document\",\"result\":\"pass\""));
        assert_non_null(strstr(text, "\"firstFailure\":\"nonce\"}"));
}

int main(void)
{
        const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_every_field_tampered),
                cmocka_unit_test(test_evidence_refusals),
                cmocka_unit_test(test_nonce_check),
                cmocka_unit_test(test_report_json),
        };
        return golden_run("attest", fixed, G_N_ELEMENTS(fixed), "attest", ".case", document_case, 20);
}
