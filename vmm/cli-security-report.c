/* ecivm security-report: the seed's security table for the running VM.
 * Every fact is gathered now: a fresh attestation verified against the
 * image's manifest, the host's own kernel, probe requests through the
 * Docker socket, the settings and QEMU's command line; security-report.c
 * turns them into rows.  Exit 0 when every row holds, 1 when one does not. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "attest-verify.h"
#include "cli.h"
#include "docker-client.h"
#include "error.h"
#include "security-report.h"

typedef struct {
        const char *socket;
        const char *image;
        JsonObject *probes;
} Probe;

static char *nonce_hex(void)
{
        GString *s = g_string_new(NULL);

        for (int i = 0; i < 8; i++)
                g_string_append_printf(s, "%08x", g_random_int());
        return g_string_free(s, FALSE);
}

static void add_host_facts(JsonObject *facts)
{
        JsonObject *host = json_object_new();
        struct utsname u;
        g_autofree char *boot_id = NULL, *image = NULL, *data = NULL;
        gsize len = 0;

        if (uname(&u) == 0) {
                json_object_set_string_member(host, "kernel", u.release);
                image = g_strdup_printf("/boot/vmlinuz-%s", u.release);
        }
        if (g_file_get_contents("/proc/sys/kernel/random/boot_id", &boot_id, NULL, NULL))
                json_object_set_string_member(host, "bootId", g_strstrip(boot_id));
        if (image && g_file_get_contents(image, &data, &len, NULL)) {
                g_autofree char *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) data, len);
                json_object_set_string_member(host, "kernelSha256", sha);
        }
        json_object_set_object_member(facts, "host", host);
}

static gboolean add_qemu_argv(JsonObject *facts, JsonObject *status)
{
        gint64 pid = g_ascii_strtoll(json_object_get_string_member_with_default(status, "qemuPid", "0"), NULL, 10);
        g_autofree char *path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/cmdline", pid);
        g_autofree char *text = NULL;
        gsize len = 0;
        JsonArray *argv;

        if (pid <= 0 || !g_file_get_contents(path, &text, &len, NULL))
                return FALSE;
        argv = json_array_new();
        for (gsize off = 0; off < len; off += strlen(text + off) + 1)
                json_array_add_string_element(argv, text + off);
        json_object_set_array_member(facts, "qemuArgv", argv);
        return TRUE;
}

static JsonNode *call(EcivmCli *cli, const char *method, JsonObject *params, GError **error)
{
        return ecivm_cli_call(cli, method, params, 60, error);
}

/* The attestation, verified as an admin would offline. */
static gboolean add_attestation(EcivmCli *cli, JsonObject *facts, GError **error)
{
        g_autofree char *nonce = nonce_hex(), *doc = NULL, *key_pem = NULL, *manifest = NULL, *mpath = NULL;
        g_autoptr(JsonObject) params = json_object_new();
        g_autoptr(JsonNode) result = NULL, report_json = NULL;
        g_autoptr(EcivmAttestReport) report = NULL;
        EcivmAttestVerifyInput in = { 0 };
        JsonObject *r;

        json_object_set_string_member(params, "nonce", nonce);
        result = call(cli, "attest", json_object_ref(params), error);
        if (!result)
                return FALSE;
        r = json_node_get_object(result);
        if (!json_object_has_member(r, "document") || !JSON_NODE_HOLDS_OBJECT(json_object_get_member(r, "document"))) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_PROTOCOL, "attest: malformed reply from ecivmd");
                return FALSE;
        }
        doc = json_to_string(json_object_get_member(r, "document"), FALSE);
        mpath = g_build_filename(cli->image_dir, "manifest.json", NULL);
        if (!g_file_get_contents(json_object_get_string_member_with_default(r, "publicKey", ""), &key_pem, NULL,
                                 error) ||
            !g_file_get_contents(mpath, &manifest, &in.manifest_len, error))
                return FALSE;
        in.document = doc;
        in.document_len = strlen(doc);
        in.key_pem = key_pem;
        in.manifest = manifest;
        in.nonce = nonce;
        report = ecivm_attest_verify(&in);
        report_json = ecivm_attest_report_to_json(report);
        if (report->evidence)
                json_object_set_member(json_node_get_object(report_json), "evidence", json_node_copy(report->evidence));
        json_object_set_member(facts, "attestation", g_steal_pointer(&report_json));
        return TRUE;
}

