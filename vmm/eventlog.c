#include "config.h"

#include <string.h>

#include "error.h"
#include "eventlog.h"

static void event_free(gpointer p)
{
        EcivmEvent *e = p;

        g_free(e->event);
        if (e->content)
                json_node_unref(e->content);
        g_free(e);
}

EcivmEventLog *ecivm_event_log_new(void)
{
        EcivmEventLog *log = g_new0(EcivmEventLog, 1);

        log->events = g_ptr_array_new_with_free_func(event_free);
        return log;
}

void ecivm_event_log_free(EcivmEventLog *log)
{
        if (!log)
                return;
        g_ptr_array_unref(log->events);
        g_free(log);
}

static gboolean hex64_ok(const char *s)
{
        return s != NULL && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static void hex_to_bytes(const char *hex, guint8 out[32])
{
        for (int i = 0; i < 32; i++)
                out[i] = (guint8) (g_ascii_xdigit_value(hex[2 * i]) << 4 | g_ascii_xdigit_value(hex[2 * i + 1]));
}

static void extend(guint8 m[32], const char *digest_hex)
{
        g_autoptr(GChecksum) c = g_checksum_new(G_CHECKSUM_SHA256);
        guint8 d[32];
        gsize len = 32;

        hex_to_bytes(digest_hex, d);
        g_checksum_update(c, m, 32);
        g_checksum_update(c, d, 32);
        g_checksum_get_digest(c, m, &len);
}

gboolean ecivm_event_log_add(EcivmEventLog *log, const char *event, const char *digest_hex, JsonNode *content,
                             GError **error)
{
        g_autoptr(JsonNode) owned = content;
        g_autofree char *name = g_strdup(event); /* EVENT may live in CONTENT */
        EcivmEvent *e;

        if (!hex64_ok(digest_hex)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "event %s: digest: expected 64 lowercase hex digits",
                            event);
                return FALSE;
        }
        if (log->events->len >= ECIVM_EVENTLOG_MAX_EVENTS) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "event log: more than %d events",
                            ECIVM_EVENTLOG_MAX_EVENTS);
                return FALSE;
        }
        if (owned == NULL) {
                g_autoptr(JsonObject) o = json_object_new();
                owned = json_node_init_object(json_node_alloc(), o);
        }
        if (!JSON_NODE_HOLDS_OBJECT(owned)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "event %s: content must be an object", event);
                return FALSE;
        }
        json_object_set_string_member(json_node_get_object(owned), "event", name);
        e = g_new0(EcivmEvent, 1);
        e->event = g_steal_pointer(&name);
        g_strlcpy(e->digest, digest_hex, sizeof(e->digest));
        e->content = g_steal_pointer(&owned);
        g_ptr_array_add(log->events, e);
        extend(log->composite, digest_hex);
        return TRUE;
}

static char *to_hex(const guint8 *b, gsize n)
{
        GString *s = g_string_sized_new(n * 2);

        for (gsize i = 0; i < n; i++)
                g_string_append_printf(s, "%02x", b[i]);
        return g_string_free(s, FALSE);
}

char *ecivm_event_log_composite(const EcivmEventLog *log)
{
        return to_hex(log->composite, 32);
}

