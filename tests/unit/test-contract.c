/* The host/guest contract (wire/contract.h), proven over its tables:
 *   - every command line key: the host's builder (vmm/cmdline.c) writes it,
 *     ecivm-init's parser (guest/init/cmdline.c) reads back the same value;
 *     the defaults, the heartbeat range and the length limit agree;
 *   - every evidence field: what ecivm-init sends (the table's fields,
 *     daemon.json as hex chunks), through the wire codec, becomes the
 *     document member the table names in the host's reader (vmm/attest-evidence.c);
 *   - the SETTINGS push: the host's message (vmm/settings-guest.c) is taken
 *     by ecivm-init's settings_parse() (guest/init/settings.c) unchanged;
 *   - the tables themselves: names unique and well formed, paths absolute.
 * Both sides' sources are linked into this one program; the switches over
 * the tables' enums have no default, so a new key fails to build here until
 * it has a test value. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "vmm-golden.h"

#include "guest/init/cmdline.h"
#include "guest/init/settings.h"
#include "vmm/attest.h"
#include "vmm/cmdline.h"
#include "vmm/settings-guest.h"
#include "vmm/settings.h"

#define HASH_A "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
#define HASH_B "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b"
#define HASH_C "d4735e3a265e16eee03f59718b9b5d03019c07d8b6c51f8bd2f8fb8e7b4a5a1f"
#define HASH_D "4e07408562bedb8b60ce05c1decfe3ad16b72230967de01f640b7e4729b49fce"

static void verity_params(EcivmCmdlineParams *p)
{
        ecivm_cmdline_params_init(p);
        p->verity_root_hash = HASH_A;
        p->verity_salt = HASH_B;
        p->verity_data_blocks = 70757;
}

/* Sets KEY in P to a value other than the default. */
static void set_other(EcivmCmdlineParams *p, enum wire_cmdline_key key)
{
        switch (key) {
        case WIRE_CMDLINE_ROOT:
                p->root_device = "/dev/vdx";
                return;
        case WIRE_CMDLINE_ROOTFSTYPE:
                p->rootfstype = "ext4";
                return;
        case WIRE_CMDLINE_DATA:
                p->data_device = "/dev/vdy";
                return;
        case WIRE_CMDLINE_HEARTBEAT:
                p->heartbeat_seconds = 17;
                return;
        case WIRE_CMDLINE_VERITY:
                p->verity_root_hash = HASH_C;
                return;
        case WIRE_CMDLINE_VERITY_SALT:
                p->verity_salt = HASH_D;
                return;
        case WIRE_CMDLINE_VERITY_HASH:
                p->verity_hash_device = "/dev/vdw";
                return;
        case WIRE_CMDLINE_VERITY_BLOCKS:
                p->verity_data_blocks = G_GUINT64_CONSTANT(1) << 30;
                return;
        case WIRE_CMDLINE_DOCKERD_IPTABLES:
                p->dockerd_iptables = TRUE;
                return;
        case WIRE_CMDLINE_PROBE:
                p->probe = TRUE;
                return;
        case WIRE_CMDLINE_N_KEYS:
                break;
        }
        fail_msg("no test value for command line key %d", key);
}

/* KEY as the host means it (g_free). */
static char *host_value(const EcivmCmdlineParams *p, enum wire_cmdline_key key)
{
        switch (key) {
        case WIRE_CMDLINE_ROOT:
                return g_strdup(p->root_device);
        case WIRE_CMDLINE_ROOTFSTYPE:
                return g_strdup(p->rootfstype);
        case WIRE_CMDLINE_DATA:
                return g_strdup(p->data_device);
        case WIRE_CMDLINE_HEARTBEAT:
                return g_strdup_printf("%u", p->heartbeat_seconds);
        case WIRE_CMDLINE_VERITY:
                return g_strdup(p->verity_root_hash);
        case WIRE_CMDLINE_VERITY_SALT:
                return g_strdup(p->verity_salt);
        case WIRE_CMDLINE_VERITY_HASH:
                return g_strdup(p->verity_hash_device);
        case WIRE_CMDLINE_VERITY_BLOCKS:
                return g_strdup_printf("%" G_GUINT64_FORMAT, p->verity_data_blocks);
        case WIRE_CMDLINE_DOCKERD_IPTABLES:
                return g_strdup(p->dockerd_iptables ? "1" : "0");
        case WIRE_CMDLINE_PROBE:
                return g_strdup(p->probe ? "1" : "0");
        case WIRE_CMDLINE_N_KEYS:
                break;
        }
        return NULL;
}

