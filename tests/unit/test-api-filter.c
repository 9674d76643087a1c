/* The Engine API filter (vmm/api-filter.c) and the HTTP head parser
 * (vmm/http-parse.c).
 *
 * tests/unit/golden/api-filter/<name>.http -> .out, <name> being allow-* or
 * deny-* (the outcome is asserted from it).  The file is a request
 * written with LF line ends (the test sends CRLF; a file holding CR bytes is
 * sent as is), optionally preceded by a "#policy k=v ..." line:
 *   eci=0|1 (1)  load=0|1 blockDockerLoad (0)  images=a,b  origin=host|container
 *   commands=allow|deny:c1,c2
 * A body without Content-Length/Transfer-Encoding gets a Content-Length.
 * Output: "path=<cleaned> body=<framing>" then "allow", "deny <status>: <message>" or
 * "malformed: <error>" (a deny: the proxy answers 400); an allowed create or
 * volume create adds "view: <what the filter read>".  deny-malformed-*
 * requests are sent exactly as written. */
#include "vmm-golden.h"

#include "api-body.h"
#include "api-filter.h"
#include "http-parse.h"

typedef struct {
        EcivmApiPolicy p;
        EcivmApiOrigin origin;
        GStrv images, commands;
} Policy;

static void parse_policy(const char *line, Policy *pol)
{
        g_auto(GStrv) kv = g_strsplit(line, " ", -1);

        pol->p.eci = TRUE;
        for (char **k = kv; *k; k++) {
                if (g_str_has_prefix(*k, "eci="))
                        pol->p.eci = (*k)[4] == '1';
                else if (g_str_has_prefix(*k, "load="))
                        pol->p.block_docker_load = (*k)[5] == '1';
                else if (g_str_has_prefix(*k, "images="))
                        pol->images = g_strsplit(*k + 7, ",", -1);
                else if (g_str_has_prefix(*k, "origin="))
                        pol->origin = g_str_equal(*k + 7, "container") ? ECIVM_API_ORIGIN_CONTAINER
                                                                       : ECIVM_API_ORIGIN_HOST;
                else if (g_str_has_prefix(*k, "commands=")) {
                        const char *v = *k + 9;
                        pol->p.command_list_type = g_str_has_prefix(v, "allow:") ? ECIVM_COMMAND_LIST_ALLOW
                                                                                  : ECIVM_COMMAND_LIST_DENY;
                        pol->commands = g_strsplit(strchr(v, ':') + 1, ",", -1);
                }
        }
        pol->p.images = pol->images;
        pol->p.commands = pol->commands;
}

static GString *build_request(const char *text, gboolean raw)
{
        const char *sep = strstr(text, "\n\n");
        g_autofree char *head = sep ? g_strndup(text, (gsize) (sep - text)) : g_strdup(text);
        const char *body = sep ? sep + 2 : "";
        g_auto(GStrv) lines = g_strsplit(head, "\n", -1);
        GString *req = g_string_new(NULL);
        gboolean framed = strstr(head, "Content-Length") || strstr(head, "Transfer-Encoding");

        if (raw || strchr(text, '\r')) {
                g_string_append(req, text);
                return req;
        }
        for (char **l = lines; *l; l++)
                g_string_append_printf(req, "%s\r\n", *l);
        if (*body && !framed)
                g_string_append_printf(req, "Content-Length: %zu\r\n", strlen(body));
        g_string_append(req, "\r\n");
        g_string_append(req, body);
        return req;
}

static const char *framing_name(EcivmHttpBody b)
{
        switch (b) {
        case ECIVM_HTTP_BODY_LENGTH: return "length";
        case ECIVM_HTTP_BODY_CHUNKED: return "chunked";
        case ECIVM_HTTP_BODY_UNTIL_CLOSE: return "until-close";
        default: return "none";
        }
}

