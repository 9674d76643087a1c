/* ecivm export-libvirt: print the libvirt domain XML of the VM ecivmd boots,
 * for `virsh define` in a lab.  The images are measured exactly as ecivmd
 * measures them (signed manifest, digests, command line) before anything is
 * printed; the XML names the measured files by path and carries the
 * measured command line and digests. */
#include <stdio.h>

#include "cli.h"
#include "domain-spec.h"
#include "error.h"

/* ecivmd's defaults (ecivm_vm_config_init_defaults) */
#define DEFAULT_CPUS 2
#define DEFAULT_MEMORY_MIB 1536

typedef struct {
        char *name, *uuid, *accel, *socket_dir, *emulator;
        int cpus, memory;
} ExportOptions;

static gboolean parse_accel(const char *s, EcivmAccel *ret, GError **error)
{
        if (s == NULL || g_str_equal(s, "tcg"))
                *ret = ECIVM_ACCEL_TCG;
        else if (g_str_equal(s, "kvm"))
                *ret = ECIVM_ACCEL_KVM;
        else {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "--accel: expected kvm or tcg, not \"%s\"", s);
                return FALSE;
        }
        return TRUE;
}

static char *build_xml(EcivmCli *cli, const ExportOptions *o, GError **error)
{
        const char *keys[] = { cli->trusted_key, NULL };
        g_autoptr(EcivmMeasuredImage) m = NULL;
        g_autoptr(EcivmDomainSpec) spec = NULL;
        g_autofree char *data = g_build_filename(cli->state_dir, "data.img", NULL);
        EcivmCmdlineParams params;

        ecivm_cmdline_params_init(&params);
        m = ecivm_measure_image(cli->image_dir, cli->trusted_key ? keys : NULL, &params, error);
        if (!m)
                return NULL;
        spec = ecivm_domain_spec_new(m, cli->state_dir, o->socket_dir ? o->socket_dir : cli->state_dir);
        if (!parse_accel(o->accel, &spec->params.accel, error))
                return NULL;
        spec->params.cpus = o->cpus > 0 ? (guint) o->cpus : DEFAULT_CPUS;
        spec->params.memory_mib = o->memory > 0 ? (guint) o->memory : DEFAULT_MEMORY_MIB;
        if (o->name)
                spec->params.name = o->name;
        if (o->uuid)
                spec->params.uuid = o->uuid;
        spec->params.emulator = o->emulator;
        if (!g_file_test(data, G_FILE_TEST_EXISTS))
                fprintf(stderr, "ecivm export-libvirt: note: %s does not exist yet (`ecivm up` creates it, or "
                                "mkfs.ext4 -L ecivm-data %s 16G)\n", data, data);
        return ecivm_domain_xml_build(&spec->params, error);
}

int ecivm_cli_export_libvirt(EcivmCli *cli, int argc, char **argv)
{
        ExportOptions o = { 0 };
        GOptionEntry entries[] = {
                { "name", 0, 0, G_OPTION_ARG_STRING, &o.name, "Domain name (default ecivm)", "NAME" },
                { "uuid", 0, 0, G_OPTION_ARG_STRING, &o.uuid, "Domain UUID (default: stable, from the state dir)",
                  "UUID" },
                { "accel", 0, 0, G_OPTION_ARG_STRING, &o.accel, "kvm|tcg (default tcg: domain type qemu)", "MODE" },
                { "cpus", 0, 0, G_OPTION_ARG_INT, &o.cpus, "Guest vCPUs (default 2, as ecivmd)", "N" },
                { "memory", 0, 0, G_OPTION_ARG_INT, &o.memory, "Guest memory (default 1536, as ecivmd)", "MiB" },
                { "socket-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.socket_dir,
                  "Where QEMU listens for the control and Docker channels (default: the state dir)", "DIR" },
                { "emulator", 0, 0, G_OPTION_ARG_FILENAME, &o.emulator, "QEMU binary (default: libvirt's)", "PATH" },
                { NULL },
        };
        g_autoptr(GError) error = NULL;
        g_autofree char *xml = NULL;
        int rc = CLI_OK;

        if (!ecivm_cli_parse("export-libvirt", "Print the libvirt domain XML of the measured VM", entries, &argc,
                             &argv))
                return CLI_USAGE;
        xml = build_xml(cli, &o, &error);
        if (!xml) {
                fprintf(stderr, "ecivm export-libvirt: %s\n", error->message);
                rc = g_error_matches(error, ECIVM_ERROR, ECIVM_ERROR_INVALID) ? CLI_USAGE : CLI_FAILED;
        } else {
                fputs(xml, stdout);
        }
        g_free(o.name);
        g_free(o.uuid);
        g_free(o.accel);
        g_free(o.socket_dir);
        g_free(o.emulator);
        return rc;
}