JsonNode *ecivm_event_log_to_json(const EcivmEventLog *log)
{
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autofree char *composite = ecivm_event_log_composite(log);

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "logVersion");
        json_builder_add_int_value(b, 1);
        json_builder_set_member_name(b, "hashAlg");
        json_builder_add_string_value(b, "sha256");
        json_builder_set_member_name(b, "pcr");
        json_builder_add_int_value(b, ECIVM_EVENTLOG_PCR);
        json_builder_set_member_name(b, "events");
        json_builder_begin_array(b);
        for (guint i = 0; i < log->events->len; i++) {
                const EcivmEvent *e = log->events->pdata[i];

                json_builder_begin_object(b);
                json_builder_set_member_name(b, "recnum");
                json_builder_add_int_value(b, i);
                json_builder_set_member_name(b, "pcr");
                json_builder_add_int_value(b, ECIVM_EVENTLOG_PCR);
                json_builder_set_member_name(b, "digests");
                json_builder_begin_array(b);
                json_builder_begin_object(b);
                json_builder_set_member_name(b, "hashAlg");
                json_builder_add_string_value(b, "sha256");
                json_builder_set_member_name(b, "digest");
                json_builder_add_string_value(b, e->digest);
                json_builder_end_object(b);
                json_builder_end_array(b);
                json_builder_set_member_name(b, "content_type");
                json_builder_add_string_value(b, "ecivm");
                json_builder_set_member_name(b, "content");
                json_builder_add_value(b, json_node_copy(e->content));
                json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_set_member_name(b, "composite");
        json_builder_add_string_value(b, composite);
        json_builder_end_object(b);
        return json_builder_get_root(b);
}

G_GNUC_PRINTF(2, 3)
static gboolean bad(GError **error, const char *fmt, ...)
{
        va_list ap;
        g_autofree char *msg = NULL;

        va_start(ap, fmt);
        msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "eventLog: %s", msg);
        return FALSE;
}

static gboolean int_member(JsonObject *o, const char *name, gint64 *ret)
{
        JsonNode *n = json_object_get_member(o, name);

        if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
                return FALSE;
        *ret = json_node_get_int(n);
        return TRUE;
}

static const char *str_member(JsonObject *o, const char *name)
{
        JsonNode *n = json_object_get_member(o, name);

        if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
                return NULL;
        return json_node_get_string(n);
}

static gboolean parse_event(EcivmEventLog *log, JsonNode *n, guint i, GError **error)
{
        JsonObject *o, *d;
        JsonArray *digests;
        JsonNode *content, *dn;
        const char *event, *digest;
        gint64 v;

        if (!JSON_NODE_HOLDS_OBJECT(n))
                return bad(error, "events[%u]: expected an object", i);
        o = json_node_get_object(n);
        if (!int_member(o, "recnum", &v) || v != i)
                return bad(error, "events[%u].recnum: expected %u", i, i);
        if (!int_member(o, "pcr", &v) || v != ECIVM_EVENTLOG_PCR)
                return bad(error, "events[%u].pcr: expected %d", i, ECIVM_EVENTLOG_PCR);
        if (g_strcmp0(str_member(o, "content_type"), "ecivm") != 0)
                return bad(error, "events[%u].content_type: expected \"ecivm\"", i);
        dn = json_object_get_member(o, "digests");
        if (!dn || !JSON_NODE_HOLDS_ARRAY(dn) || json_array_get_length(digests = json_node_get_array(dn)) != 1 ||
            !JSON_NODE_HOLDS_OBJECT(json_array_get_element(digests, 0)))
                return bad(error, "events[%u].digests: expected one sha256 digest", i);
        d = json_node_get_object(json_array_get_element(digests, 0));
        digest = str_member(d, "digest");
        if (g_strcmp0(str_member(d, "hashAlg"), "sha256") != 0 || !hex64_ok(digest))
                return bad(error, "events[%u].digests: expected one sha256 digest", i);
        content = json_object_get_member(o, "content");
        if (!content || !JSON_NODE_HOLDS_OBJECT(content) ||
            !(event = str_member(json_node_get_object(content), "event")))
                return bad(error, "events[%u].content: expected an object with \"event\"", i);
        return ecivm_event_log_add(log, event, digest, json_node_copy(content), error);
}

