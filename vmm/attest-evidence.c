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

/* daemon_json.0..N hex chunks -> text (NULL when the guest had none). */
static gboolean reassemble(const struct wire_control *c, char **ret_text, GError **error)
{
        const char *len_s = wire_control_get(c, "daemon_json_len");
        g_autoptr(GString) hex = g_string_new(NULL);
        g_autofree char *text = NULL;
        gint64 len;
        char *end;

        *ret_text = NULL;
        if (!len_s)
                return protocol(error, "daemon_json_len missing");
        len = g_ascii_strtoll(len_s, &end, 10);
        if (*end || end == len_s || len < -1 || len > WIRE_EVIDENCE_DAEMON_JSON_MAX)
                return protocol(error, "daemon_json_len out of range");
        if (len < 0)
                return TRUE;
        for (guint i = 0;; i++) {
                g_autofree char *key = g_strdup_printf("daemon_json.%u", i);
                const char *chunk = wire_control_get(c, key);

                if (!chunk)
                        break;
                g_string_append(hex, chunk);
        }
        if (hex->len != (gsize) len * 2 || !is_hex(hex->str))
                return protocol(error, "daemon.json hex does not match daemon_json_len");
        text = g_malloc((gsize) len + 1);
        for (gint64 i = 0; i < len; i++)
                text[i] = (char) (g_ascii_xdigit_value(hex->str[2 * i]) << 4 | g_ascii_xdigit_value(hex->str[2 * i + 1]));
        text[len] = '\0';
        if (strlen(text) != (gsize) len)
                return protocol(error, "daemon.json contains a NUL byte");
        *ret_text = g_steal_pointer(&text);
        return TRUE;
}

JsonNode *ecivm_attest_evidence_from_wire(const struct wire_control *c, GError **error)
{
        static const char *const fields[][2] = {
                { "nonce", "nonce" },     { "kernel", "kernel" },     { "cmdline", "cmdline" },
                { "boot_id", "bootId" }, { "lockdown", "lockdown" }, { "modules_disabled", "modulesDisabled" },
                { "tainted", "tainted" }, { "verity", "verity" },
                { "kptr_restrict", "kptrRestrict" }, { "dmesg_restrict", "dmesgRestrict" },
                { "unprivileged_bpf_disabled", "unprivilegedBpfDisabled" },
                { "kexec_load_disabled", "kexecLoadDisabled" }, { "root_ro", "rootReadOnly" },
                { "login_paths", "loginPaths" }, { "settings_digest", "settingsDigest" },
        };
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autofree char *text = NULL, *def = NULL, *sha = NULL;
        g_auto(GStrv) runtimes = NULL;

        if (!reassemble(c, &text, error))
                return NULL;
        json_builder_begin_object(b);
        for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
                const char *v = wire_control_get(c, fields[i][0]);

                if (!v) {
                        g_autofree char *what = g_strdup_printf("%s missing", fields[i][0]);
                        protocol(error, what);
                        return NULL;
                }
                json_builder_set_member_name(b, fields[i][1]);
                json_builder_add_string_value(b, v);
        }
        if (text) {
                g_autoptr(GError) local = NULL;

                sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
                if (!ecivm_attest_daemon_json_runtimes(text, &runtimes, &def, &local)) {
                        protocol(error, local->message);
                        return NULL;
                }
        }
        json_builder_set_member_name(b, "daemonJson");
        text ? json_builder_add_string_value(b, text) : json_builder_add_null_value(b);
        json_builder_set_member_name(b, "daemonJsonSha256");
        sha ? json_builder_add_string_value(b, sha) : json_builder_add_null_value(b);
        json_builder_set_member_name(b, "runtimes");
        json_builder_begin_array(b);
        for (guint i = 0; runtimes && runtimes[i]; i++)
                json_builder_add_string_value(b, runtimes[i]);
        json_builder_end_array(b);
        json_builder_set_member_name(b, "defaultRuntime");
        def ? json_builder_add_string_value(b, def) : json_builder_add_null_value(b);
        json_builder_end_object(b);
        return json_builder_get_root(b);
}
