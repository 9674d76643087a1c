/* Fuzz targets for the guest's parsers of host-controlled input, one binary,
 * the target picked by name:
 *   runc-policy    ecivm-runc's ECI policy (guest/runc/policy.c) over an OCI
 *                  config: a golden case {"context":…, "config":…} or a bare
 *                  config, applied under a typical VM's facts, once as-is and
 *                  once with the shim's root path, lxcfs and ecivm-procfs
 *                  set; the context part of a case is ignored (the shim
 *                  resolves it itself)
 *   guest-control  ecivm-init's control port (guest/init/control.c): the
 *                  bytes arrive on a socket as the host would send them, each
 *                  event is answered as requests.c does, and every answer the
 *                  guest sends back must decode as a well-formed frame
 *
 * With -DECIVM_LIBFUZZER it is a libFuzzer target whose target comes from
 * ECIVM_FUZZ_TARGET; otherwise `fuzz-guest TARGET FILE|DIR...` replays
 * inputs, which is how `make check` runs the corpora. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "guest/init/control.h"
#include "guest/runc/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                              \
        do {                                                                                  \
                if (!(x)) {                                                                   \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #x); \
                        abort();                                                              \
                }                                                                             \
        } while (0)

typedef void (*FuzzFunc)(const uint8_t *data, size_t len);

/* ---- runc-policy ---- */

static void bind_fact_free(gpointer p)
{
        EciBindFact *f = p;

        g_free(f->realpath);
        g_free(f);
}

static void add_bind(GHashTable *binds, const char *src, EciSourceShape shape)
{
        EciBindFact *b = g_new0(EciBindFact, 1);

        b->realpath = g_strdup(src);
        b->shape = shape;
        b->fd = -1;
        g_hash_table_replace(binds, g_strdup(src), b);
}

/* The facts of tests/unit/test-runc-policy.c's default context. */
static void policy_run(JsonNode *config, gboolean shim)
{
        static const char *const ns[][2] = {
                { "pid", "4:4026531836" }, { "network", "4:4026531840" }, { "ipc", "4:4026531839" },
                { "uts", "4:4026531838" }, { "cgroup", "4:4026531835" }, { "mount", "4:4026531841" },
        };
        g_autoptr(GHashTable) vm_ns = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_autoptr(GHashTable) ns_identity = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_autoptr(GHashTable) binds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, bind_fact_free);
        g_autoptr(GError) error = NULL;
        EciPolicyContext ctx = {
                .id_base = 100000, .id_count = 65536, .socket_mount_allowed = shim,
                .vm_ns = vm_ns, .ns_identity = ns_identity, .binds = binds,
                .container_id = "c1",
                .root_path = shim ? "/run/ecivm-runc/c1/rootfs" : NULL,
                .lxcfs_dir = shim ? "/var/lib/lxcfs" : NULL,
                .procfs_dir = shim ? "/run/ecivm-procfs" : NULL,
        };

        for (gsize i = 0; i < G_N_ELEMENTS(ns); i++)
                g_hash_table_replace(vm_ns, g_strdup(ns[i][0]), g_strdup(ns[i][1]));
        g_hash_table_replace(ns_identity, g_strdup("/proc/42/ns/net"), g_strdup("4:4026532300"));
        add_bind(binds, "/var/lib/docker/containers/c1/resolv.conf", ECI_SOURCE_PLAIN);
        add_bind(binds, "/var/lib/docker/containers/c1/hostname", ECI_SOURCE_PLAIN);
        add_bind(binds, "/var/lib/docker/containers/c1/hosts", ECI_SOURCE_PLAIN);
        add_bind(binds, "/var/lib/docker/volumes/v/_data", ECI_SOURCE_PLAIN);
        add_bind(binds, "/var/lib/docker/volumes/vvols/_data", ECI_SOURCE_FOREIGN);
        add_bind(binds, "/tmp", ECI_SOURCE_PLAIN);
        if (eci_policy_apply(config, &ctx, &error)) {
                g_autofree char *text = json_to_string(config, FALSE);

                CHECK(text != NULL);
        } else {
                /* a refusal is one line: it is what `docker run` prints */
                CHECK(error != NULL && error->domain == ECI_POLICY_ERROR);
                CHECK(strchr(error->message, '\n') == NULL);
        }
}

static void fuzz_runc_policy(const uint8_t *data, size_t len)
{
        g_autoptr(JsonParser) parser = json_parser_new();
        JsonNode *root, *config;

        if (!json_parser_load_from_data(parser, (const char *) data, (gssize) len, NULL))
                return;
        root = json_parser_get_root(parser);
        if (!root)
                return;
        config = root;
        if (JSON_NODE_HOLDS_OBJECT(root) && json_object_has_member(json_node_get_object(root), "config"))
                config = json_object_get_member(json_node_get_object(root), "config");
        {
                g_autoptr(JsonNode) a = json_node_copy(config);
                g_autoptr(JsonNode) b = json_node_copy(config);

                policy_run(a, FALSE);
                policy_run(b, TRUE);
        }
}

/* ---- guest-control ---- */

typedef struct {
        struct control *c;
        unsigned events;
} ControlRun;

/* fuzz-guest --print: each answer the guest sends is printed (one line), so
 * tests/bad-input can assert what a bad frame gets. */
static gboolean print_answers;

