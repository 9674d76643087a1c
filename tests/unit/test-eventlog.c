/* Event log (replay, tamper) and Ed25519 manifest signatures.
 *   golden/eventlog/boot.out: the log of fixed boot measurements. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "vmm-golden.h"

#include "error.h"
#include "eventlog.h"
#include "sign.h"

#define SHA_A "1111111111111111111111111111111111111111111111111111111111111111"
#define SHA_B "2222222222222222222222222222222222222222222222222222222222222222"
#define SHA_C "3333333333333333333333333333333333333333333333333333333333333333"

static EcivmEventLog *sample_log(void)
{
        EcivmBootMeasurements b = {
                .kernel_path = "vmlinuz", .kernel_release = "6.1.0-57-cloud-amd64", .kernel_sha256 = SHA_A,
                .initrd_path = "initrd.img", .initrd_sha256 = SHA_B, .cmdline = "console=ttyS0 quiet",
                .verity_root_hash = SHA_C, .verity_salt = SHA_A, .hash_tree_sha256 = SHA_B, .data_blocks = 70764,
                .settings_text = "cpus=2\nmemory_mib=1536\n", .eci_config_text = NULL,
        };
        EcivmEventLog *log = ecivm_event_log_for_boot(&b, NULL);

        assert_non_null(log);
        return log;
}

static char *to_text(JsonNode *n)
{
        g_autoptr(JsonGenerator) gen = json_generator_new();
        g_autofree char *text = NULL;

        json_generator_set_pretty(gen, TRUE);
        json_generator_set_root(gen, n);
        text = json_generator_to_data(gen, NULL);
        return g_strconcat(text, "\n", NULL);
}

static JsonNode *parse(const char *text)
{
        g_autoptr(JsonParser) p = json_parser_new();

        if (!json_parser_load_from_data(p, text, -1, NULL))
                return NULL;
        return json_node_copy(json_parser_get_root(p));
}

static void test_golden_boot_log(void **state)
{
        g_autoptr(EcivmEventLog) log = sample_log();
        g_autoptr(JsonNode) n = ecivm_event_log_to_json(log);
        g_autofree char *text = to_text(n);

        (void) state;
        golden_compare("eventlog/boot.out", text);
}

/* M1 = sha256(0^32 || 0^32) */
static void test_composite_vector(void **state)
{
        g_autoptr(EcivmEventLog) log = ecivm_event_log_new();
        g_autofree char *m0 = ecivm_event_log_composite(log);
        g_autofree char *m1 = NULL;

        (void) state;
        assert_string_equal(m0, "0000000000000000000000000000000000000000000000000000000000000000");
        assert_true(ecivm_event_log_add(log, "x", "0000000000000000000000000000000000000000000000000000000000000000",
                                        NULL, NULL));
        m1 = ecivm_event_log_composite(log);
        assert_string_equal(m1, "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b");
}

static void test_replay_roundtrip(void **state)
{
        g_autoptr(EcivmEventLog) log = sample_log();
        g_autoptr(JsonNode) n = ecivm_event_log_to_json(log);
        g_autoptr(GError) error = NULL;
        g_autoptr(EcivmEventLog) back = ecivm_event_log_from_json(n, &error);
        g_autofree char *a = ecivm_event_log_composite(log);
        g_autofree char *b = NULL;

        (void) state;
        assert_non_null(back);
        b = ecivm_event_log_composite(back);
        assert_string_equal(a, b);
        assert_int_equal(back->events->len, 6);
        assert_string_equal(ecivm_event_log_find(back, "root")->digest, SHA_C);
}

/* Each textual change of the log must be refused with the given message part. */
static void expect_refused(const char *from, const char *to, const char *message_part)
{
        g_autoptr(EcivmEventLog) log = sample_log();
        g_autoptr(JsonNode) n = ecivm_event_log_to_json(log);
        g_autofree char *text = to_text(n);
        g_autoptr(GError) error = NULL;
        char *at = strstr(text, from);
        g_autoptr(GString) s = g_string_new(NULL);
        g_autoptr(JsonNode) tampered = NULL;
        g_autoptr(EcivmEventLog) back = NULL;

        assert_non_null(at);
        g_string_append_len(s, text, at - text);
        g_string_append(s, to);
        g_string_append(s, at + strlen(from));
        tampered = parse(s->str);
        if (tampered == NULL) {
                assert_string_equal(message_part, "(unparsable)");
                return;
        }
        back = ecivm_event_log_from_json(tampered, &error);
        assert_null(back);
        if (strstr(error->message, message_part) == NULL)
                fail_msg("%s -> %s: \"%s\" lacks \"%s\"", from, to, error->message, message_part);
}

