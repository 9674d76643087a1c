/* Fuzz targets for ecivm's other parsers of untrusted or semi-trusted input,
 * one binary, the target picked by name:
 *   api-request    service protocol requests and replies (vmm/api-proto.c)
 *   http           Docker API request/response heads, chunked bodies and the
 *                  Engine API filter's decision (vmm/http-parse.c, api-filter.c)
 *   settings       admin and user settings files, their merge, and dockerd
 *                  options (vmm/settings.c, daemon-options.c)
 *   manifest       image manifests (vmm/manifest.c)
 *   attest         attestation documents through the offline verifier
 *   eventlog       event logs (vmm/eventlog.c)
 *   guest-cmdline  the guest init's kernel command line (guest/init/cmdline.c)
 *
 * With -DECIVM_LIBFUZZER it is a libFuzzer target whose target comes from
 * ECIVM_FUZZ_TARGET; otherwise `fuzz-parsers TARGET FILE|DIR...` replays
 * inputs, which is how `make check` runs the corpora. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "api-filter.h"
#include "api-proto.h"
#include "attest-verify.h"
#include "guest/init/cmdline.h"
#include "daemon-options.h"
#include "eventlog.h"
#include "http-parse.h"
#include "manifest.h"
#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef void (*FuzzFunc)(const char *text, gsize len);

static void fuzz_api_request(const char *text, gsize len)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(EcivmApiRequest) r = NULL;
        g_autoptr(JsonNode) reply = NULL;
        gint64 id;

        r = ecivm_api_request_parse(text, len, &id, &error);
        g_clear_error(&error);
        reply = ecivm_api_reply_parse(text, len, &id, &error);
}

static void fuzz_http(const char *text, gsize len)
{
        static char *images[] = { "docker.io/library/allowed:*", NULL };
        static char *commands[] = { "image*", NULL };
        EcivmApiPolicy policy = { .eci = TRUE, .block_docker_load = TRUE, .images = images,
                                  .command_list_type = ECIVM_COMMAND_LIST_DENY, .commands = commands };
        g_autoptr(GError) error = NULL;
        g_autoptr(EcivmHttpHead) req = NULL;
        g_autoptr(EcivmHttpHead) resp = NULL;
        g_autoptr(GByteArray) body = g_byte_array_new();
        EcivmHttpChunked chunked = { 0 };
        gssize head = ecivm_http_head_length(text, len);

        req = ecivm_http_parse_request(text, head > 0 ? (gsize) head : len, &error);
        if (req) {
                const char *rest = head > 0 ? text + head : "";
                gsize rest_len = head > 0 ? len - (gsize) head : 0;
                int status;
                g_autofree char *a = ecivm_api_filter_check(&policy, ECIVM_API_ORIGIN_HOST, req, rest, rest_len,
                                                            &status);
                g_autofree char *b = ecivm_api_filter_check(&policy, ECIVM_API_ORIGIN_CONTAINER, req, rest, rest_len,
                                                            &status);
                (void) ecivm_api_filter_needs_body(&policy, req);
        }
        g_clear_error(&error);
        resp = ecivm_http_parse_response(text, head > 0 ? (gsize) head : len, "GET", &error);
        (void) ecivm_http_chunked_feed(&chunked, text, len, body);
}

static void fuzz_settings(const char *text, gsize len)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(EcivmSettingsFile) admin = ecivm_settings_file_parse(text, len, TRUE, "admin.json", &error);
        g_autoptr(EcivmSettingsFile) user = NULL;
        g_autofree char *copy = g_strndup(text, len);
        g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *options = NULL;
        EcivmDaemonOptionsPolicy policy = { .eci_locked = TRUE };

        g_clear_error(&error);
        user = ecivm_settings_file_parse(text, len, FALSE, "user.json", &error);
        if (admin || user) {
                g_autoptr(EcivmSettingsFile) empty = ecivm_settings_file_new(FALSE);
                EcivmSettingsDefaults defaults = { 2, 1536, 16384 };
                EcivmSettings *s = ecivm_settings_merge(admin ? admin : empty, user ? user : empty, &defaults);
                g_autofree char *digest = ecivm_settings_digest(s);

                ecivm_settings_free(s);
        }
        g_clear_error(&error);
        options = ecivm_daemon_options_filter(copy, &policy, refused, &error);
}

static void fuzz_manifest(const char *text, gsize len)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(EcivmManifest) m = ecivm_manifest_parse(text, len, "manifest.json", &error);

        if (m) {
                g_autofree char *json = ecivm_manifest_to_json(m, NULL);
        }
}

static char *attest_key;

static void fuzz_attest(const char *text, gsize len)
{
        EcivmAttestVerifyInput in = {
                .document = text, .document_len = len, .key_pem = attest_key,
                .manifest = "{}", .manifest_len = 2, .nonce = "00",
        };
        g_autoptr(EcivmAttestReport) r = ecivm_attest_verify(&in);
        g_autoptr(JsonNode) json = ecivm_attest_report_to_json(r);
}

static void fuzz_eventlog(const char *text, gsize len)
{
        g_autoptr(JsonParser) p = json_parser_new_immutable();
        g_autoptr(GError) error = NULL;
        g_autoptr(EcivmEventLog) log = NULL;

        if (!json_parser_load_from_data(p, text, (gssize) len, NULL) || !json_parser_get_root(p))
                return;
        log = ecivm_event_log_from_json(json_parser_get_root(p), &error);
        if (log) {
                g_autofree char *composite = ecivm_event_log_composite(log);
        }
}

static void fuzz_guest_cmdline(const char *text, gsize len)
{
        g_autofree char *copy = g_strndup(text, len); /* /proc/cmdline is text */
        struct init_cmdline c;
        struct init_cmdline_error err;

        (void) init_cmdline_parse(copy, &c, &err);
}