static JsonObject *docker(const Probe *p, const char *method, const char *path, const char *body, guint *status,
                          GError **error)
{
        g_autofree char *reply = NULL;
        g_autoptr(JsonParser) parser = json_parser_new();

        if (!ecivm_docker_call(p->socket, method, path, body, status, &reply, error))
                return NULL;
        /* an empty body (204 No Content) parses to no root at all */
        if (!json_parser_load_from_data(parser, reply, -1, NULL) || json_parser_get_root(parser) == NULL ||
            !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
                return json_object_new();
        return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

/* A create the filter must refuse; if it is not refused the container goes. */
static void probe_refusal(const Probe *p, const char *name, const char *host_config)
{
        g_autofree char *body = g_strdup_printf("{\"Image\":\"%s\",\"Cmd\":[\"true\"],\"HostConfig\":%s}", p->image,
                                                host_config);
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonObject) reply = NULL;
        JsonObject *o = json_object_new();
        guint status = 0;

        reply = docker(p, "POST", "/containers/create", body, &status, &error);
        json_object_set_int_member(o, "status", reply ? status : 0);
        json_object_set_string_member(o, "message", reply ? json_object_get_string_member_with_default(reply, "message",
                                                                                                       "")
                                                          : error->message);
        if (reply && status == 201) {
                g_autofree char *path = g_strdup_printf("/containers/%s?force=1",
                                                        json_object_get_string_member_with_default(reply, "Id", "x"));
                g_autofree char *ignored = NULL;
                (void) ecivm_docker_call(p->socket, "DELETE", path, NULL, &status, &ignored, NULL);
        }
        json_object_set_object_member(p->probes, name, o);
}

static gboolean expect(const Probe *p, const char *method, const char *path, const char *body, guint want,
                       JsonObject **ret, GError **error)
{
        guint status = 0;
        g_autoptr(JsonObject) reply = docker(p, method, path, body, &status, error);

        if (!reply)
                return FALSE;
        if (status != want) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_REFUSED, "%s %s: HTTP %u %s", method, path, status,
                            json_object_get_string_member_with_default(reply, "message", ""));
                return FALSE;
        }
        if (ret)
                *ret = g_steal_pointer(&reply);
        return TRUE;
}

/* A container of the report's own, printing its uid_map, then removed. */
static gboolean run_uid_map_probe(const Probe *p, char **ret_map, GError **error)
{
        g_autofree char *body = g_strdup_printf("{\"Image\":\"%s\",\"Cmd\":[\"cat\",\"/proc/self/uid_map\"],"
                                                "\"Tty\":true,\"Labels\":{\"org.ecivm.probe\":\"security-report\"},"
                                                "\"HostConfig\":{\"NetworkMode\":\"none\"}}", p->image);
        g_autoptr(JsonObject) created = NULL;
        g_autofree char *id = NULL, *base = NULL, *start = NULL, *wait = NULL, *logs = NULL, *del = NULL;
        g_autofree char *out = NULL, *ignored = NULL;
        guint status = 0;
        gboolean ok;

        if (!expect(p, "POST", "/containers/create", body, 201, &created, error))
                return FALSE;
        id = g_strdup(json_object_get_string_member_with_default(created, "Id", ""));
        base = g_strdup_printf("/containers/%s", id);
        start = g_strconcat(base, "/start", NULL);
        wait = g_strconcat(base, "/wait", NULL);
        logs = g_strconcat(base, "/logs?stdout=1&stderr=1", NULL);
        del = g_strconcat(base, "?force=1", NULL);
        ok = expect(p, "POST", start, NULL, 204, NULL, error) && expect(p, "POST", wait, NULL, 200, NULL, error) &&
             ecivm_docker_call(p->socket, "GET", logs, NULL, &status, &out, error);
        (void) ecivm_docker_call(p->socket, "DELETE", del, NULL, &status, &ignored, NULL);
        if (!ok)
                return FALSE;
        *ret_map = g_strdup(g_strstrip(out));
        return TRUE;
}

static char *pick_image(const char *socket, GError **error)
{
        g_autofree char *reply = NULL;
        g_autoptr(JsonParser) parser = json_parser_new();
        guint status = 0;
        JsonArray *a;

        if (!ecivm_docker_call(socket, "GET", "/images/json", NULL, &status, &reply, error))
                return NULL;
        if (status != 200 || !json_parser_load_from_data(parser, reply, -1, NULL) ||
            json_parser_get_root(parser) == NULL || !JSON_NODE_HOLDS_ARRAY(json_parser_get_root(parser))) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_PROTOCOL, "GET /images/json: HTTP %u", status);
                return NULL;
        }
        a = json_node_get_array(json_parser_get_root(parser));
        if (json_array_get_length(a) == 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_STATE, "no image in the VM to probe with (use --image)");
                return NULL;
        }
        return g_strdup(json_object_get_string_member_with_default(json_array_get_object_element(a, 0), "Id", ""));
}