/* What requests.c does with each event, minus the I/O of the answers. */
static void answer(void *user, const struct control_event *ev)
{
        ControlRun *run = user;
        struct control *c = run->c;
        const char *nonce;

        run->events++;
        switch (ev->kind) {
        case CONTROL_HELLO:
                control_begin(c, WIRE_V_BOOTED, 0);
                control_add(c, "kernel", "%s", "6.1.0-fuzz");
                break;
        case CONTROL_MESSAGE:
                CHECK(ev->msg && ev->has_id);
                switch (ev->msg->verb) {
                case WIRE_V_EVIDENCE:
                        nonce = wire_control_get(ev->msg, "nonce");
                        control_begin(c, WIRE_V_EVIDENCE_REPLY, ev->id);
                        control_add(c, "nonce", "%s", nonce ? nonce : "");
                        break;
                case WIRE_V_STATUS:
                case WIRE_V_PING:
                case WIRE_V_SHUTDOWN:
                        control_begin(c, WIRE_V_REPLY, ev->id);
                        control_add(c, "ok", "1");
                        break;
                default:
                        control_begin(c, WIRE_V_REPLY, ev->id);
                        control_add(c, "ok", "0");
                        control_add(c, "error", "%s", "verb not accepted by the guest");
                }
                break;
        default:
                CHECK(ev->why != NULL);
                if (!ev->has_id) {
                        if (print_answers)
                                printf("dropped: %s\n", ev->why);
                        return;
                }
                control_begin(c, WIRE_V_REPLY, ev->id);
                control_add(c, "ok", "0");
                control_add(c, "error", "%s", ev->why);
        }
        CHECK(control_send(c, 1000) == 0);
}

/* Everything the guest sent back must be well-formed CONTROL frames. */
static void drain_answers(int fd, struct wire_decoder *dec)
{
        uint8_t buf[8192];
        ssize_t n;

        while ((n = read(fd, buf, sizeof(buf))) > 0) {
                size_t off = 0;

                while (off < (size_t) n) {
                        struct wire_frame f;
                        struct wire_control m;
                        int ready;
                        ssize_t used = wire_decoder_feed(dec, buf + off, (size_t) n - off, &f, &ready);

                        CHECK(used >= 0);
                        off += (size_t) used;
                        if (ready) {
                                CHECK(f.type == WIRE_CONTROL);
                                CHECK(wire_control_decode(f.payload, f.length, &m) == 0);
                                if (print_answers) {
                                        printf("%s id=%u", wire_verb_name(m.verb), m.id);
                                        for (unsigned i = 0; i < m.n_fields; i++)
                                                printf(" %s=%s", m.fields[i].key, m.fields[i].value);
                                        printf("\n");
                                }
                        }
                }
        }
        CHECK(n < 0 && errno == EAGAIN);
}

static void fuzz_guest_control(const uint8_t *data, size_t len)
{
        static struct control c;
        static struct wire_decoder host;
        ControlRun run = { .c = &c };
        int sv[2];
        size_t off = 0;

        /* bounded so the answers fit in the socket buffer */
        if (len > 16 * 1024)
                return;
        CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
        control_init(&c);
        c.fd = sv[0];
        c.connected = true;
        wire_decoder_init(&host);
        while (off < len) {
                ssize_t n = write(sv[1], data + off, len - off);

                CHECK(n > 0 || (n < 0 && errno == EAGAIN));
                if (n > 0)
                        off += (size_t) n;
                control_read(&c, answer, &run);
                drain_answers(sv[1], &host);
        }
        control_read(&c, answer, &run);
        drain_answers(sv[1], &host);
        /* the host hangs up: the guest notices and keeps its fd */
        close(sv[1]);
        control_read(&c, answer, &run);
        CHECK(!c.connected);
        close(sv[0]);
}

/* ---- driver ---- */

static const struct {
        const char *name;
        FuzzFunc fn;
} targets[] = {
        { "runc-policy", fuzz_runc_policy },
        { "guest-control", fuzz_guest_control },
};

static FuzzFunc target_by_name(const char *name)
{
        for (gsize i = 0; name && i < G_N_ELEMENTS(targets); i++)
                if (strcmp(targets[i].name, name) == 0)
                        return targets[i].fn;
        return NULL;
}

static FuzzFunc chosen;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (!chosen) {
                /* a GLib critical (a JSON getter on the wrong node type) is a finding */
                g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
                if (!(chosen = target_by_name(g_getenv("ECIVM_FUZZ_TARGET"))))
                        abort(); /* set ECIVM_FUZZ_TARGET */
        }
        if (size > 1024 * 1024)
                return 0;
        chosen(data, size);
        return 0;
}

#ifndef ECIVM_LIBFUZZER
static int replay_file(const char *path)
{
        g_autofree char *data = NULL;
        gsize len;

        if (!g_file_get_contents(path, &data, &len, NULL)) {
                fprintf(stderr, "fuzz-guest: cannot read %s\n", path);
                return 1;
        }
        LLVMFuzzerTestOneInput((const uint8_t *) data, len);
        return 0;
}

int main(int argc, char **argv)
{
        int failed = 0;

        if (argc > 1 && strcmp(argv[1], "--print") == 0) {
                print_answers = TRUE;
                argv++;
                argc--;
        }
        if (argc < 3 || !(chosen = target_by_name(argv[1]))) {
                fprintf(stderr, "usage: fuzz-guest [--print] TARGET FILE|DIR...\n");
                return 2;
        }
        g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
        for (int i = 2; i < argc; i++) {
                if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
                        g_autoptr(GDir) d = g_dir_open(argv[i], 0, NULL);
                        const char *name;

                        while (d && (name = g_dir_read_name(d))) {
                                g_autofree char *p = g_build_filename(argv[i], name, NULL);

                                failed |= replay_file(p);
                        }
                } else {
                        failed |= replay_file(argv[i]);
                }
        }
        return failed;
}
#endif
