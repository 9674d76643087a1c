#include <string.h>

#include "attest.h"
#include "error.h"

static gboolean is_hex(const char *s)
{
        for (; *s; s++)
                if (!g_ascii_isxdigit(*s))
                        return FALSE;
        return TRUE;
}

gboolean ecivm_attest_nonce_check(const char *nonce, const char *what, GError **error)
{
        gsize len = strlen(nonce);

        if (!is_hex(nonce) || len % 2 != 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: expected hex digits (an even number)", what);
                return FALSE;
        }
        if (len > 2 * ECIVM_ATTEST_NONCE_MAX_BYTES) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: longer than %d bytes", what,
                            ECIVM_ATTEST_NONCE_MAX_BYTES);
                return FALSE;
        }
        return TRUE;
}

gboolean ecivm_attest_params_check(JsonObject *params, GError **error)
{
        g_autoptr(GList) names = json_object_get_members(params);
        JsonNode *n = json_object_get_member(params, "nonce");

        for (GList *l = names; l; l = l->next)
                if (!g_str_equal(l->data, "nonce")) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "request: params.%s: unknown member",
                                    (char *) l->data);
                        return FALSE;
                }
        if (!n)
                return TRUE;
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "request: params.nonce: expected a string");
                return FALSE;
        }
        return ecivm_attest_nonce_check(json_node_get_string(n), "request: params.nonce", error);
}

gboolean ecivm_attest_daemon_json_runtimes(const char *text, GStrv *ret_runtimes, char **ret_default,
                                           GError **error)
{
        g_autoptr(JsonParser) p = json_parser_new_immutable();
        g_autoptr(GError) local = NULL;
        g_autoptr(GStrvBuilder) names = g_strv_builder_new();
        JsonObject *o;
        JsonNode *rt, *def;

        if (!json_parser_load_from_data(p, text, -1, &local) || !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "daemon.json: not a JSON object%s%s",
                            local ? ": " : "", local ? local->message : "");
                return FALSE;
        }
        o = json_node_get_object(json_parser_get_root(p));
        rt = json_object_get_member(o, "runtimes");
        def = json_object_get_member(o, "default-runtime");
        if ((rt && !JSON_NODE_HOLDS_OBJECT(rt)) ||
            (def && (!JSON_NODE_HOLDS_VALUE(def) || json_node_get_value_type(def) != G_TYPE_STRING))) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID,
                            "daemon.json: runtimes must be an object and default-runtime a string");
                return FALSE;
        }
        if (rt) {
                g_autoptr(GList) l = json_object_get_members(json_node_get_object(rt));
                for (GList *i = l; i; i = i->next)
                        g_strv_builder_add(names, i->data);
        }
        *ret_runtimes = g_strv_builder_end(names);
        *ret_default = g_strdup(def ? json_node_get_string(def) : ECIVM_ATTEST_DOCKER_DEFAULT_RUNTIME);
        return TRUE;
}

char *ecivm_attest_iso8601(gint64 real_time_us)
{
        g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(real_time_us / G_USEC_PER_SEC);

        return t ? g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("1970-01-01T00:00:00Z");
}

static void member_string(JsonBuilder *b, const char *name, const char *value)
{
        json_builder_set_member_name(b, name);
        json_builder_add_string_value(b, value ? value : "");
}

char *ecivm_attest_payload_build(const EcivmAttestPayload *p)
{
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autoptr(JsonNode) root = NULL;
        g_autofree char *boot = ecivm_attest_iso8601(p->boot_time_us);
        g_autofree char *issued = ecivm_attest_iso8601(p->issued_at_us);
        g_autofree char *nonce = g_ascii_strdown(p->nonce ? p->nonce : "", -1);

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "attestationVersion");
        json_builder_add_int_value(b, ECIVM_ATTEST_VERSION);
        member_string(b, "instance", p->instance);
        member_string(b, "bootTime", boot);
        member_string(b, "issuedAt", issued);
        member_string(b, "nonce", nonce);
        member_string(b, "manifestSigner", p->manifest_signer);
        member_string(b, "manifestSha256", p->manifest_sha256);
        json_builder_set_member_name(b, "eventLog");
        json_builder_add_value(b, json_node_copy(p->event_log));
        member_string(b, "composite", p->composite);
        json_builder_set_member_name(b, "evidence");
        json_builder_add_value(b, json_node_copy(p->evidence));
        json_builder_end_object(b);
        root = json_builder_get_root(b);
        return json_to_string(root, FALSE);
}

JsonNode *ecivm_attest_envelope(const char *payload, const char *signature_b64, const char *key_id)
{
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autofree char *b64 = g_base64_encode((const guchar *) payload, strlen(payload));

        json_builder_begin_object(b);
        member_string(b, "payloadType", ECIVM_ATTEST_PAYLOAD_TYPE);
        member_string(b, "payload", b64);
        member_string(b, "signature", signature_b64);
        member_string(b, "keyId", key_id);
        json_builder_end_object(b);
        return json_builder_get_root(b);
}