/* KEY as ecivm-init understood it (g_free). */
static char *guest_value(const struct init_cmdline *c, enum wire_cmdline_key key)
{
        switch (key) {
        case WIRE_CMDLINE_ROOT:
                return g_strdup(c->root);
        case WIRE_CMDLINE_ROOTFSTYPE:
                return g_strdup(c->rootfstype);
        case WIRE_CMDLINE_DATA:
                return g_strdup(c->data);
        case WIRE_CMDLINE_HEARTBEAT:
                return g_strdup_printf("%u", c->heartbeat_s);
        case WIRE_CMDLINE_VERITY:
                return g_strdup(c->verity_root_hash);
        case WIRE_CMDLINE_VERITY_SALT:
                return g_strdup(c->verity_salt);
        case WIRE_CMDLINE_VERITY_HASH:
                return g_strdup(c->verity_hash_dev);
        case WIRE_CMDLINE_VERITY_BLOCKS:
                return g_strdup_printf("%llu", c->verity_blocks);
        case WIRE_CMDLINE_DOCKERD_IPTABLES:
                return g_strdup(c->dockerd_iptables ? "1" : "0");
        case WIRE_CMDLINE_PROBE:
                return g_strdup(c->probe ? "1" : "0");
        case WIRE_CMDLINE_N_KEYS:
                break;
        }
        return NULL;
}

/* The host builds P, the guest parses it as /proc/cmdline shows it. */
static void round_trip(const EcivmCmdlineParams *p, const char *what)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *line = ecivm_cmdline_build(p, &error);
        g_autofree char *proc = NULL;
        struct init_cmdline c;
        struct init_cmdline_error err = { 0 };

        if (!line)
                fail_msg("%s: the host refuses: %s", what, error->message);
        proc = g_strconcat(line, "\n", NULL);
        if (init_cmdline_parse(proc, &c, &err) < 0)
                fail_msg("%s: the guest refuses \"%s\": %s at %zu", what, line, err.why, err.offset);
        for (int k = 0; k < WIRE_CMDLINE_N_KEYS; k++) {
                g_autofree char *want = host_value(p, k), *got = guest_value(&c, k);

                if (g_strcmp0(want, got) != 0)
                        fail_msg("%s: ecivm.%s: the host means \"%s\", the guest read \"%s\" from \"%s\"", what,
                                 wire_cmdline_keys[k].name, want, got, line);
        }
}

static void test_cmdline_every_key(void **state)
{
        EcivmCmdlineParams p;

        (void) state;
        verity_params(&p);
        round_trip(&p, "defaults");
        for (int k = 0; k < WIRE_CMDLINE_N_KEYS; k++) {
                g_autofree char *what = g_strdup_printf("ecivm.%s set", wire_cmdline_keys[k].name);

                verity_params(&p);
                set_other(&p, k);
                round_trip(&p, what);
        }
        verity_params(&p);
        for (int k = 0; k < WIRE_CMDLINE_N_KEYS; k++)
                set_other(&p, k);
        round_trip(&p, "every key set");
}