static void test_tampering(void **state)
{
        (void) state;
        /* a digest of an event (the kernel's) */
        expect_refused("\"digest\" : \"1111", "\"digest\" : \"4111", "composite does not match the replayed events");
        /* the recorded composite */
        expect_refused("\"composite\" : \"", "\"composite\" : \"0", "composite");
        /* order */
        expect_refused("\"recnum\" : 1", "\"recnum\" : 2", "events[1].recnum: expected 1");
        expect_refused("\"hashAlg\" : \"sha256\",\n  \"pcr\"", "\"hashAlg\" : \"sha1\",\n  \"pcr\"",
                       "hashAlg: expected");
        expect_refused("\"pcr\" : 23,\n      \"digests\"", "\"pcr\" : 7,\n      \"digests\"", "pcr: expected 23");
        /* truncated / garbled */
        expect_refused("\"events\"", "\"events\" : 1, \"x\"", "events: expected an array");
        expect_refused("\"logVersion\" : 1", "\"logVersion\" : \"1\"", "logVersion: expected 1");
        expect_refused("\"content_type\" : \"ecivm\"", "\"content_type\" : \"ecivm\" }}", "(unparsable)");
}

static void test_sign_verify(void **state)
{
        g_autofree char *dir = g_dir_make_tmp("ecivm-sign-XXXXXX", NULL);
        g_autofree char *key = g_build_filename(dir, "a.key", NULL);
        g_autofree char *pub = g_build_filename(dir, "a.pub", NULL);
        g_autofree char *other = g_build_filename(dir, "b.pub", NULL);
        g_autofree char *other_key = g_build_filename(dir, "b.key", NULL);
        const char *data = "{\"manifestVersion\":2}\n";
        const char *one[] = { pub, NULL };
        const char *wrong[] = { other, NULL };
        const char *both[] = { other, pub, NULL };
        g_autofree char *sig = NULL, *id = NULL, *bad_sig = NULL;
        g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL;
        GStatBuf st;

        (void) state;
        assert_true(ecivm_sign_keygen(dir, "a", NULL));
        assert_true(ecivm_sign_keygen(dir, "b", NULL));
        assert_int_equal(g_stat(key, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_false(ecivm_sign_keygen(dir, "a", &e5));
        assert_true(g_error_matches(e5, ECIVM_ERROR, ECIVM_ERROR_STATE));
        sig = ecivm_sign_data(key, data, strlen(data), NULL);
        assert_non_null(sig);
        assert_true(ecivm_sign_verify(one, "manifest.json", data, strlen(data), sig, &id, NULL));
        assert_int_equal(strlen(id), 16);
        assert_true(ecivm_sign_verify(both, "manifest.json", data, strlen(data), sig, NULL, NULL));
        /* wrong key */
        assert_false(ecivm_sign_verify(wrong, "manifest.json", data, strlen(data), sig, NULL, &e1));
        assert_true(g_error_matches(e1, ECIVM_ERROR, ECIVM_ERROR_MISMATCH));
        assert_non_null(strstr(e1->message, "manifest.json: signature does not verify with any trusted key ("));
        /* one modified byte of the data */
        assert_false(ecivm_sign_verify(one, "manifest.json", "{\"manifestVersion\":3}\n", strlen(data), sig, NULL,
                                       &e2));
        assert_true(g_error_matches(e2, ECIVM_ERROR, ECIVM_ERROR_MISMATCH));
        /* garbled / missing signature */
        assert_false(ecivm_sign_verify(one, "manifest.json", data, strlen(data), "not base64!", NULL, &e3));
        assert_string_equal(e3->message, "manifest.json: signature is not a base64 Ed25519 signature");
        assert_false(ecivm_sign_verify(one, "manifest.json", data, strlen(data), "", NULL, &e4));
        /* a flipped signature bit */
        bad_sig = g_strdup(sig);
        bad_sig[3] = bad_sig[3] == 'A' ? 'B' : 'A';
        assert_false(ecivm_sign_verify(one, "manifest.json", data, strlen(data), bad_sig, NULL, NULL));
        /* no key configured */
        assert_false(ecivm_sign_verify(NULL, "manifest.json", data, strlen(data), sig, NULL, NULL));
        /* a private key is not a trusted public key */
        {
                const char *priv[] = { other_key, NULL };
                assert_false(ecivm_sign_verify(priv, "manifest.json", data, strlen(data), sig, NULL, NULL));
        }
        g_unlink(key);
        g_unlink(pub);
        g_unlink(other);
        g_unlink(other_key);
        g_rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_golden_boot_log), cmocka_unit_test(test_composite_vector),
                cmocka_unit_test(test_replay_roundtrip), cmocka_unit_test(test_tampering),
                cmocka_unit_test(test_sign_verify),
        };

        return cmocka_run_group_tests_name("eventlog", tests, NULL, NULL);
}
