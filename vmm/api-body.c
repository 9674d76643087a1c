#include <string.h>

#include "api-body.h"

const char *const ecivm_api_fields_create_wrapper[] = { "HostConfig", "Cpuset", "NetworkingConfig", NULL };
const char *const ecivm_api_fields_config[] = {
        "Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "ExposedPorts", "Tty",
        "OpenStdin", "StdinOnce", "Env", "Cmd", "Healthcheck", "ArgsEscaped", "Image", "Volumes", "WorkingDir",
        "Entrypoint", "NetworkDisabled", "MacAddress", "OnBuild", "Labels", "StopSignal", "StopTimeout", "Shell",
        NULL,
};
const char *const ecivm_api_fields_host_config[] = {
        "Binds", "ContainerIDFile", "LogConfig", "NetworkMode", "PortBindings", "RestartPolicy", "AutoRemove",
        "VolumeDriver", "VolumesFrom", "CapAdd", "CapDrop", "CgroupnsMode", "Dns", "DnsOptions", "DnsSearch",
        "ExtraHosts", "GroupAdd", "IpcMode", "Cgroup", "Links", "OomScoreAdj", "PidMode", "Privileged",
        "PublishAllPorts", "ReadonlyRootfs", "SecurityOpt", "StorageOpt", "Tmpfs", "UTSMode", "UsernsMode",
        "ShmSize", "Sysctls", "Runtime", "ConsoleSize", "Isolation", "Mounts", "MaskedPaths", "ReadonlyPaths",
        "Init", NULL,
};
const char *const ecivm_api_fields_resources[] = {
        "CpuShares", "Memory", "NanoCpus", "CgroupParent", "BlkioWeight", "BlkioWeightDevice",
        "BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps", "CpuPeriod",
        "CpuQuota", "CpuRealtimePeriod", "CpuRealtimeRuntime", "CpusetCpus", "CpusetMems", "Devices",
        "DeviceCgroupRules", "DeviceRequests", "KernelMemory", "KernelMemoryTCP", "MemoryReservation", "MemorySwap",
        "MemorySwappiness", "OomKillDisable", "PidsLimit", "Ulimits", "CpuCount", "CpuPercent", "IOMaximumIOps",
        "IOMaximumBandwidth", NULL,
};
const char *const ecivm_api_fields_update[] = { "RestartPolicy", NULL };
const char *const ecivm_api_fields_mount[] = { "Type",        "Source",        "Target",       "ReadOnly",
                                               "Consistency", "BindOptions", "VolumeOptions", "TmpfsOptions",
                                               NULL };
const char *const ecivm_api_fields_volume_options[] = { "NoCopy", "Labels", "DriverConfig", NULL };
const char *const ecivm_api_fields_driver[] = { "Name", "Options", NULL };
const char *const ecivm_api_fields_volume_create[] = { "Driver", "DriverOpts", "Labels", "Name", NULL };

/* ---- parsing ---- */

typedef struct {
        GHashTable *seen; /* JsonObject -> members parsed into it so far */
        char *twice;      /* the first key given twice in one object */
        guint depth, roots;
} Scan;

static void on_member(JsonParser *parser, JsonObject *o, const char *name, gpointer user)
{
        Scan *s = user;
        guint n = GPOINTER_TO_UINT(g_hash_table_lookup(s->seen, o)) + 1;

        (void) parser;
        g_hash_table_insert(s->seen, o, GUINT_TO_POINTER(n));
        if (n > json_object_get_size(o) && !s->twice)
                s->twice = g_strdup(name); /* json-glib replaced the earlier one */
}

static void on_start(JsonParser *parser, gpointer user)
{
        (void) parser;
        ((Scan *) user)->depth++;
}

static void on_end(JsonParser *parser, gpointer node, gpointer user)
{
        Scan *s = user;

        (void) parser;
        (void) node;
        if (--s->depth == 0)
                s->roots++;
}

/* A NUL byte or a \u0000 escape: json-glib ends the string there, Go does not. */
static gboolean has_nul(const char *s, gsize len)
{
        if (memchr(s, '\0', len))
                return TRUE;
        for (gsize i = 0; i + 1 < len; i++) {
                if (s[i] != '\\')
                        continue;
                if (s[i + 1] == 'u' && i + 6 <= len && memcmp(s + i + 2, "0000", 4) == 0)
                        return TRUE;
                i++; /* the escaped character */
        }
        return FALSE;
}

static JsonObject *parse_scanned(JsonParser *parser, const char *body, gsize len, Scan *s, char **ret_why)
{
        JsonNode *root;
        g_autofree char *key = NULL;

        if (!json_parser_load_from_data(parser, body, (gssize) len, NULL) || !(root = json_parser_get_root(parser)) ||
            !JSON_NODE_HOLDS_OBJECT(root)) {
                *ret_why = g_strdup("the request body is not a JSON object");
                return NULL;
        }
        if (s->roots != 1) {
                *ret_why = g_strdup("the request body holds more than one JSON value");
                return NULL;
        }
        if (s->twice) {
                key = ecivm_api_body_printable(s->twice);
                *ret_why = g_strdup_printf("the request body gives the key %s twice in one object: dockerd "
                                           "reads the last one",
                                           key);
                return NULL;
        }
        return json_node_get_object(root);
}