EcivmEventLog *ecivm_event_log_from_json(JsonNode *node, GError **error)
{
        g_autoptr(EcivmEventLog) log = ecivm_event_log_new();
        g_autofree char *replayed = NULL;
        JsonObject *top;
        JsonNode *events;
        const char *recorded;
        gint64 v;

        if (!node || !JSON_NODE_HOLDS_OBJECT(node))
                return bad(error, "expected an object"), NULL;
        top = json_node_get_object(node);
        if (!int_member(top, "logVersion", &v) || v != 1)
                return bad(error, "logVersion: expected 1"), NULL;
        if (g_strcmp0(str_member(top, "hashAlg"), "sha256") != 0)
                return bad(error, "hashAlg: expected \"sha256\""), NULL;
        events = json_object_get_member(top, "events");
        if (!events || !JSON_NODE_HOLDS_ARRAY(events))
                return bad(error, "events: expected an array"), NULL;
        for (guint i = 0; i < json_array_get_length(json_node_get_array(events)); i++)
                if (!parse_event(log, json_array_get_element(json_node_get_array(events), i), i, error))
                        return NULL;
        recorded = str_member(top, "composite");
        if (!hex64_ok(recorded))
                return bad(error, "composite: expected 64 lowercase hex digits"), NULL;
        replayed = ecivm_event_log_composite(log);
        if (strcmp(recorded, replayed) != 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_MISMATCH,
                            "eventLog: composite does not match the replayed events: recorded %s replayed %s",
                            recorded, replayed);
                return NULL;
        }
        return g_steal_pointer(&log);
}

const EcivmEvent *ecivm_event_log_find(const EcivmEventLog *log, const char *event)
{
        for (guint i = 0; i < log->events->len; i++) {
                const EcivmEvent *e = log->events->pdata[i];

                if (strcmp(e->event, event) == 0)
                        return e;
        }
        return NULL;
}

static JsonNode *obj(void)
{
        g_autoptr(JsonObject) o = json_object_new(); /* the node takes its own reference */

        return json_node_init_object(json_node_alloc(), o);
}

static char *sha_text(const char *text)
{
        return g_compute_checksum_for_string(G_CHECKSUM_SHA256, text ? text : "", -1);
}

EcivmEventLog *ecivm_event_log_for_boot(const EcivmBootMeasurements *b, GError **error)
{
        g_autoptr(EcivmEventLog) log = ecivm_event_log_new();
        g_autofree char *cmdline_sha = sha_text(b->cmdline);
        g_autofree char *settings_sha = sha_text(b->settings_text);
        g_autofree char *eci_sha = sha_text(b->eci_config_text);
        JsonNode *n;
        JsonObject *o;

        n = obj();
        o = json_node_get_object(n);
        json_object_set_string_member(o, "path", b->kernel_path);
        json_object_set_string_member(o, "release", b->kernel_release);
        if (!ecivm_event_log_add(log, "kernel", b->kernel_sha256, n, error))
                return NULL;
        n = obj();
        json_object_set_string_member(json_node_get_object(n), "path", b->initrd_path);
        if (!ecivm_event_log_add(log, "initrd", b->initrd_sha256, n, error))
                return NULL;
        n = obj();
        json_object_set_string_member(json_node_get_object(n), "cmdline", b->cmdline);
        if (!ecivm_event_log_add(log, "cmdline", cmdline_sha, n, error))
                return NULL;
        n = obj();
        o = json_node_get_object(n);
        json_object_set_string_member(o, "verityRootHash", b->verity_root_hash);
        json_object_set_string_member(o, "veritySalt", b->verity_salt);
        json_object_set_int_member(o, "dataBlocks", (gint64) b->data_blocks);
        json_object_set_string_member(o, "hashTreeSha256", b->hash_tree_sha256);
        if (!ecivm_event_log_add(log, "root", b->verity_root_hash, n, error))
                return NULL;
        n = obj();
        json_object_set_string_member(json_node_get_object(n), "text", b->settings_text ? b->settings_text : "");
        if (!ecivm_event_log_add(log, "settings", settings_sha, n, error))
                return NULL;
        n = obj();
        o = json_node_get_object(n);
        json_object_set_string_member(o, "text", b->eci_config_text ? b->eci_config_text : "");
        if (!b->eci_config_text)
                json_object_set_string_member(o, "note", "no ECI runtime config is pushed yet: empty document");
        if (!ecivm_event_log_add(log, "eci-config", eci_sha, n, error))
                return NULL;
        return g_steal_pointer(&log);
}