/* ---- live probes of the isolation classes (issue 14): each request must
 * be refused with an ecivm: reason; whatever it made is removed ---- */

#define PROBE_LABEL "\"Labels\":{\"org.ecivm.probe\":\"security-report\"}"

/* {"request", "stage", "status", "message", "effect"}: the step that
 * decided (create, or start when the create passed) and whether the thing
 * the probe asked for happened (EFFECT: created, or started). */
static JsonObject *probe_fact(const Probe *p, const char *name, const char *request)
{
        JsonObject *o = json_object_new();

        json_object_set_string_member(o, "request", request);
        json_object_set_object_member(p->probes, name, o);
        return o;
}

static void probe_step(JsonObject *o, const char *stage, guint status, JsonObject *reply, const GError *error,
                       gboolean effect)
{
        json_object_set_string_member(o, "stage", stage);
        json_object_set_int_member(o, "status", reply ? status : 0);
        json_object_set_string_member(o, "message", reply ? json_object_get_string_member_with_default(reply, "message",
                                                                                                     "")
                                                          : error->message);
        json_object_set_boolean_member(o, "effect", effect);
}

static void remove_container(const Probe *p, JsonObject *created, JsonObject *o)
{
        g_autofree char *path = g_strdup_printf("/containers/%s?force=1",
                                                json_object_get_string_member_with_default(created, "Id", "x"));
        g_autofree char *ignored = NULL;
        guint status = 0;

        json_object_set_boolean_member(o, "removed",
                                       ecivm_docker_call(p->socket, "DELETE", path, NULL, &status, &ignored, NULL) &&
                                               status == 204);
}

/* A local volume binding a VM path: the filter must refuse to create it. */
static void probe_volume(const Probe *p, const char *name, const char *device)
{
        g_autofree char *vol = g_strdup_printf("ecivm-probe-%08x", g_random_int());
        g_autofree char *body = g_strdup_printf("{\"Name\":\"%s\",\"Driver\":\"local\",\"DriverOpts\":{\"type\":\"none\","
                                                "\"o\":\"bind\",\"device\":\"%s\"}," PROBE_LABEL "}", vol, device);
        g_autofree char *request = g_strdup_printf("POST /volumes/create %s", body);
        g_autoptr(GError) error = NULL;
        guint status = 0;
        g_autoptr(JsonObject) reply = docker(p, "POST", "/volumes/create", body, &status, &error);
        JsonObject *o = probe_fact(p, name, request);

        probe_step(o, "create", status, reply, error, reply && status == 201);
        if (reply && status == 201) {
                g_autofree char *path = g_strdup_printf("/volumes/%s?force=1", vol);
                g_autofree char *ignored = NULL;

                json_object_set_boolean_member(o, "removed", ecivm_docker_call(p->socket, "DELETE", path, NULL, &status,
                                                                               &ignored, NULL) && status == 204);
        }
}

/* A create BODY (the image and a harmless command added) that must be
 * refused; created, it is removed unstarted. */
static void probe_create(const Probe *p, const char *name, const char *fields)
{
        g_autofree char *body = g_strdup_printf("{\"Image\":\"%s\",\"Cmd\":[\"true\"]," PROBE_LABEL ",%s}", p->image,
                                                fields);
        g_autofree char *request = g_strdup_printf("POST /containers/create %s", fields);
        g_autoptr(GError) error = NULL;
        guint status = 0;
        g_autoptr(JsonObject) reply = docker(p, "POST", "/containers/create", body, &status, &error);
        JsonObject *o = probe_fact(p, name, request);

        probe_step(o, "create", status, reply, error, reply && status == 201);
        if (reply && status == 201)
                remove_container(p, reply, o);
}

/* A bind of SOURCE that the filter or, at start, the ECI runtime must
 * refuse; a container that starts runs `true` and is removed. */