static const struct {
        const char *name;
        FuzzFunc fn;
} targets[] = {
        { "api-request", fuzz_api_request }, { "http", fuzz_http },         { "settings", fuzz_settings },
        { "manifest", fuzz_manifest },       { "attest", fuzz_attest },     { "eventlog", fuzz_eventlog },
        { "guest-cmdline", fuzz_guest_cmdline },
};

static FuzzFunc target_by_name(const char *name)
{
        for (gsize i = 0; name && i < G_N_ELEMENTS(targets); i++)
                if (strcmp(targets[i].name, name) == 0)
                        return targets[i].fn;
        return NULL;
}

static void load_attest_key(void)
{
        g_autofree char *path = g_build_filename(FUZZ_GOLDEN_DIR, "attest", "attest.pub", NULL);

        if (!attest_key && !g_file_get_contents(path, &attest_key, NULL, NULL))
                attest_key = g_strdup("");
}

static FuzzFunc chosen;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (!chosen) {
                chosen = target_by_name(g_getenv("ECIVM_FUZZ_TARGET"));
                load_attest_key();
                if (!chosen)
                        abort(); /* set ECIVM_FUZZ_TARGET */
        }
        if (size > 1024 * 1024)
                return 0;
        chosen((const char *) data, size);
        return 0;
}

#ifndef ECIVM_LIBFUZZER
static int replay_file(const char *path)
{
        g_autofree char *data = NULL;
        gsize len;

        if (!g_file_get_contents(path, &data, &len, NULL)) {
                fprintf(stderr, "fuzz-parsers: cannot read %s\n", path);
                return 1;
        }
        LLVMFuzzerTestOneInput((const uint8_t *) data, len);
        return 0;
}

int main(int argc, char **argv)
{
        int failed = 0;

        if (argc < 3 || !(chosen = target_by_name(argv[1]))) {
                fprintf(stderr, "usage: fuzz-parsers TARGET FILE|DIR...\n");
                return 2;
        }
        load_attest_key();
        for (int i = 2; i < argc; i++) {
                if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
                        g_autoptr(GDir) d = g_dir_open(argv[i], 0, NULL);
                        const char *name;

                        while (d && (name = g_dir_read_name(d))) {
                                g_autofree char *p = g_build_filename(argv[i], name, NULL);
                                failed |= replay_file(p);
                        }
                } else {
                        failed |= replay_file(argv[i]);
                }
        }
        g_free(attest_key);
        return failed;
}
#endif
