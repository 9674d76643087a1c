#include "api-proto.h"
#include "attest.h"
#include "error.h"
#include "user-input.h"

static const char *const methods[] = { "ping", "status", "start", "stop", "restart", "subscribe", "logs",
                                       "settings-show", "settings-set", "settings-reset", "attest", NULL };

void ecivm_api_request_free(EcivmApiRequest *r)
{
        if (!r)
                return;
        g_free(r->method);
        if (r->params)
                json_object_unref(r->params);
        g_free(r);
}

static gboolean invalid(GError **error, const char *what)
{
        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "request: %s", what);
        return FALSE;
}

static JsonObject *parse_object(const char *line, gsize len, GError **error)
{
        g_autoptr(JsonParser) p = json_parser_new_immutable();
        g_autoptr(GError) local = NULL;
        JsonNode *root;

        if (len > ECIVM_API_MAX_LINE) {
                invalid(error, "line longer than " G_STRINGIFY(ECIVM_API_MAX_LINE_BYTES) " bytes");
                return NULL;
        }
        if (!json_parser_load_from_data(p, line, (gssize) len, &local)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "request: not JSON: %s", local->message);
                return NULL;
        }
        root = json_parser_get_root(p);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
                invalid(error, "not a JSON object");
                return NULL;
        }
        return json_object_ref(json_node_get_object(root));
}

static gboolean read_id(JsonObject *o, gint64 *ret_id)
{
        JsonNode *n = json_object_get_member(o, "id");

        if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64 ||
            json_node_get_int(n) < 0)
                return FALSE;
        *ret_id = json_node_get_int(n);
        return TRUE;
}

static gboolean check_members(JsonObject *o, GError **error)
{
        g_autoptr(GList) names = json_object_get_members(o);

        for (GList *l = names; l; l = l->next)
                if (!g_strv_contains((const char *const[]) { "v", "id", "method", "params", NULL }, l->data)) {
                        g_autofree char *what = g_strdup_printf("unknown member \"%s\"", (char *) l->data);
                        return invalid(error, what);
                }
        return TRUE;
}

EcivmApiRequest *ecivm_api_request_parse(const char *line, gsize len, gint64 *ret_id, GError **error)
{
        g_autoptr(JsonObject) o = parse_object(line, len, error);
        g_autoptr(EcivmApiRequest) r = NULL;
        g_autoptr(GError) local = NULL;
        JsonNode *v, *method, *params;
        gint64 id;

        *ret_id = -1;
        if (!o)
                return NULL;
        if (!read_id(o, &id)) {
                invalid(error, "id: expected a non-negative integer");
                return NULL;
        }
        *ret_id = id;
        /* what json-glib accepts but JSON does not: NUL in strings, 0x400, duplicate keys
         * (an id spelt 0x8 was read as 8: the reply names it) */
        if (!ecivm_json_strict_check(line, len, &local)) {
                invalid(error, local->message);
                return NULL;
        }
        v = json_object_get_member(o, "v");
        if (!v || !JSON_NODE_HOLDS_VALUE(v) || json_node_get_value_type(v) != G_TYPE_INT64 ||
            json_node_get_int(v) != ECIVM_API_VERSION) {
                invalid(error, "v: expected 1 (protocol version)");
                return NULL;
        }
        if (!check_members(o, error))
                return NULL;
        method = json_object_get_member(o, "method");
        if (!method || !JSON_NODE_HOLDS_VALUE(method) || json_node_get_value_type(method) != G_TYPE_STRING) {
                invalid(error, "method: expected a string");
                return NULL;
        }
        if (!g_strv_contains(methods, json_node_get_string(method))) {
                g_autofree char *shown = ecivm_escape_bounded(json_node_get_string(method), -1, ECIVM_LOG_INPUT_MAX);
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_REFUSED, "request: unknown method \"%s\"", shown);
                return NULL;
        }
        params = json_object_get_member(o, "params");
        if (params && !JSON_NODE_HOLDS_OBJECT(params)) {
                invalid(error, "params: expected an object");
                return NULL;
        }
        if (params && g_str_equal(json_node_get_string(method), "attest") &&
            !ecivm_attest_params_check(json_node_get_object(params), error))
                return NULL;
        r = g_new0(EcivmApiRequest, 1);
        r->id = id;
        r->method = g_strdup(json_node_get_string(method));
        r->params = params ? json_object_ref(json_node_get_object(params)) : json_object_new();
        return g_steal_pointer(&r);
}