/* Each key the host writes appears once, as ecivm.<name>=<value>. */
static void test_cmdline_written_once(void **state)
{
        EcivmCmdlineParams p;
        g_autofree char *line = NULL;

        (void) state;
        verity_params(&p);
        for (int k = 0; k < WIRE_CMDLINE_N_KEYS; k++)
                set_other(&p, k);
        line = ecivm_cmdline_build(&p, NULL);
        assert_non_null(line);
        for (int k = 0; k < WIRE_CMDLINE_N_KEYS; k++) {
                g_autofree char *value = host_value(&p, k);
                g_autofree char *token = g_strdup_printf(" " WIRE_CMDLINE_PREFIX "%s=%s", wire_cmdline_keys[k].name,
                                                         value);
                const char *at = strstr(line, token);

                assert_non_null(at);
                assert_null(strstr(at + 1, token));
                assert_int_equal(wire_cmdline_key_lookup(wire_cmdline_keys[k].name,
                                                         strlen(wire_cmdline_keys[k].name)),
                                 k);
        }
}

/* A key the host writes with its default value may be left out: the guest
 * assumes the same value. */
static void test_cmdline_defaults_agree(void **state)
{
        EcivmCmdlineParams p;
        struct init_cmdline with, without;
        g_autofree char *line = NULL;

        (void) state;
        verity_params(&p);
        line = ecivm_cmdline_build(&p, NULL);
        assert_non_null(line);
        assert_int_equal(init_cmdline_parse(line, &with, NULL), 0);
        for (int k = 0; k < WIRE_CMDLINE_N_KEYS; k++) {
                g_autofree char *prefix = g_strdup_printf(" " WIRE_CMDLINE_PREFIX "%s=", wire_cmdline_keys[k].name);
                g_autofree char *want = NULL, *got = NULL;
                g_autoptr(GString) cut = g_string_new(line);
                const char *at = strstr(line, prefix);

                if (k == WIRE_CMDLINE_ROOT || k == WIRE_CMDLINE_DATA || k == WIRE_CMDLINE_VERITY ||
                    k == WIRE_CMDLINE_VERITY_SALT || k == WIRE_CMDLINE_VERITY_HASH ||
                    k == WIRE_CMDLINE_VERITY_BLOCKS)
                        continue; /* required by the guest */
                if (at) {
                        gsize from = (gsize) (at - line), len = strcspn(at + 1, " ") + 1;
                        g_string_erase(cut, (gssize) from, (gssize) len);
                }
                assert_int_equal(init_cmdline_parse(cut->str, &without, NULL), 0);
                want = guest_value(&with, k);
                got = guest_value(&without, k);
                if (strcmp(want, got) != 0)
                        fail_msg("ecivm.%s: the host's default is %s, the guest's %s", wire_cmdline_keys[k].name, want,
                                 got);
        }
        assert_int_equal(p.heartbeat_seconds, WIRE_CMDLINE_HEARTBEAT_DEFAULT);
}

static void test_cmdline_heartbeat_range(void **state)
{
        EcivmCmdlineParams p;
        g_autofree char *low = NULL, *high = NULL;
        struct init_cmdline c;

        (void) state;
        verity_params(&p);
        p.heartbeat_seconds = WIRE_CMDLINE_HEARTBEAT_MIN;
        round_trip(&p, "heartbeat min");
        p.heartbeat_seconds = WIRE_CMDLINE_HEARTBEAT_MAX;
        round_trip(&p, "heartbeat max");
        p.heartbeat_seconds = WIRE_CMDLINE_HEARTBEAT_MIN - 1;
        assert_null(ecivm_cmdline_build(&p, NULL));
        p.heartbeat_seconds = WIRE_CMDLINE_HEARTBEAT_MAX + 1;
        assert_null(ecivm_cmdline_build(&p, NULL));
        low = g_strdup_printf("ecivm.root=/dev/vda ecivm.data=/dev/vdb ecivm.probe=1 ecivm.heartbeat=%u",
                              WIRE_CMDLINE_HEARTBEAT_MIN - 1);
        high = g_strdup_printf("ecivm.root=/dev/vda ecivm.data=/dev/vdb ecivm.probe=1 ecivm.heartbeat=%u",
                               WIRE_CMDLINE_HEARTBEAT_MAX + 1);
        assert_int_equal(init_cmdline_parse(low, &c, NULL), -EINVAL);
        assert_int_equal(init_cmdline_parse(high, &c, NULL), -EINVAL);
}

