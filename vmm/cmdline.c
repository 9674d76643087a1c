#include "config.h"

#include <string.h>

#include "cmdline.h"
#include "error.h"

#define ALLOWED_DESC "A-Za-z0-9/_.-"

void
ecivm_cmdline_params_init(EcivmCmdlineParams *p)
{
        *p = (EcivmCmdlineParams){
                .root_device = WIRE_CMDLINE_DEFAULT_ROOT,
                .rootfstype = WIRE_CMDLINE_DEFAULT_ROOTFSTYPE,
                .data_device = WIRE_CMDLINE_DEFAULT_DATA,
                .dockerd_iptables = FALSE,
                .heartbeat_seconds = WIRE_CMDLINE_HEARTBEAT_DEFAULT,
                .probe = FALSE,
                .quiet = TRUE,
                .verity_hash_device = WIRE_CMDLINE_DEFAULT_VERITY_HASH,
        };
}

static gboolean
char_allowed(char c, gboolean allow_slash)
{
        if (g_ascii_isalnum(c) || c == '_' || c == '.' || c == '-')
                return TRUE;
        return allow_slash && c == '/';
}

/* Describes C for an error message without echoing control bytes. */
static char *
describe_char(char c)
{
        if (c == '\'')
                return g_strdup("\"'\"");
        if (g_ascii_isgraph(c) || c == ' ')
                return g_strdup_printf("'%c'", c);
        return g_strdup_printf("\\x%02x", (guchar)c);
}

static gboolean
check_value(const char *field, const char *value, gboolean is_device, GError **error)
{
        if (value == NULL || value[0] == '\0') {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: must not be empty", field);
                return FALSE;
        }
        for (gsize i = 0; value[i] != '\0'; i++) {
                if (!char_allowed(value[i], is_device)) {
                        g_autofree char *c = describe_char(value[i]);
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID,
                                    "%s: invalid character %s at offset %" G_GSIZE_FORMAT " (allowed: %s)",
                                    field, c, i, is_device ? ALLOWED_DESC : "A-Za-z0-9_.-");
                        return FALSE;
                }
        }
        if (is_device && value[0] != '/') {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: must be an absolute path", field);
                return FALSE;
        }
        if (is_device && (strstr(value, "/../") != NULL || g_str_has_suffix(value, "/.."))) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: must not contain '..'", field);
                return FALSE;
        }
        if (strlen(value) > 255) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: longer than 255 characters", field);
                return FALSE;
        }
        return TRUE;
}

static gboolean
check_hex64(const char *field, const char *value, GError **error)
{
        gsize n = value != NULL ? strlen(value) : 0;

        if (n != 64 || strspn(value, "0123456789abcdef") != n) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: expected 64 lowercase hex digits", field);
                return FALSE;
        }
        return TRUE;
}

static gboolean
check_verity(const EcivmCmdlineParams *p, GError **error)
{
        if (p->verity_root_hash == NULL && p->verity_salt == NULL && p->verity_data_blocks == 0)
                return TRUE;
        if (!check_hex64("verity_root_hash", p->verity_root_hash, error) ||
            !check_hex64("verity_salt", p->verity_salt, error) ||
            !check_value("verity_hash_device", p->verity_hash_device, TRUE, error))
                return FALSE;
        if (strcmp(p->verity_hash_device, p->root_device) == 0 ||
            strcmp(p->verity_hash_device, p->data_device) == 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID,
                            "verity_hash_device: must differ from root_device and data_device");
                return FALSE;
        }
        if (p->verity_data_blocks == 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "verity_data_blocks: must not be 0");
                return FALSE;
        }
        return TRUE;
}

/* KEY's value in P (in BUF when it is a number), NULL when P leaves KEY out. */
static const char *
key_value(const EcivmCmdlineParams *p, enum wire_cmdline_key key, char *buf, gsize cap)
{
        gboolean verity = p->verity_root_hash != NULL;

        switch (key) {
        case WIRE_CMDLINE_ROOT:
                return p->root_device;
        case WIRE_CMDLINE_ROOTFSTYPE:
                return p->rootfstype;
        case WIRE_CMDLINE_DATA:
                return p->data_device;
        case WIRE_CMDLINE_HEARTBEAT:
                g_snprintf(buf, cap, "%u", p->heartbeat_seconds);
                return buf;
        case WIRE_CMDLINE_VERITY:
                return p->verity_root_hash;
        case WIRE_CMDLINE_VERITY_SALT:
                return verity ? p->verity_salt : NULL;
        case WIRE_CMDLINE_VERITY_HASH:
                return verity ? p->verity_hash_device : NULL;
        case WIRE_CMDLINE_VERITY_BLOCKS:
                if (!verity)
                        return NULL;
                g_snprintf(buf, cap, "%" G_GUINT64_FORMAT, p->verity_data_blocks);
                return buf;
        case WIRE_CMDLINE_DOCKERD_IPTABLES:
                return p->dockerd_iptables ? WIRE_CMDLINE_FLAG_ON : NULL;
        case WIRE_CMDLINE_PROBE:
                return p->probe ? WIRE_CMDLINE_FLAG_ON : NULL;
        case WIRE_CMDLINE_N_KEYS:
                break;
        }
        return NULL;
}

char *
ecivm_cmdline_build(const EcivmCmdlineParams *p, GError **error)
{
        g_return_val_if_fail(p != NULL, NULL);
        g_return_val_if_fail(error == NULL || *error == NULL, NULL);

        if (!check_value("root_device", p->root_device, TRUE, error) ||
            !check_value("rootfstype", p->rootfstype, FALSE, error) ||
            !check_value("data_device", p->data_device, TRUE, error))
                return NULL;
        if (strcmp(p->root_device, p->data_device) == 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID,
                            "data_device: must differ from root_device (%s)", p->root_device);
                return NULL;
        }
        if (p->heartbeat_seconds < WIRE_CMDLINE_HEARTBEAT_MIN ||
            p->heartbeat_seconds > WIRE_CMDLINE_HEARTBEAT_MAX) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID,
                            "heartbeat_seconds: %u is out of range %u..%u", p->heartbeat_seconds,
                            WIRE_CMDLINE_HEARTBEAT_MIN, WIRE_CMDLINE_HEARTBEAT_MAX);
                return NULL;
        }
        if (!check_verity(p, error))
                return NULL;

        g_autoptr(GString) s = g_string_new(ECIVM_CMDLINE_FIXED);
        for (int k = 0; k < WIRE_CMDLINE_N_KEYS; k++) {
                char buf[32];
                const char *v = key_value(p, k, buf, sizeof(buf));

                if (v != NULL)
                        g_string_append_printf(s, " " WIRE_CMDLINE_PREFIX "%s=%s", wire_cmdline_keys[k].name, v);
        }
        if (p->quiet)
                g_string_append(s, " quiet");

        /* Unreachable with the 255-byte field cap, kept as the guarantee. */
        if (s->len > WIRE_CMDLINE_MAX) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID,
                            "cmdline: %" G_GSIZE_FORMAT " bytes exceeds the kernel limit of %d", s->len,
                            WIRE_CMDLINE_MAX);
                return NULL;
        }
        return g_string_free(g_steal_pointer(&s), FALSE);
}
