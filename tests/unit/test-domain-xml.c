/* libvirt domain XML builder: golden cases in golden/domain-xml/.
 * Every <case>.keyfile is laid over base.params ([params] keys replace the
 * base's; [unset] keys=a;b removes keys) and built; <case>.out holds the XML,
 * or "error: <message>".
 * Param keys: name uuid emulator accel(kvm|tcg|other) cpus memory_mib kernel
 * initrd cmdline root_image data_disk verity_hash console_log control_socket
 * docker_socket manifest_sha256 kernel_sha256 initrd_sha256 hash_tree_sha256.
 * Fixed tests: the output parses as XML and every value reads back exactly
 * (escaping), invalid UTF-8 is refused, and (when virt-xml-validate is
 * installed) every successful case validates against libvirt's schema.
 * ECIVM_REGENERATE_GOLDEN=1 rewrites the .out files (see vmm-golden.h). */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "vmm-golden.h"

#include "domain-xml.h"
#include "error.h"
#include "wire.h"

#define G "params"

/* The keyfile owns the strings the params borrow. */
typedef struct {
        GKeyFile *kf;
        GPtrArray *strings;
        EcivmDomainParams p;
} Case;

static void
case_free(Case *c)
{
        g_key_file_unref(c->kf);
        g_ptr_array_unref(c->strings);
        g_free(c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Case, case_free)

static const char *
opt(Case *c, const char *key)
{
        char *v;

        if (!g_key_file_has_key(c->kf, G, key, NULL))
                return NULL;
        v = g_key_file_get_string(c->kf, G, key, NULL);
        g_ptr_array_add(c->strings, v);
        return v;
}

static Case *
case_from_keyfile(GKeyFile *kf)
{
        Case *c = g_new0(Case, 1);
        const char *accel;

        c->kf = g_key_file_ref(kf);
        c->strings = g_ptr_array_new_with_free_func(g_free);
        ecivm_domain_params_init(&c->p);
        c->p.name = opt(c, "name");
        c->p.uuid = opt(c, "uuid");
        c->p.emulator = opt(c, "emulator");
        accel = opt(c, "accel");
        if (g_strcmp0(accel, "kvm") == 0)
                c->p.accel = ECIVM_ACCEL_KVM;
        else if (g_strcmp0(accel, "tcg") == 0)
                c->p.accel = ECIVM_ACCEL_TCG;
        else if (accel != NULL)
                c->p.accel = (EcivmAccel)42;
        if (g_key_file_has_key(kf, G, "cpus", NULL))
                c->p.cpus = (guint)g_key_file_get_uint64(kf, G, "cpus", NULL);
        if (g_key_file_has_key(kf, G, "memory_mib", NULL))
                c->p.memory_mib = (guint)g_key_file_get_uint64(kf, G, "memory_mib", NULL);
        c->p.kernel = opt(c, "kernel");
        c->p.initrd = opt(c, "initrd");
        c->p.cmdline = opt(c, "cmdline");
        c->p.root_image = opt(c, "root_image");
        c->p.data_disk = opt(c, "data_disk");
        c->p.console_log = opt(c, "console_log");
        c->p.control_socket = opt(c, "control_socket");
        c->p.docker_socket = opt(c, "docker_socket");
        c->p.verity_hash = opt(c, "verity_hash");
        c->p.manifest_sha256 = opt(c, "manifest_sha256");
        c->p.kernel_sha256 = opt(c, "kernel_sha256");
        c->p.initrd_sha256 = opt(c, "initrd_sha256");
        c->p.hash_tree_sha256 = opt(c, "hash_tree_sha256");
        return c;
}

static GKeyFile *
load_keyfile(const char *case_rel)
{
        g_autofree char *base_path = golden_path("domain-xml/base.params");
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GKeyFile) over = g_key_file_new();
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) keys = NULL;
        g_auto(GStrv) unset = NULL;

        if (!g_key_file_load_from_file(kf, base_path, G_KEY_FILE_NONE, &error))
                fail_msg("%s", error->message);
        if (case_rel == NULL)
                return g_steal_pointer(&kf);
        g_autofree char *case_path = golden_path(case_rel);
        if (!g_key_file_load_from_file(over, case_path, G_KEY_FILE_NONE, &error))
                fail_msg("%s", error->message);
        keys = g_key_file_get_keys(over, G, NULL, NULL);
        for (char **k = keys; k != NULL && *k != NULL; k++) {
                g_autofree char *v = g_key_file_get_value(over, G, *k, NULL);
                g_key_file_set_value(kf, G, *k, v);
        }
        unset = g_key_file_get_string_list(over, "unset", "keys", NULL, NULL);
        for (char **k = unset; k != NULL && *k != NULL; k++)
                g_key_file_remove_key(kf, G, *k, NULL);
        return g_steal_pointer(&kf);
}

