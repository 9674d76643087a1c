/* The guest's EVIDENCE_REPLY -> the document's "evidence" object (kept
 * apart from attest.c so that only its users link the wire codec). */
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

static gboolean protocol(GError **error, const char *what)
{
        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_PROTOCOL, "guest evidence: %s", what);
        return FALSE;
}

/* NAME's hex chunks -> text (NULL when the guest had none). */
static gboolean reassemble(const struct wire_control *c, const char *name, char **ret_text, GError **error)
{
        char len_key[64], key[64];
        const char *len_s;
        g_autoptr(GString) hex = g_string_new(NULL);
        g_autofree char *text = NULL;
        gint64 len;
        char *end;

        *ret_text = NULL;
        if (wire_evidence_hex_key(len_key, sizeof(len_key), name, 0, 0) < 0)
                return protocol(error, "field name too long");
        len_s = wire_control_get(c, len_key);
        if (!len_s) {
                g_autofree char *what = g_strdup_printf("%s missing", len_key);
                return protocol(error, what);
        }
        len = g_ascii_strtoll(len_s, &end, 10);
        if (*end || end == len_s || len < -1 || len > WIRE_EVIDENCE_DAEMON_JSON_MAX) {
                g_autofree char *what = g_strdup_printf("%s out of range", len_key);
                return protocol(error, what);
        }
        if (len < 0)
                return TRUE;
        for (guint i = 0; wire_evidence_hex_key(key, sizeof(key), name, i, 1) == 0; i++) {
                const char *chunk = wire_control_get(c, key);

                if (!chunk)
                        break;
                g_string_append(hex, chunk);
        }
        if (hex->len != (gsize) len * 2 || !is_hex(hex->str)) {
                g_autofree char *what = g_strdup_printf("daemon.json hex does not match %s", len_key);
                return protocol(error, what);
        }
        text = g_malloc((gsize) len + 1);
        for (gint64 i = 0; i < len; i++)
                text[i] = (char) (g_ascii_xdigit_value(hex->str[2 * i]) << 4 | g_ascii_xdigit_value(hex->str[2 * i + 1]));
        text[len] = '\0';
        if (strlen(text) != (gsize) len)
                return protocol(error, "daemon.json contains a NUL byte");
        *ret_text = g_steal_pointer(&text);
        return TRUE;
}

/* The HEX_TEXT field's TEXT (daemon.json) and what the host derives from it. */
static gboolean add_daemon_json(JsonBuilder *b, const char *text, GError **error)
{
        g_autofree char *def = NULL, *sha = NULL;
        g_auto(GStrv) runtimes = NULL;

        if (text) {
                g_autoptr(GError) local = NULL;

                sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
                if (!ecivm_attest_daemon_json_runtimes(text, &runtimes, &def, &local))
                        return protocol(error, local->message);
        }
        json_builder_set_member_name(b, WIRE_EVIDENCE_JSON(DAEMON_JSON));
        text ? json_builder_add_string_value(b, text) : json_builder_add_null_value(b);
        json_builder_set_member_name(b, WIRE_EVIDENCE_JSON(DAEMON_JSON_SHA256));
        sha ? json_builder_add_string_value(b, sha) : json_builder_add_null_value(b);
        json_builder_set_member_name(b, WIRE_EVIDENCE_JSON(RUNTIMES));
        json_builder_begin_array(b);
        for (guint i = 0; runtimes && runtimes[i]; i++)
                json_builder_add_string_value(b, runtimes[i]);
        json_builder_end_array(b);
        json_builder_set_member_name(b, WIRE_EVIDENCE_JSON(DEFAULT_RUNTIME));
        def ? json_builder_add_string_value(b, def) : json_builder_add_null_value(b);
        return TRUE;
}

/* The LINE fields of WIRE_EVIDENCE_FIELDS as strings, in the table's order,
 * then daemon.json and what derives from it. */
JsonNode *ecivm_attest_evidence_from_wire(const struct wire_control *c, GError **error)
{
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autofree char *text = NULL;

        if (!reassemble(c, WIRE_EVIDENCE_KEY(DAEMON_JSON), &text, error))
                return NULL;
        json_builder_begin_object(b);
        for (gsize i = 0; i < WIRE_EVIDENCE_N_FIELDS; i++) {
                const struct wire_evidence_member_info *f = &wire_evidence_members[i];
                const char *v;

                if (f->type != WIRE_EVIDENCE_TYPE_LINE)
                        continue;
                v = wire_control_get(c, f->key);
                if (!v) {
                        g_autofree char *what = g_strdup_printf("%s missing", f->key);
                        protocol(error, what);
                        return NULL;
                }
                json_builder_set_member_name(b, f->json);
                json_builder_add_string_value(b, v);
        }
        if (!add_daemon_json(b, text, error))
                return NULL;
        json_builder_end_object(b);
        return json_builder_get_root(b);
}