static char *to_line(JsonBuilder *b)
{
        g_autoptr(JsonNode) root = json_builder_get_root(b);
        g_autofree char *text = json_to_string(root, FALSE);
        return g_strconcat(text, "\n", NULL);
}

static void begin(JsonBuilder *b, gint64 id)
{
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "v");
        json_builder_add_int_value(b, ECIVM_API_VERSION);
        json_builder_set_member_name(b, "id");
        json_builder_add_int_value(b, id);
}

char *ecivm_api_request_build(gint64 id, const char *method, JsonObject *params)
{
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autoptr(JsonNode) pn = json_node_new(JSON_NODE_OBJECT);

        begin(b, id);
        json_builder_set_member_name(b, "method");
        json_builder_add_string_value(b, method);
        if (params) {
                json_node_set_object(pn, params);
                json_builder_set_member_name(b, "params");
                json_builder_add_value(b, json_node_copy(pn));
        }
        json_builder_end_object(b);
        return to_line(b);
}

char *ecivm_api_reply_ok(gint64 id, JsonNode *result)
{
        g_autoptr(JsonBuilder) b = json_builder_new();

        begin(b, id);
        json_builder_set_member_name(b, "ok");
        json_builder_add_boolean_value(b, TRUE);
        json_builder_set_member_name(b, "result");
        if (result) {
                json_builder_add_value(b, json_node_copy(result));
        } else {
                json_builder_begin_object(b);
                json_builder_end_object(b);
        }
        json_builder_end_object(b);
        return to_line(b);
}

char *ecivm_api_reply_error(gint64 id, const char *code, const char *message)
{
        g_autoptr(JsonBuilder) b = json_builder_new();

        begin(b, id);
        json_builder_set_member_name(b, "ok");
        json_builder_add_boolean_value(b, FALSE);
        json_builder_set_member_name(b, "error");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "code");
        json_builder_add_string_value(b, code);
        json_builder_set_member_name(b, "message");
        json_builder_add_string_value(b, message);
        json_builder_end_object(b);
        json_builder_end_object(b);
        return to_line(b);
}

const char *ecivm_api_error_code(const GError *error)
{
        if (error->domain != ECIVM_ERROR)
                return "internal";
        switch ((EcivmErrorCode) error->code) {
        case ECIVM_ERROR_INVALID: return "invalid";
        case ECIVM_ERROR_STATE: return "state";
        case ECIVM_ERROR_REFUSED: return "refused";
        case ECIVM_ERROR_IO: return "io";
        default: return "internal";
        }
}

JsonNode *ecivm_api_reply_parse(const char *line, gsize len, gint64 *ret_id, GError **error)
{
        g_autoptr(JsonObject) o = parse_object(line, len, error);
        JsonObject *err;

        *ret_id = -1;
        if (!o)
                return NULL;
        /* a refused connection is answered with id -1 */
        if (!read_id(o, ret_id) && !json_object_has_member(o, "error")) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_PROTOCOL, "reply: missing id");
                return NULL;
        }
        if (json_object_get_boolean_member_with_default(o, "ok", FALSE)) {
                JsonNode *r = json_object_get_member(o, "result");
                return r ? json_node_copy(r) : json_node_new(JSON_NODE_NULL);
        }
        err = json_object_has_member(o, "error") && JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, "error"))
                      ? json_object_get_object_member(o, "error")
                      : NULL;
        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_REFUSED, "%s",
                    err ? json_object_get_string_member_with_default(err, "message", "unknown error")
                        : "malformed reply");
        return NULL;
}