static void filter_case(const char *base, const char *name)
{
        g_autofree char *in_rel = g_strconcat(base, ".http", NULL);
        g_autofree char *out_rel = g_strconcat(base, ".out", NULL);
        g_autofree char *text = golden_read(in_rel, NULL);
        g_autoptr(GString) out = g_string_new(NULL);
        g_autoptr(GString) req = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(EcivmHttpHead) h = NULL;
        g_autoptr(GByteArray) body = g_byte_array_new();
        Policy pol = { 0 };
        const char *rest = text;
        g_autofree char *why = NULL;
        gboolean denied = TRUE;
        gssize hl;

        if (g_str_has_prefix(text, "#policy")) {
                g_autofree char *line = g_strndup(text, strcspn(text, "\n"));
                parse_policy(line, &pol);
                rest = text + strlen(line) + 1;
        } else {
                parse_policy("", &pol);
        }
        req = build_request(rest, g_str_has_prefix(name, "deny-malformed-"));
        hl = ecivm_http_head_length(req->str, req->len);
        h = hl > 0 ? ecivm_http_parse_request(req->str, (gsize) hl, &error) : NULL;
        if (!h) {
                g_string_append_printf(out, "malformed: %s\n", error ? error->message : "no complete head");
        } else {
                gboolean ok = TRUE;
                g_string_append_printf(out, "path=%s body=%s\n", h->path, framing_name(h->body));
                if (h->body == ECIVM_HTTP_BODY_CHUNKED) {
                        EcivmHttpChunked c;
                        ecivm_http_chunked_init(&c);
                        ok = ecivm_http_chunked_feed(&c, req->str + hl, req->len - (gsize) hl, body) >= 0 && c.done;
                } else {
                        g_byte_array_append(body, (const guint8 *) req->str + hl, (guint) (req->len - (gsize) hl));
                }
                if (!ok) {
                        g_string_append(out, "malformed: chunked framing\n");
                } else {
                        int status = 0;
                        why = ecivm_api_filter_check(&pol.p, pol.origin, h, (const char *) body->data, body->len,
                                                     &status);
                        denied = why != NULL;
                        if (ecivm_api_filter_needs_body(&pol.p, h))
                                g_string_append(out, "needs body\n");
                        if (why)
                                g_string_append_printf(out, "deny %d: %s\n", status, why);
                        else
                                g_string_append(out, "allow\n");
                        if (!why && ecivm_api_filter_needs_body(&pol.p, h)) {
                                g_autofree char *view =
                                        ecivm_api_filter_view(h, (const char *) body->data, body->len);
                                if (view)
                                        g_string_append_printf(out, "view: %s\n", view);
                        }
                }
        }
        golden_compare(out_rel, out->str);
        golden_assert_allow_deny(name, denied, why);
        g_strfreev(pol.images);
        g_strfreev(pol.commands);
}

static void test_deny_response(void **state)
{
        g_autofree char *r = ecivm_api_filter_deny_response("--pid=host is not \"allowed\"", 403);

        assert_string_equal(r, "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: 51\r\n"
                               "Connection: close\r\n\r\n{\"message\":\"ecivm: --pid=host is not \\\"allowed\\\"\"}\n");
}

static void test_image_match(void **state)
{
        assert_true(ecivm_api_image_matches("docker.io/testcontainers/ryuk:*", "testcontainers/ryuk:0.5"));
        assert_true(ecivm_api_image_matches("docker.io/testcontainers/ryuk:*", "testcontainers/ryuk"));
        assert_false(ecivm_api_image_matches("docker.io/testcontainers/ryuk:*", "testcontainers/ryukx:1"));
        assert_true(ecivm_api_image_matches("alpine", "docker.io/library/alpine:latest"));
        assert_false(ecivm_api_image_matches("alpine:3.19", "alpine"));
        assert_true(ecivm_api_image_matches("registry.example:5000/a/b:1", "registry.example:5000/a/b:1"));
        assert_true(ecivm_api_image_matches("a@sha256:abc", "docker.io/library/a@sha256:abc"));
        assert_false(ecivm_api_image_matches("a@sha256:abc", "a:latest"));
        assert_true(ecivm_api_image_matches("*", "anything"));
        assert_false(ecivm_api_image_matches("alpine", NULL));
}

/* Go's folding: ASCII case, U+017F as s and U+212A as k, nothing else. */
static void test_go_fold(void **state)
{
        static const char *const cases[][2] = {
                { "pidMode", "PIDMODE" },          { "Networ\xe2\x84\xaaMode", "NETWORKMODE" },
                { "Ho\xc5\xbftConfig", "HOSTCONFIG" }, { "\xc3\xa9" "a_1", "\xc3\xa9" "A_1" },
                { "\xe2\x84", "\xe2\x84" },          { "", "" },
        };
        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *f = ecivm_api_body_fold(cases[i][0]);
                assert_string_equal(f, cases[i][1]);
        }
}

/* Each struct's fields fold apart (Go would otherwise match one of two), and
 * the embedded structs add no field the outer one has. */
