#include "config.h"

#include <stdio.h>
#include <string.h>

#include "contract.h"
#include "security-report.h"

static void row_free(gpointer p)
{
        EcivmSecurityRow *r = p;

        g_ptr_array_unref(r->evidence);
        g_free(r);
}

static EcivmSecurityRow *row_new(GPtrArray *rows, const char *property)
{
        EcivmSecurityRow *r = g_new0(EcivmSecurityRow, 1);

        r->property = property;
        r->secure = TRUE;
        r->evidence = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(rows, r);
        return r;
}

/* Adds one piece of evidence; OK FALSE makes the row say No. */
static void G_GNUC_PRINTF(3, 4) fact(EcivmSecurityRow *r, gboolean ok, const char *fmt, ...)
{
        va_list ap;
        g_autofree char *text = NULL;

        va_start(ap, fmt);
        text = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_ptr_array_add(r->evidence, g_strdup_printf("%s %s", ok ? "ok:" : "NO:", text));
        r->secure = r->secure && ok;
}

static JsonObject *obj(JsonObject *o, const char *name)
{
        JsonNode *n = o ? json_object_get_member(o, name) : NULL;
        return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static const char *str(JsonObject *o, const char *name)
{
        JsonNode *n = o ? json_object_get_member(o, name) : NULL;
        return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING ? json_node_get_string(n)
                                                                                             : NULL;
}

static gint64 num(JsonObject *o, const char *name)
{
        JsonNode *n = o ? json_object_get_member(o, name) : NULL;
        return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64 ? json_node_get_int(n)
                                                                                            : -1;
}

static gboolean boolean(JsonObject *o, const char *name)
{
        JsonNode *n = o ? json_object_get_member(o, name) : NULL;
        return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_BOOLEAN && json_node_get_boolean(n);
}

/* An attestation check that passed; else the row says No with why. */
static void check(EcivmSecurityRow *r, JsonObject *facts, const char *name, const char *what)
{
        JsonObject *att = obj(facts, "attestation");
        JsonNode *n = att ? json_object_get_member(att, "checks") : NULL;
        JsonArray *a = n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;

        for (guint i = 0; a && i < json_array_get_length(a); i++) {
                JsonObject *c = JSON_NODE_HOLDS_OBJECT(json_array_get_element(a, i))
                                        ? json_array_get_object_element(a, i) : NULL;
                if (g_strcmp0(str(c, "check"), name) != 0)
                        continue;
                fact(r, g_strcmp0(str(c, "result"), "pass") == 0, "%s (attested %s: %s)", what, name,
                     str(c, "detail") ? str(c, "detail") : "");
                return;
        }
        fact(r, FALSE, "%s (attestation check %s did not run)", what, name);
}

static const char *evidence(JsonObject *facts, const char *name)
{
        return str(obj(obj(facts, "attestation"), "evidence"), name);
}

/* A probe request the filter must have refused with 403. */
static void refused(EcivmSecurityRow *r, JsonObject *facts, const char *probe, const char *what)
{
        JsonObject *p = obj(obj(facts, "probes"), probe);
        gint64 status = num(p, "status");

        if (!p)
                fact(r, FALSE, "%s: not probed", what);
        else
                fact(r, status == 403, "%s: HTTP %" G_GINT64_FORMAT " %s", what, status,
                     str(p, "message") ? str(p, "message") : "");
}

static gboolean boolean_or(JsonObject *o, const char *name, gboolean missing)
{
        JsonNode *n = o ? json_object_get_member(o, name) : NULL;

        if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
                return missing;
        return json_node_get_boolean(n);
}

/* A live probe of an isolation class (cli-security-report.c): Yes only on
 * the evidence of a refusal with an ecivm: reason by the host filter (HTTP
 * 400/403 at create).  A probe refused only at start by the ECI runtime is
 * No: dockerd mounts a created container's binds for docker cp and the
 * archive API without the runtime. */
static void refused_live(EcivmSecurityRow *r, JsonObject *facts, const char *probe, const char *what)
{
        JsonObject *p = obj(obj(facts, "probes"), probe);
        const char *stage = str(p, "stage"), *message = str(p, "message"), *source = str(p, "source");
        gint64 status = num(p, "status");
        gboolean reason = message && strstr(message, "ecivm:") != NULL;

        if (!p || !stage) {
                fact(r, FALSE, "%s: not probed", what);
                return;
        }
        if (!message)
                message = "";
        if (boolean_or(p, "effect", TRUE)) {
                gboolean removed = boolean_or(p, "removed", FALSE);

                fact(r, FALSE, "%s: %s (HTTP %" G_GINT64_FORMAT "), not refused%s", what,
                     g_str_equal(stage, "start") ? "started" : "created", status,
                     removed ? "; the probe removed it" : "; the probe could NOT remove it");
        } else if (status <= 0)
                fact(r, FALSE, "%s: could not be probed: %s", what, message);
        else if (g_str_equal(stage, "create") && (status == 400 || status == 403) && reason)
                fact(r, TRUE, "%s: refused by the host's filter: HTTP %" G_GINT64_FORMAT " %s", what, status, message);
        else if (g_str_equal(stage, "start") && status >= 400 && reason && source && strstr(message, source))
                fact(r, FALSE, "%s: created, refused only at start (docker cp and the archive API reach a created "
                               "container's binds): HTTP %" G_GINT64_FORMAT " %s",
                     what, status, message);
        else
                fact(r, FALSE, "%s: %s failed, but not with an ecivm: refusal of this request: HTTP %" G_GINT64_FORMAT
                     " %s", what, stage, status, message);
}

/* The first line of a uid_map: "inside outside count". */
static gboolean parse_id_map(const char *map, guint64 *inside, guint64 *outside, guint64 *count)
{
        g_auto(GStrv) words = g_strsplit_set(map, " \t\n", -1);
        guint64 v[3];
        guint n = 0;

        for (char **w = words; *w && n <= 3; w++) {
                if (**w == '\0')
                        continue;
                if (n == 3 || !g_ascii_string_to_unsigned(*w, 10, 0, G_MAXUINT64, &v[n], NULL))
                        break;
                n++;
        }
        if (n != 3)
                return FALSE;
        *inside = v[0], *outside = v[1], *count = v[2];
        return TRUE;
}

static void row_containers(GPtrArray *rows, JsonObject *facts)
{
        EcivmSecurityRow *r = row_new(rows, "Strongly secure containers");
        const char *map = str(obj(facts, "probes"), "uidMap");
        guint64 inside = 0, outside = 0, count = 0;

        if (!map)
                fact(r, FALSE, "probe container did not run: %s",
                     str(obj(facts, "probes"), "uidMapError") ? str(obj(facts, "probes"), "uidMapError") : "?");
        else if (!parse_id_map(map, &inside, &outside, &count))
                fact(r, FALSE, "probe container uid_map unreadable: \"%s\"", map);
        else
                fact(r, inside == 0 && outside != 0 && count <= 65536,
                     "probe container's uid_map \"%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                     "\": its root is VM uid %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT " IDs", inside, outside, count,
                     outside, count);
        refused(r, facts, "pidHost", "docker run --pid=host");
        refused_live(r, facts, "filterDifferential",
                     "filter differential: {\"hostconfig\":{\"PidMode\":\"host\"}} (dockerd reads field names in any case)");
        refused_live(r, facts, "otherContainers", "other containers' files: docker run -v /var/lib/docker/containers");
        check(r, facts, "guest-runtime", "dockerd's only runtime is the ECI runtime");
}

static gboolean console_output_only(JsonArray *argv, GString *why)
{
        static const char *const input_backends[] = { "stdio", "pty", "vc", "tty", "serial", "pipe", "udp",
                                                      "parallel", "spicevmc", "ringbuf", "memory", NULL };
        const char *serial = NULL;
        g_autofree char *serial_backend = NULL;

        for (guint i = 0; i + 1 < json_array_get_length(argv); i++) {
                const char *opt = json_array_get_string_element(argv, i), *val = json_array_get_string_element(argv, i + 1);

                if (!opt || !val)
                        continue;
                if (g_str_equal(opt, "-chardev")) {
                        g_autofree char *type = g_strndup(val, strcspn(val, ","));
                        if (g_strv_contains(input_backends, type) || strstr(val, "telnet") || strstr(val, "host=")) {
                                g_string_append_printf(why, "a %s character device takes input (%s)", type, val);
                                return FALSE;
                        }
                } else if (g_str_equal(opt, "-serial") || g_str_equal(opt, "-monitor") || g_str_equal(opt, "-qmp")) {
                        /* the QMP socket is ecivmd's own, in its 0700 state dir: QEMU, not the guest */
                        gboolean daemon_socket = !g_str_equal(opt, "-serial") && g_str_has_prefix(val, "unix:");
                        if (!g_str_has_prefix(val, "chardev:") && !g_str_equal(val, "none") && !daemon_socket) {
                                g_string_append_printf(why, "%s %s", opt, val);
                                return FALSE;
                        }
                        if (g_str_equal(opt, "-serial"))
                                serial = val;
                }
        }
        for (guint i = 0; serial && !serial_backend && i + 1 < json_array_get_length(argv); i++) {
                const char *val = json_array_get_string_element(argv, i + 1);
                const char *id = val ? strstr(val, ",id=") : NULL;
                if (g_strcmp0(json_array_get_string_element(argv, i), "-chardev") == 0 && id &&
                    strncmp(id + 4, serial + 8, strlen(serial + 8)) == 0 &&
                    (id[4 + strlen(serial + 8)] == ',' || id[4 + strlen(serial + 8)] == '\0'))
                        serial_backend = g_strdup(val);
        }
        if (!serial || !serial_backend || !g_str_has_prefix(serial_backend, "file,")) {
                g_string_append_printf(why, "the serial console is %s", serial_backend ? serial_backend : "not a file");
                return FALSE;
        }
        g_string_append_printf(why, "serial console written to a file (%s), no input device", serial_backend);
        return TRUE;
}

static void row_vm_access(GPtrArray *rows, JsonObject *facts)
{
        EcivmSecurityRow *r = row_new(rows, "Linux VM protected from user access");
        JsonNode *argv = json_object_get_member(facts, "qemuArgv");
        g_autoptr(GString) why = g_string_new(NULL);

        check(r, facts, "guest-login", "no shell, getty, login, sshd, su or sudo in the VM");
        if (!argv || !JSON_NODE_HOLDS_ARRAY(argv))
                fact(r, FALSE, "console: QEMU's command line not available (libvirt backend?)");
        else
                fact(r, console_output_only(json_node_get_array(argv), why), "console: %s", why->str);
        refused(r, facts, "socketMount", "docker run -v /var/run/docker.sock (the VM's engine)");
        refused_live(r, facts, "vmPathVolume",
                     "a local volume binding the VM's /var/lib/docker (type=none, o=bind)");
        refused_live(r, facts, "runcBind", "the VM's runc: docker run -v /usr/libexec/ecivm/runc");
        refused_live(r, facts, "runtimeBind", "the ECI runtime: docker run -v /usr/sbin/runc");
}

static void row_kernel(GPtrArray *rows, JsonObject *facts)
{
        EcivmSecurityRow *r = row_new(rows, "Linux VM has a dedicated kernel");
        JsonObject *host = obj(facts, "host");
        const char *guest_boot = evidence(facts, WIRE_EVIDENCE_JSON(BOOT_ID)), *host_boot = str(host, "bootId");
        const char *guest_kernel = evidence(facts, WIRE_EVIDENCE_JSON(KERNEL));

        fact(r, guest_boot && host_boot && g_ascii_strcasecmp(guest_boot, host_boot) != 0,
             "boot id: VM %s, host %s", guest_boot ? guest_boot : "?", host_boot ? host_boot : "?");
        fact(r, TRUE, "kernel release: VM %s, host %s", guest_kernel ? guest_kernel : "?",
             str(host, "kernel") ? str(host, "kernel") : "?");
        check(r, facts, "kernel", "the VM booted the measured kernel image");
        check(r, facts, "guest-kernel", "the VM runs the manifest's kernel release");
        if (str(host, "kernelSha256"))
                fact(r, TRUE, "host kernel image sha256 %s", str(host, "kernelSha256"));
}

static void row_settings(GPtrArray *rows, JsonObject *facts)
{
        EcivmSecurityRow *r = row_new(rows, "Users can't bypass admin settings");
        JsonObject *eci = obj(obj(obj(facts, "settings"), "settings"), "enhancedContainerIsolation");

        fact(r, eci && boolean(eci, "locked") && boolean(eci, "value"),
             "enhancedContainerIsolation: %s, %s by the administrator", boolean(eci, "value") ? "on" : "off",
             boolean(eci, "locked") ? "locked" : "not locked");
        check(r, facts, "guest-settings", "the VM applied the measured settings");
        check(r, facts, "eci-config", "the ECI runtime's settings are measured");
}

static void row_root(GPtrArray *rows, JsonObject *facts)
{
        EcivmSecurityRow *r = row_new(rows, "Immutable VM root file system");

        check(r, facts, "root", "root image hash tree matches the manifest");
        check(r, facts, "guest-verity", "dm-verity verifies every block read");
        check(r, facts, "guest-root", "mounted read-only");
}

static void row_lockdown(GPtrArray *rows, JsonObject *facts)
{
        EcivmSecurityRow *r = row_new(rows, "Kernel lockdown");
        const char *cmdline = evidence(facts, WIRE_EVIDENCE_JSON(CMDLINE));

        check(r, facts, "guest-lockdown", "lockdown mode");
        fact(r, cmdline && strstr(cmdline, "module.sig_enforce=1") != NULL, "module signatures enforced (%s)",
             cmdline && strstr(cmdline, "module.sig_enforce=1") ? "module.sig_enforce=1" : "not on the cmdline");
        check(r, facts, "guest-cmdline", "the VM runs the measured command line");
}

static void row_modules(GPtrArray *rows, JsonObject *facts)
{
        EcivmSecurityRow *r = row_new(rows, "Kernel modules and kexec closed");

        check(r, facts, "guest-hardening", "kernel sysctls");
        check(r, facts, "guest-tainted", "no out-of-tree or forced module loaded");
}

static void row_socket(GPtrArray *rows, JsonObject *facts)
{
        EcivmSecurityRow *r = row_new(rows, "Docker socket mount blocked");
        JsonNode *images = json_object_get_member(obj(obj(obj(facts, "settings"), "dockerSocketMount"), "imageList"),
                                                  "images");
        g_autoptr(GString) list = g_string_new(NULL);

        refused(r, facts, "socketMount", "docker run -v /var/run/docker.sock:/s");
        for (guint i = 0; images && JSON_NODE_HOLDS_ARRAY(images) && i < json_array_get_length(json_node_get_array(images));
             i++)
                g_string_append_printf(list, "%s%s", i ? ", " : "",
                                       json_array_get_string_element(json_node_get_array(images), i));
        fact(r, TRUE, "admin allow-list: %s", list->len ? list->str : "empty");
}

GPtrArray *ecivm_security_rows(JsonObject *facts)
{
        GPtrArray *rows = g_ptr_array_new_with_free_func(row_free);

        row_containers(rows, facts);
        row_vm_access(rows, facts);
        row_kernel(rows, facts);
        row_settings(rows, facts);
        row_root(rows, facts);
        row_lockdown(rows, facts);
        row_modules(rows, facts);
        row_socket(rows, facts);
        return rows;
}

gboolean ecivm_security_all_secure(GPtrArray *rows)
{
        for (guint i = 0; i < rows->len; i++)
                if (!((EcivmSecurityRow *) rows->pdata[i])->secure)
                        return FALSE;
        return TRUE;
}

JsonNode *ecivm_security_rows_to_json(GPtrArray *rows)
{
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "secure");
        json_builder_add_boolean_value(b, ecivm_security_all_secure(rows));
        json_builder_set_member_name(b, "rows");
        json_builder_begin_array(b);
        for (guint i = 0; i < rows->len; i++) {
                const EcivmSecurityRow *r = rows->pdata[i];

                json_builder_begin_object(b);
                json_builder_set_member_name(b, "property");
                json_builder_add_string_value(b, r->property);
                json_builder_set_member_name(b, "secure");
                json_builder_add_boolean_value(b, r->secure);
                json_builder_set_member_name(b, "evidence");
                json_builder_begin_array(b);
                for (guint j = 0; j < r->evidence->len; j++)
                        json_builder_add_string_value(b, r->evidence->pdata[j]);
                json_builder_end_array(b);
                json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
        return json_builder_get_root(b);
}

char *ecivm_security_rows_to_table(GPtrArray *rows)
{
        GString *s = g_string_new(NULL);

        g_string_append_printf(s, "%-38s %s\n", "Property", "This VM");
        for (guint i = 0; i < rows->len; i++) {
                const EcivmSecurityRow *r = rows->pdata[i];

                g_string_append_printf(s, "%-38s %s\n", r->property, r->secure ? "Yes" : "No");
                for (guint j = 0; j < r->evidence->len; j++)
                        g_string_append_printf(s, "    %s\n", (const char *) r->evidence->pdata[j]);
        }
        g_string_append_printf(s, "%s\n", ecivm_security_all_secure(rows) ? "All properties hold."
                                                                          : "Some properties do NOT hold.");
        return g_string_free(s, FALSE);
}