/* The guest takes the longest line the host may send, and nothing longer. */
static void test_cmdline_length(void **state)
{
        static const char head[] = "ecivm.root=/dev/vda ecivm.data=/dev/vdb ecivm.probe=1 ";
        g_autoptr(GString) text = g_string_new(head);
        struct init_cmdline c;

        (void) state;
        while (text->len < WIRE_CMDLINE_MAX)
                g_string_append_c(text, 'a');
        g_string_append_c(text, '\n');
        assert_int_equal(init_cmdline_parse(text->str, &c, NULL), 0);
        g_string_insert_c(text, (gssize) strlen(head), 'a');
        assert_int_equal(init_cmdline_parse(text->str, &c, NULL), -EINVAL);
}

static void test_tables(void **state)
{
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
        struct wire_control c = { .verb = WIRE_V_EVIDENCE_REPLY };

        (void) state;
        for (int k = 0; k < WIRE_CMDLINE_N_KEYS; k++) {
                const char *n = wire_cmdline_keys[k].name;

                assert_true(n[0] && strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(n));
                assert_true(g_hash_table_add(seen, (gpointer) n));
                assert_non_null(wire_cmdline_keys[k].meaning);
        }
        g_hash_table_remove_all(seen);
        for (int i = 0; i < WIRE_EVIDENCE_N_MEMBERS; i++) {
                const struct wire_evidence_member_info *m = &wire_evidence_members[i];

                assert_true((m->key != NULL) == (i < WIRE_EVIDENCE_N_FIELDS));
                assert_true((m->type == WIRE_EVIDENCE_TYPE_DERIVED) == (i >= WIRE_EVIDENCE_N_FIELDS));
                assert_true(g_hash_table_add(seen, (gpointer) m->json));
                if (m->key)
                        assert_int_equal(wire_control_add(&c, m->key, "x"), 0); /* a valid wire key */
        }
        g_hash_table_remove_all(seen);
        for (int k = 0; k < WIRE_SETTINGS_N_KEYS; k++)
                assert_true(g_hash_table_add(seen, (gpointer) wire_settings_keys[k].key));
        g_hash_table_remove_all(seen);
        for (int i = 0; i < WIRE_GUEST_N_PATHS; i++) {
                const char *p = wire_guest_paths[i].path;

                assert_true(p[0] == '/' && p[strlen(p) - 1] != '/' && !strstr(p, "//") && !strstr(p, "/."));
                assert_true(g_hash_table_add(seen, (gpointer) p));
        }
}

/* What ecivm-init sends for VALUES (daemon.json as hex chunks); a NULL
 * value is left out. */
static void guest_send(struct wire_control *c, const char *const values[WIRE_EVIDENCE_N_FIELDS])
{
        char key[64];

        for (int i = 0; i < WIRE_EVIDENCE_N_FIELDS; i++) {
                const struct wire_evidence_member_info *f = &wire_evidence_members[i];
                g_autofree char *len = NULL;
                gsize n;

                if (!values[i])
                        continue;
                if (f->type == WIRE_EVIDENCE_TYPE_LINE) {
                        assert_int_equal(wire_control_add(c, f->key, values[i]), 0);
                        continue;
                }
                n = strlen(values[i]);
                len = g_strdup_printf("%" G_GSIZE_FORMAT, n);
                assert_int_equal(wire_evidence_hex_key(key, sizeof(key), f->key, 0, 0), 0);
                assert_int_equal(wire_control_add(c, key, len), 0);
                for (gsize off = 0, chunk = 0; off < n; chunk++) {
                        g_autoptr(GString) hex = g_string_new(NULL);

                        for (; off < n && hex->len < WIRE_EVIDENCE_HEX_CHUNK; off++)
                                g_string_append_printf(hex, "%02x", (unsigned char) values[i][off]);
                        assert_int_equal(wire_evidence_hex_key(key, sizeof(key), f->key, (unsigned) chunk, 1), 0);
                        assert_int_equal(wire_control_add(c, key, hex->str), 0);
                }
        }
}