static void test_field_tables(void **state)
{
        const char *const *const sets[][3] = {
                { ecivm_api_fields_create_wrapper, ecivm_api_fields_config, ecivm_api_fields_host_config },
                { ecivm_api_fields_host_config, ecivm_api_fields_resources, NULL },
                { ecivm_api_fields_update, ecivm_api_fields_resources, NULL },
                { ecivm_api_fields_mount, NULL, NULL },
                { ecivm_api_fields_volume_options, NULL, NULL },
                { ecivm_api_fields_driver, NULL, NULL },
                { ecivm_api_fields_volume_create, NULL, NULL },
        };
        for (gsize s = 0; s < G_N_ELEMENTS(sets); s++) {
                g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
                for (gsize l = 0; l < 3 && sets[s][l]; l++)
                        for (const char *const *f = sets[s][l]; *f; f++) {
                                char *folded = ecivm_api_body_fold(*f);
                                if (g_hash_table_contains(seen, folded))
                                        fail_msg("%s folds like another field of its struct", *f);
                                g_hash_table_add(seen, folded);
                        }
        }
}

/* Heads split anywhere, and the limits. */
static void test_head_length(void **state)
{
        const char *r = "GET /_ping HTTP/1.1\r\nHost: d\r\n\r\nGET";
        g_autofree char *big = g_strnfill(ECIVM_HTTP_MAX_HEAD + 10, 'a');

        for (gsize i = 0; i < 32; i++)
                assert_int_equal(ecivm_http_head_length(r, i), 0);
        assert_int_equal(ecivm_http_head_length(r, strlen(r)), 32);
        assert_int_equal(ecivm_http_head_length(big, strlen(big)), -1);
}

static void test_response_framing(void **state)
{
        static const struct {
                const char *head, *method;
                EcivmHttpBody body;
                gboolean upgrade;
        } cases[] = {
                { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "GET", ECIVM_HTTP_BODY_LENGTH, FALSE },
                { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "GET", ECIVM_HTTP_BODY_CHUNKED, FALSE },
                { "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n", "POST",
                  ECIVM_HTTP_BODY_UNTIL_CLOSE, FALSE },
                { "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n", "POST",
                  ECIVM_HTTP_BODY_NONE, TRUE },
                { "HTTP/1.1 204 No Content\r\n\r\n", "POST", ECIVM_HTTP_BODY_NONE, FALSE },
                { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "HEAD", ECIVM_HTTP_BODY_NONE, FALSE },
                { "HTTP/1.1 100 Continue\r\n\r\n", "POST", ECIVM_HTTP_BODY_NONE, FALSE },
        };
        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(GError) error = NULL;
                g_autoptr(EcivmHttpHead) h =
                        ecivm_http_parse_response(cases[i].head, strlen(cases[i].head), cases[i].method, &error);
                assert_non_null(h);
                assert_int_equal(h->body, cases[i].body);
                assert_int_equal(h->upgrade, cases[i].upgrade);
        }
}

/* Chunked bodies fed one byte at a time end exactly where they end. */
static void test_chunked_bytewise(void **state)
{
        const char *b = "4;ext=1\r\nabcd\r\n0\r\nTrailer: x\r\n\r\nNEXT";
        g_autoptr(GByteArray) data = g_byte_array_new();
        EcivmHttpChunked c;
        gsize used = 0;

        ecivm_http_chunked_init(&c);
        while (!c.done) {
                gssize n = ecivm_http_chunked_feed(&c, b + used, 1, data);
                assert_true(n >= 0);
                used += (gsize) n;
                if (n == 0)
                        break;
        }
        assert_true(c.done);
        assert_int_equal(used, strlen(b) - 4);
        assert_int_equal(data->len, 4);
        assert_memory_equal(data->data, "abcd", 4);
        ecivm_http_chunked_init(&c);
        assert_int_equal(ecivm_http_chunked_feed(&c, "zz\r\n", 4, NULL), -1);
        ecivm_http_chunked_init(&c);
        assert_int_equal(ecivm_http_chunked_feed(&c, "1\r\nab", 5, NULL), -1);
}

int main(void)
{
        const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_deny_response),    cmocka_unit_test(test_image_match),
                cmocka_unit_test(test_head_length),      cmocka_unit_test(test_response_framing),
                cmocka_unit_test(test_chunked_bytewise), cmocka_unit_test(test_go_fold),
                cmocka_unit_test(test_field_tables),
        };
        return golden_run("api-filter", fixed, G_N_ELEMENTS(fixed), "api-filter", ".http", filter_case, 20);
}