static Case *
load_case(const char *base)
{
        g_autofree char *rel = base != NULL ? g_strconcat(base, ".keyfile", NULL) : NULL;
        g_autoptr(GKeyFile) kf = load_keyfile(rel);

        return case_from_keyfile(kf);
}

/* virt-xml-validate on XML (libvirt's RNG schema); TRUE if it passed.  A
 * missing validator fails the test: tools/install-deps.sh installs it
 * (libvirt-clients). */
static gboolean
validate_with_libvirt(const char *xml, char **ret_output)
{
        g_autofree char *prog = g_find_program_in_path("virt-xml-validate");
        g_autofree char *tmp = NULL;
        g_autofree char *out = NULL;
        int fd, status = 0;

        *ret_output = NULL;
        if (prog == NULL)
                fail_msg("virt-xml-validate is not installed (libvirt-clients; tools/install-deps.sh installs it)");
        fd = g_file_open_tmp("ecivm-domain-XXXXXX.xml", &tmp, NULL);
        assert_true(fd >= 0);
        close(fd);
        assert_true(g_file_set_contents(tmp, xml, -1, NULL));
        const char *argv[] = { prog, tmp, "domain", NULL };
        assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                                 &status, NULL));
        (void)g_unlink(tmp);
        *ret_output = g_steal_pointer(&out);
        return g_spawn_check_wait_status(status, NULL);
}

static void
run_xml_case(const char *base, const char *name)
{
        g_autoptr(Case) c = load_case(base);
        g_autoptr(GError) error = NULL;
        g_autofree char *xml = ecivm_domain_xml_build(&c->p, &error);
        g_autofree char *out_rel = g_strconcat(base, ".out", NULL);
        g_autofree char *actual = NULL;
        g_autofree char *validate_out = NULL;

        golden_assert_outcome(name, xml != NULL, error);
        if (xml != NULL) {
                if (!validate_with_libvirt(xml, &validate_out))
                        fail_msg("virt-xml-validate refused %s: %s", name, validate_out);
                actual = g_strdup(xml);
        } else {
                assert_true(g_error_matches(error, ECIVM_ERROR, ECIVM_ERROR_INVALID));
                actual = golden_error_text(error);
        }
        golden_compare(out_rel, actual);
}

/* Collects element text and attribute values by element name. */
typedef struct {
        GHashTable *text;  /* element -> text */
        GPtrArray *attrs;  /* "element@attr=value" */
        GPtrArray *stack;
} Parsed;

static void
on_start(GMarkupParseContext *ctx, const char *element, const char **names, const char **values, gpointer user,
         GError **error)
{
        Parsed *p = user;

        for (guint i = 0; names[i] != NULL; i++)
                g_ptr_array_add(p->attrs, g_strdup_printf("%s@%s=%s", element, names[i], values[i]));
        g_ptr_array_add(p->stack, g_strdup(element));
}

static void
on_end(GMarkupParseContext *ctx, const char *element, gpointer user, GError **error)
{
        Parsed *p = user;

        g_ptr_array_remove_index(p->stack, p->stack->len - 1);
}

static void
on_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer user, GError **error)
{
        Parsed *p = user;
        const char *top = p->stack->len ? p->stack->pdata[p->stack->len - 1] : "";

        if (len > 0 && text[0] != '\n')
                g_hash_table_insert(p->text, g_strdup(top), g_strndup(text, len));
}

static void
parse_xml(const char *xml, Parsed *p)
{
        static const GMarkupParser parser = { on_start, on_end, on_text, NULL, NULL };
        g_autoptr(GError) error = NULL;
        g_autoptr(GMarkupParseContext) ctx = NULL;

        p->text = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        p->attrs = g_ptr_array_new_with_free_func(g_free);
        p->stack = g_ptr_array_new_with_free_func(g_free);
        ctx = g_markup_parse_context_new(&parser, 0, p, NULL);
        if (!g_markup_parse_context_parse(ctx, xml, -1, &error) || !g_markup_parse_context_end_parse(ctx, &error))
                fail_msg("not well-formed XML: %s", error->message);
}

static void
parsed_clear(Parsed *p)
{
        g_hash_table_unref(p->text);
        g_ptr_array_unref(p->attrs);
        g_ptr_array_unref(p->stack);
}