static void probe_bind(const Probe *p, const char *name, const char *source)
{
        g_autofree char *fields = g_strdup_printf("\"HostConfig\":{\"NetworkMode\":\"none\",\"Binds\":[\"%s:/probe:ro\"]}",
                                                  source);
        g_autofree char *body = g_strdup_printf("{\"Image\":\"%s\",\"Cmd\":[\"true\"]," PROBE_LABEL ",%s}", p->image,
                                                fields);
        g_autofree char *request = g_strdup_printf("docker run -v %s:/probe:ro", source);
        g_autoptr(GError) error = NULL;
        guint status = 0;
        g_autoptr(JsonObject) created = docker(p, "POST", "/containers/create", body, &status, &error);
        JsonObject *o = probe_fact(p, name, request);

        json_object_set_string_member(o, "source", source);
        if (!created || status != 201) {
                probe_step(o, "create", status, created, error, FALSE);
                return;
        }
        {
                g_autofree char *start = g_strdup_printf("/containers/%s/start",
                                                         json_object_get_string_member_with_default(created, "Id", "x"));
                g_autoptr(JsonObject) reply = docker(p, "POST", start, NULL, &status, &error);

                probe_step(o, "start", status, reply, error, reply && status == 204);
        }
        remove_container(p, created, o);
}

static void add_probes(JsonObject *facts, const char *socket, const char *image_opt)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *image = image_opt ? g_strdup(image_opt) : pick_image(socket, &error);
        g_autofree char *map = NULL;
        Probe p = { .socket = socket, .image = image, .probes = json_object_new() };

        json_object_set_object_member(facts, "probes", p.probes);
        if (!image) {
                json_object_set_string_member(p.probes, "uidMapError", error ? error->message : "no image");
                return;
        }
        json_object_set_string_member(p.probes, "image", image);
        if (run_uid_map_probe(&p, &map, &error))
                json_object_set_string_member(p.probes, "uidMap", map);
        else
                json_object_set_string_member(p.probes, "uidMapError", error->message);
        probe_refusal(&p, "pidHost", "{\"PidMode\":\"host\"}");
        probe_refusal(&p, "socketMount", "{\"Binds\":[\"/var/run/docker.sock:/s\"]}");
        probe_volume(&p, "vmPathVolume", "/var/lib/docker");
        probe_bind(&p, "otherContainers", "/var/lib/docker/containers");
        /* Go decodes field names case-insensitively: dockerd reads this as
         * HostConfig.PidMode */
        probe_create(&p, "filterDifferential", "\"hostconfig\":{\"PidMode\":\"host\"}");
        probe_bind(&p, "runcBind", "/usr/libexec/ecivm/runc");
        probe_bind(&p, "runtimeBind", "/usr/sbin/runc");
}

int ecivm_cli_security_report(EcivmCli *cli, int argc, char **argv)
{
        g_autofree char *image = NULL, *text = NULL;
        gboolean json = FALSE;
        GOptionEntry entries[] = {
                { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Machine-readable output (rows and the facts)", NULL },
                { "image", 0, 0, G_OPTION_ARG_STRING, &image, "Image for the probe container (default: any local one)",
                  "IMAGE" },
                { NULL },
        };
        g_autoptr(JsonObject) facts = json_object_new();
        g_autoptr(JsonNode) status = NULL, settings = NULL, out = NULL;
        g_autoptr(GPtrArray) rows = NULL;
        g_autoptr(GError) error = NULL;
        JsonObject *st;

        if (!ecivm_cli_parse("security-report", "Check this VM against the ECI security table, live", entries, &argc,
                             &argv))
                return CLI_USAGE;
        status = call(cli, "status", NULL, &error);
        if (!status) {
                fprintf(stderr, "ecivm security-report: %s\n", error->message);
                return ecivm_cli_daemon_absent(error) ? CLI_NOT_RUNNING : CLI_FAILED;
        }
        st = json_node_get_object(status);
        if (g_strcmp0(json_object_get_string_member_with_default(st, "state", ""), "ready") != 0) {
                fprintf(stderr, "ecivm security-report: the VM is %s, not ready\n",
                        json_object_get_string_member_with_default(st, "state", "?"));
                return CLI_NOT_RUNNING;
        }
        if (!add_attestation(cli, facts, &error))
                fprintf(stderr, "ecivm security-report: attestation: %s\n", error->message);
        g_clear_error(&error);
        settings = call(cli, "settings-show", NULL, &error);
        if (settings)
                json_object_set_member(facts, "settings", json_node_ref(settings));
        g_clear_error(&error);
        add_host_facts(facts);
        (void) add_qemu_argv(facts, st);
        add_probes(facts, json_object_get_string_member_with_default(st, "dockerSocket", ""), image);
        rows = ecivm_security_rows(facts);
        if (json) {
                out = ecivm_security_rows_to_json(rows);
                json_object_set_object_member(json_node_get_object(out), "facts", json_object_ref(facts));
                text = json_to_string(out, TRUE);
                printf("%s\n", text);
        } else {
                text = ecivm_security_rows_to_table(rows);
                fputs(text, stdout);
        }
        return ecivm_security_all_secure(rows) ? CLI_OK : CLI_FAILED;
}