JsonObject *ecivm_api_body_parse(JsonParser *parser, const char *body, gsize len, char **ret_why)
{
        Scan s = { .seen = g_hash_table_new(NULL, NULL) };
        JsonObject *o;

        if (!body || len == 0)
                return NULL;
        if (has_nul(body, len)) {
                *ret_why = g_strdup("the request body has a NUL character: dockerd and the filter would read "
                                    "it differently");
                g_hash_table_unref(s.seen);
                return NULL;
        }
        g_signal_connect(parser, "object-member", G_CALLBACK(on_member), &s);
        g_signal_connect(parser, "object-start", G_CALLBACK(on_start), &s);
        g_signal_connect(parser, "array-start", G_CALLBACK(on_start), &s);
        g_signal_connect(parser, "object-end", G_CALLBACK(on_end), &s);
        g_signal_connect(parser, "array-end", G_CALLBACK(on_end), &s);
        o = parse_scanned(parser, body, len, &s, ret_why);
        g_signal_handlers_disconnect_by_data(parser, &s);
        g_hash_table_unref(s.seen);
        g_free(s.twice);
        return o;
}

/* ---- Go's field matching ---- */

char *ecivm_api_body_fold(const char *key)
{
        GString *f = g_string_sized_new(strlen(key));

        for (const char *p = key; *p; p++) {
                if (g_str_has_prefix(p, "\xc5\xbf")) { /* U+017F */
                        g_string_append_c(f, 'S');
                        p += 1;
                } else if (g_str_has_prefix(p, "\xe2\x84\xaa")) { /* U+212A */
                        g_string_append_c(f, 'K');
                        p += 2;
                } else {
                        g_string_append_c(f, g_ascii_toupper(*p));
                }
        }
        return g_string_free(f, FALSE);
}

/* fold(field) -> field */
static GHashTable *field_set(const char *const *const *fields)
{
        GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

        for (gsize l = 0; fields[l]; l++)
                for (const char *const *f = fields[l]; *f; f++)
                        g_hash_table_insert(set, ecivm_api_body_fold(*f), (gpointer) *f);
        return set;
}

const char *ecivm_api_body_find(JsonObject *o, const char *const *const *fields, const char **ret_field)
{
        g_autoptr(GHashTable) set = field_set(fields);
        g_autoptr(GList) keys = o ? json_object_get_members(o) : NULL;

        for (GList *k = keys; k; k = k->next) {
                g_autofree char *f = ecivm_api_body_fold(k->data);
                const char *field = g_hash_table_lookup(set, f);
                if (field) {
                        *ret_field = field;
                        return k->data;
                }
        }
        return NULL;
}

char *ecivm_api_body_printable(const char *key)
{
        gboolean utf8 = g_utf8_validate(key, -1, NULL);
        GString *s = g_string_new(NULL);

        for (const guchar *p = (const guchar *) key; *p; p++) {
                if (*p < 0x20 || *p == 0x7f || (*p >= 0x80 && !utf8))
                        g_string_append_printf(s, "\\x%02x", *p);
                else
                        g_string_append_c(s, (char) *p);
        }
        return g_string_free(s, FALSE);
}

static char *refuse_spelling(const char *where, const char *key, const char *field)
{
        g_autofree char *k = ecivm_api_body_printable(key);

        return g_strdup_printf("the key %s%s%s is not allowed: dockerd reads it as %s%s%s (spell it exactly)", where,
                               *where ? "." : "", k, where, *where ? "." : "", field);
}

static char *refuse_twice(const char *where, const char *a, const char *b)
{
        g_autofree char *pa = ecivm_api_body_printable(a), *pb = ecivm_api_body_printable(b);

        return g_strdup_printf("the keys %s and %s%s%s are not allowed together: dockerd matches keys ignoring "
                               "case",
                               pa, pb, *where ? " of " : "", where);
}

char *ecivm_api_body_check_struct(JsonObject *o, const char *where, const char *const *const *fields)
{
        g_autoptr(GHashTable) set = NULL, folded = NULL;
        g_autoptr(GList) keys = NULL;

        if (!o)
                return NULL;
        set = field_set(fields);
        folded = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        keys = json_object_get_members(o);
        for (GList *k = keys; k; k = k->next) {
                const char *key = k->data, *field, *other;
                char *f = ecivm_api_body_fold(key);

                if ((field = g_hash_table_lookup(set, f)) && !g_str_equal(key, field)) {
                        g_free(f);
                        return refuse_spelling(where, key, field);
                }
                if ((other = g_hash_table_lookup(folded, f))) {
                        g_free(f);
                        return refuse_twice(where, other, key);
                }
                g_hash_table_insert(folded, f, (gpointer) key);
        }
        return NULL;
}