static gboolean
has_attr(Parsed *p, const char *element, const char *attr, const char *value)
{
        g_autofree char *want = g_strdup_printf("%s@%s=%s", element, attr, value);

        for (guint i = 0; i < p->attrs->len; i++)
                if (g_str_equal(p->attrs->pdata[i], want))
                        return TRUE;
        return FALSE;
}

/* Hostile but legal values read back exactly through an XML parser. */
static void
test_escaping_round_trip(void **state)
{
        g_autoptr(Case) c = load_case(NULL);
        g_autoptr(GError) error = NULL;
        g_autofree char *xml = NULL;
        Parsed parsed;

        c->p.kernel = "/img/<kernel>&'\"/vmlinuz";
        c->p.cmdline = "console=ttyS0 x=\"a'b\" y=<&>";
        c->p.root_image = "/img/r'o\"ot&.erofs";
        c->p.control_socket = "/run/e c/<ctl>'.sock";
        c->p.name = "ecivm-1.2+test_x";
        xml = ecivm_domain_xml_build(&c->p, &error);
        assert_non_null(xml);
        parse_xml(xml, &parsed);
        assert_string_equal(g_hash_table_lookup(parsed.text, "kernel"), c->p.kernel);
        assert_string_equal(g_hash_table_lookup(parsed.text, "cmdline"), c->p.cmdline);
        assert_string_equal(g_hash_table_lookup(parsed.text, "name"), c->p.name);
        assert_true(has_attr(&parsed, "source", "file", c->p.root_image));
        assert_true(has_attr(&parsed, "source", "path", c->p.control_socket));
        parsed_clear(&parsed);
}

/* Properties that must hold whatever the golden files say. */
static void
test_invariants(void **state)
{
        g_autoptr(Case) c = load_case(NULL);
        g_autoptr(GError) error = NULL;
        g_autofree char *xml = ecivm_domain_xml_build(&c->p, &error);
        Parsed parsed;

        assert_non_null(xml);
        parse_xml(xml, &parsed);
        assert_true(has_attr(&parsed, "target", "name", WIRE_PORT_CONTROL));
        assert_true(has_attr(&parsed, "target", "name", WIRE_PORT_DOCKER));
        assert_true(has_attr(&parsed, "memballoon", "model", "none"));
        assert_true(has_attr(&parsed, "serial", "type", "file"));
        assert_non_null(strstr(xml, "<acpi/>"));
        assert_non_null(strstr(xml, "<readonly/>"));
        for (guint i = 0; i < parsed.attrs->len; i++) {
                const char *a = parsed.attrs->pdata[i];
                assert_false(g_str_has_prefix(a, "interface@"));
                assert_false(g_str_has_prefix(a, "graphics@"));
                assert_false(g_str_has_prefix(a, "hostdev@"));
                assert_false(g_str_has_suffix(a, "=pty"));
        }
        assert_null(strstr(xml, "<interface"));
        assert_null(strstr(xml, "<graphics"));
        assert_null(strstr(xml, "<hostdev"));
        assert_string_equal(g_hash_table_lookup(parsed.text, "on_reboot"), "destroy");
        assert_string_equal(g_hash_table_lookup(parsed.text, "on_crash"), "destroy");
        assert_string_equal(g_hash_table_lookup(parsed.text, "on_poweroff"), "destroy");
        parsed_clear(&parsed);
}

static void
test_invalid_utf8(void **state)
{
        g_autoptr(Case) c = load_case(NULL);
        g_autoptr(GError) error = NULL;
        g_autofree char *xml = NULL;

        c->p.data_disk = "/var/lib/ecivm/\xff\xfe.img";
        xml = ecivm_domain_xml_build(&c->p, &error);
        assert_null(xml);
        assert_string_equal(error->message, "data_disk: is not valid UTF-8");
}

/* The schema check can fail: a domain libvirt's schema does not allow. */
static void
test_validator_refuses(void **state)
{
        g_autofree char *out = NULL;

        assert_false(validate_with_libvirt("<domain type='kvm'><name>x</name><memory>1</memory><os><type>hvm</type>"
                                           "</os><no-such-element/></domain>\n",
                                           &out));
}

int
main(void)
{
        const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_validator_refuses),
                cmocka_unit_test(test_invariants),
                cmocka_unit_test(test_escaping_round_trip),
                cmocka_unit_test(test_invalid_utf8),
        };

        return golden_run("domain-xml", fixed, G_N_ELEMENTS(fixed), "domain-xml", ".keyfile", run_xml_case, 10);
}