static void test_evidence_every_field(void **state)
{
        static const char daemon_json[] =
                "{\"default-runtime\":\"ecivm\",\"runtimes\":{\"ecivm\":{\"path\":\"/usr/libexec/ecivm/ecivm-runc\"}},"
                "\"labels\":[\"padding that makes the hex longer than one chunk: "
                "................................................................................................"
                "................................................................................................"
                "................................................................................................"
                "................................................................................................"
                "................................................................................................\"]}";
        static struct wire_control sent, received;
        static uint8_t bytes[5 + WIRE_CONTROL_MAX_BODY + 64];
        const char *values[WIRE_EVIDENCE_N_FIELDS];
        g_autofree char *sha = g_compute_checksum_for_string(G_CHECKSUM_SHA256, daemon_json, -1);
        g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonNode) doc = NULL;
        g_autoptr(GList) members = NULL;
        JsonObject *ev;
        ssize_t n;
        int i = 0;

        (void) state;
        assert_true(2 * strlen(daemon_json) > WIRE_EVIDENCE_HEX_CHUNK);
        for (int f = 0; f < WIRE_EVIDENCE_N_FIELDS; f++) {
                char *v = g_strdup_printf("value of %s", wire_evidence_members[f].key);

                g_ptr_array_add(owned, v);
                values[f] = wire_evidence_members[f].type == WIRE_EVIDENCE_TYPE_LINE ? v : daemon_json;
        }
        sent = (struct wire_control) { .verb = WIRE_V_EVIDENCE_REPLY, .id = 9 };
        guest_send(&sent, values);
        n = wire_control_encode(&sent, bytes, sizeof(bytes));
        assert_true(n > 0);
        assert_int_equal(wire_control_decode(bytes, (size_t) n, &received), 0);
        doc = ecivm_attest_evidence_from_wire(&received, &error);
        if (!doc)
                fail_msg("the host refuses the guest's evidence: %s", error->message);
        ev = json_node_get_object(doc);
        for (int f = 0; f < WIRE_EVIDENCE_N_FIELDS; f++)
                assert_string_equal(json_object_get_string_member(ev, wire_evidence_members[f].json), values[f]);
        assert_string_equal(json_object_get_string_member(ev, WIRE_EVIDENCE_JSON(DAEMON_JSON_SHA256)), sha);
        assert_string_equal(json_object_get_string_member(ev, WIRE_EVIDENCE_JSON(DEFAULT_RUNTIME)), "ecivm");
        assert_string_equal(
                json_array_get_string_element(json_object_get_array_member(ev, WIRE_EVIDENCE_JSON(RUNTIMES)), 0),
                "ecivm");
        /* exactly the table's members, in its order */
        members = json_object_get_members(ev);
        assert_int_equal(g_list_length(members), WIRE_EVIDENCE_N_MEMBERS);
        for (GList *l = members; l; l = l->next, i++)
                assert_string_equal(l->data, wire_evidence_members[i].json);
        /* and every field is needed */
        for (int f = 0; f < WIRE_EVIDENCE_N_FIELDS; f++) {
                g_autoptr(GError) missing = NULL;
                g_autoptr(JsonNode) none = NULL;
                g_autofree char *want = NULL;
                const char *keep = values[f];

                sent = (struct wire_control) { .verb = WIRE_V_EVIDENCE_REPLY, .id = 9 };
                values[f] = NULL;
                guest_send(&sent, values);
                values[f] = keep;
                none = ecivm_attest_evidence_from_wire(&sent, &missing);
                assert_null(none);
                want = g_strdup_printf("guest evidence: %s", wire_evidence_members[f].key);
                if (!g_str_has_prefix(missing->message, want))
                        fail_msg("without %s: %s", wire_evidence_members[f].key, missing->message);
        }
}

static void test_settings_push(void **state)
{
        static struct wire_control sent, received;
        static struct guest_settings g;
        static uint8_t bytes[5 + WIRE_CONTROL_MAX_BODY + 64];
        g_autoptr(EcivmSettingsFile) admin = ecivm_settings_file_new(TRUE);
        g_autoptr(EcivmSettingsFile) user = ecivm_settings_file_new(FALSE);
        EcivmSettingsDefaults defaults = { .cpus = 2, .memory_mib = 2048, .disk_size_mib = 8192 };
        g_autoptr(EcivmSettings) s = ecivm_settings_merge(admin, user, &defaults);
        g_autoptr(GError) error = NULL;
        g_autofree char *digest = NULL, *eci = NULL;
        g_autoptr(JsonParser) parser = json_parser_new();
        JsonObject *list;
        const char *why;
        ssize_t n;

        (void) state;
        g_free(s->daemon_options);
        s->daemon_options = g_strdup("{\"debug\":true,\"labels\":[\"a=b\"]}");
        g_strfreev(s->images);
        s->images = g_strsplit("docker.io/library/busybox:*,docker.io/x/y:1", ",", -1);
        s->allow_derived_images = TRUE;
        digest = ecivm_settings_digest(s);
        eci = ecivm_settings_eci_json(s);
        if (!ecivm_settings_guest_message(s, &sent, &error))
                fail_msg("the host cannot send the settings: %s", error->message);
        n = wire_control_encode(&sent, bytes, sizeof(bytes));
        assert_true(n > 0);
        assert_int_equal(wire_control_decode(bytes, (size_t) n, &received), 0);
        why = settings_parse(&received, &g);
        if (why)
                fail_msg("the guest refuses the host's settings: %s", why);
        assert_true(g.received);
        assert_string_equal(g.digest, digest);
        assert_string_equal(g.daemon_options, s->daemon_options);
        assert_string_equal(g.eci_json, eci);
        /* eci.json has the members the runtime looks for */
        assert_true(json_parser_load_from_data(parser, g.eci_json, -1, NULL));
        list = json_object_get_object_member(
                json_object_get_object_member(json_node_get_object(json_parser_get_root(parser)),
                                              WIRE_ECI_DOCKER_SOCKET_MOUNT),
                WIRE_ECI_IMAGE_LIST);
        assert_non_null(list);
        assert_true(json_object_get_boolean_member(list, WIRE_ECI_ALLOW_DERIVED_IMAGES));
        assert_int_equal(json_array_get_length(json_object_get_array_member(list, WIRE_ECI_IMAGES)), 2);
        /* every key is needed */
        for (int k = 0; k < WIRE_SETTINGS_N_KEYS; k++) {
                static struct wire_control cut;
                static struct guest_settings h;
                g_autofree char *prefix = g_strdup(wire_settings_keys[k].key);

                cut = (struct wire_control) { .verb = WIRE_V_SETTINGS };
                for (unsigned f = 0; f < received.n_fields; f++)
                        if (!g_str_has_prefix(received.fields[f].key, prefix))
                                assert_int_equal(
                                        wire_control_add(&cut, received.fields[f].key, received.fields[f].value), 0);
                memset(&h, 0, sizeof(h));
                assert_non_null(settings_parse(&cut, &h));
                assert_false(h.received);
        }
}

int main(void)
{
        static const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tables),
                cmocka_unit_test(test_cmdline_every_key),
                cmocka_unit_test(test_cmdline_written_once),
                cmocka_unit_test(test_cmdline_defaults_agree),
                cmocka_unit_test(test_cmdline_heartbeat_range),
                cmocka_unit_test(test_cmdline_length),
                cmocka_unit_test(test_evidence_every_field),
                cmocka_unit_test(test_settings_push),
        };

        return cmocka_run_group_tests_name("contract", tests, NULL, NULL);
}
