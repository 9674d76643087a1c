#include "config.h"

#include <string.h>
#include <sys/un.h>

#include "cmdline.h"
#include "domain-xml.h"
#include "error.h"
#include "wire.h"

#define SUN_PATH_MAX (sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1)

void
ecivm_domain_params_init(EcivmDomainParams *p)
{
        *p = (EcivmDomainParams){
                .accel = ECIVM_ACCEL_TCG,
                .cpus = 1,
                .memory_mib = 1024,
        };
}


/* Present (or not required), valid UTF-8, no control characters. */
static gboolean
check_text(const char *field, const char *value, gboolean required, GError **error)
{
        if (value == NULL || value[0] == '\0')
                return required ? ecivm_error_field(error, field, "is required") : TRUE;
        if (!g_utf8_validate(value, -1, NULL))
                return ecivm_error_field(error, field, "is not valid UTF-8");
        for (const char *c = value; *c != '\0'; c++)
                if (g_ascii_iscntrl(*c))
                        return ecivm_error_field(error, field, "must not contain control characters");
        return TRUE;
}

static gboolean
check_path(const char *field, const char *path, GError **error)
{
        if (!check_text(field, path, TRUE, error))
                return FALSE;
        if (path[0] != '/')
                return ecivm_error_field(error, field, "path must be absolute");
        return TRUE;
}

static gboolean
check_socket_path(const char *field, const char *path, GError **error)
{
        if (!check_path(field, path, error))
                return FALSE;
        if (strlen(path) > SUN_PATH_MAX)
                return ecivm_error_field(error, field, "socket path longer than %zu bytes", SUN_PATH_MAX);
        return TRUE;
}

static gboolean
check_name(const char *name, GError **error)
{
        if (!check_text("name", name, TRUE, error))
                return FALSE;
        if (strlen(name) > ECIVM_DOMAIN_NAME_MAX)
                return ecivm_error_field(error, "name", "longer than %d bytes", ECIVM_DOMAIN_NAME_MAX);
        for (const char *c = name; *c != '\0'; c++)
                if (!g_ascii_isalnum(*c) && strchr("_.+-", *c) == NULL)
                        return ecivm_error_field(error, "name", "invalid character '%c' (allowed: A-Za-z0-9_.+-)", *c);
        return TRUE;
}

static gboolean
check_sha256(const char *field, const char *hex, GError **error)
{
        if (hex == NULL)
                return TRUE;
        if (!check_text(field, hex, TRUE, error))
                return FALSE;
        if (strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
                return ecivm_error_field(error, field, "expected 64 lower-case hex digits");
        return TRUE;
}

static gboolean
check_digests(const EcivmDomainParams *p, GError **error)
{
        return check_sha256("manifest_sha256", p->manifest_sha256, error) &&
               check_sha256("kernel_sha256", p->kernel_sha256, error) &&
               check_sha256("initrd_sha256", p->initrd_sha256, error) &&
               check_sha256("hash_tree_sha256", p->hash_tree_sha256, error);
}

static gboolean
check_cmdline(const char *cmdline, GError **error)
{
        if (cmdline == NULL || cmdline[0] == '\0')
                return ecivm_error_field(error, "cmdline", "must not be empty");
        if (strlen(cmdline) > WIRE_CMDLINE_MAX)
                return ecivm_error_field(error, "cmdline", "longer than %d bytes", WIRE_CMDLINE_MAX);
        for (const char *c = cmdline; *c != '\0'; c++)
                if (!g_ascii_isprint(*c))
                        return ecivm_error_field(error, "cmdline", "contains a non-printable character");
        return TRUE;
}

static gboolean
check_params(const EcivmDomainParams *p, GError **error)
{
        if (!check_name(p->name, error))
                return FALSE;
        if (p->uuid != NULL && !g_uuid_string_is_valid(p->uuid))
                return ecivm_error_field(error, "uuid", "not a UUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
        if (p->emulator != NULL && !check_path("emulator", p->emulator, error))
                return FALSE;
        if (p->accel != ECIVM_ACCEL_KVM && p->accel != ECIVM_ACCEL_TCG)
                return ecivm_error_field(error, "accel", "unknown accelerator %d", (int)p->accel);
        if (p->cpus < ECIVM_PLAN_CPUS_MIN || p->cpus > ECIVM_PLAN_CPUS_MAX)
                return ecivm_error_field(error, "cpus", "%u is out of range %d..%d", p->cpus, ECIVM_PLAN_CPUS_MIN,
                              ECIVM_PLAN_CPUS_MAX);
        if (p->memory_mib < ECIVM_PLAN_MEMORY_MIN_MIB || p->memory_mib > ECIVM_PLAN_MEMORY_MAX_MIB)
                return ecivm_error_field(error, "memory_mib", "%u is out of range %d..%d", p->memory_mib,
                              ECIVM_PLAN_MEMORY_MIN_MIB, ECIVM_PLAN_MEMORY_MAX_MIB);
        return check_path("kernel", p->kernel, error) && check_path("initrd", p->initrd, error) &&
               check_cmdline(p->cmdline, error) && check_path("root_image", p->root_image, error) &&
               check_path("data_disk", p->data_disk, error) &&
               (p->verity_hash == NULL || check_path("verity_hash", p->verity_hash, error)) &&
               check_path("console_log", p->console_log, error) &&
               check_socket_path("control_socket", p->control_socket, error) &&
               check_socket_path("docker_socket", p->docker_socket, error) && check_digests(p, error);
}

/* Appends FMT where every %s argument must already be escaped. */
G_GNUC_PRINTF(2, 3)
static void
put(GString *s, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        g_string_append_vprintf(s, fmt, ap);
        va_end(ap);
        g_string_append_c(s, '\n');
}

/* "<indent><tag>escaped value</tag>" */
static void
put_element(GString *s, const char *indent, const char *tag, const char *value)
{
        g_autofree char *v = g_markup_escape_text(value, -1);

        put(s, "%s<%s>%s</%s>", indent, tag, v, tag);
}

static void
put_os(GString *s, const EcivmDomainParams *p)
{
        put(s, "  <os>");
        put(s, "    <type arch='x86_64' machine='pc'>hvm</type>");
        put_element(s, "    ", "kernel", p->kernel);
        put_element(s, "    ", "initrd", p->initrd);
        put_element(s, "    ", "cmdline", p->cmdline);
        put(s, "  </os>");
}

static void
put_digest(GString *s, const char *what, const char *hex)
{
        if (hex != NULL) /* checked to be hex: nothing to escape */
                put(s, "      <ecivm:%s sha256='%s'/>", what, hex);
}

static void
put_metadata(GString *s, const EcivmDomainParams *p)
{
        if (p->manifest_sha256 == NULL && p->kernel_sha256 == NULL && p->initrd_sha256 == NULL &&
            p->hash_tree_sha256 == NULL)
                return;
        put(s, "  <metadata>");
        put(s, "    <ecivm:measurement xmlns:ecivm='%s'>", ECIVM_DOMAIN_METADATA_NS);
        put_digest(s, "manifest", p->manifest_sha256);
        put_digest(s, "kernel", p->kernel_sha256);
        put_digest(s, "initrd", p->initrd_sha256);
        put_digest(s, "hash-tree", p->hash_tree_sha256);
        put(s, "    </ecivm:measurement>");
        put(s, "  </metadata>");
}

static void
put_disk(GString *s, const char *path, const char *dev, gboolean readonly)
{
        g_autofree char *v = g_markup_escape_text(path, -1);

        put(s, "    <disk type='file' device='disk'>");
        put(s, "      <driver name='qemu' type='raw'%s/>", readonly ? "" : " discard='unmap'");
        if (readonly) {
                /* No chown to the QEMU user: the measured images stay root's
                 * (QEMU reads them through their 0644 mode). */
                put(s, "      <source file='%s'>", v);
                put(s, "        <seclabel model='dac' relabel='no'/>");
                put(s, "      </source>");
        } else {
                put(s, "      <source file='%s'/>", v);
        }
        put(s, "      <target dev='%s' bus='virtio'/>", dev);
        if (readonly)
                put(s, "      <readonly/>");
        put(s, "    </disk>");
}

static void
put_channel(GString *s, const char *path, const char *port)
{
        g_autofree char *v = g_markup_escape_text(path, -1);
        g_autofree char *n = g_markup_escape_text(port, -1);

        put(s, "    <channel type='unix'>");
        put(s, "      <source mode='bind' path='%s'/>", v);
        put(s, "      <target type='virtio' name='%s'/>", n);
        put(s, "    </channel>");
}

static void
put_devices(GString *s, const EcivmDomainParams *p)
{
        g_autofree char *console = g_markup_escape_text(p->console_log, -1);

        put(s, "  <devices>");
        if (p->emulator != NULL)
                put_element(s, "    ", "emulator", p->emulator);
        /* Root first so it is /dev/vda, data second (/dev/vdb). */
        put_disk(s, p->root_image, "vda", TRUE);
        put_disk(s, p->data_disk, "vdb", FALSE);
        if (p->verity_hash != NULL) /* the root's dm-verity hash tree */
                put_disk(s, p->verity_hash, "vdc", TRUE);
        put(s, "    <controller type='usb' model='none'/>");
        put(s, "    <controller type='virtio-serial' index='0'/>");
        /* Output only: a file has no input side. */
        put(s, "    <serial type='file'>");
        put(s, "      <source path='%s'/>", console);
        put(s, "      <target port='0'/>");
        put(s, "    </serial>");
        put(s, "    <console type='file'>");
        put(s, "      <source path='%s'/>", console);
        put(s, "      <target type='serial' port='0'/>");
        put(s, "    </console>");
        put_channel(s, p->control_socket, WIRE_PORT_CONTROL);
        put_channel(s, p->docker_socket, WIRE_PORT_DOCKER);
        put(s, "    <rng model='virtio'>");
        put(s, "      <backend model='random'>/dev/urandom</backend>");
        put(s, "    </rng>");
        put(s, "    <memballoon model='none'/>");
        put(s, "  </devices>");
}

char *
ecivm_domain_xml_build(const EcivmDomainParams *p, GError **error)
{
        g_return_val_if_fail(p != NULL, NULL);
        g_return_val_if_fail(error == NULL || *error == NULL, NULL);

        if (!check_params(p, error))
                return NULL;

        g_autoptr(GString) s = g_string_new(NULL);
        gboolean kvm = p->accel == ECIVM_ACCEL_KVM;

        put(s, "<domain type='%s'>", kvm ? "kvm" : "qemu");
        put_element(s, "  ", "name", p->name);
        if (p->uuid != NULL) {
                g_autofree char *uuid = g_ascii_strdown(p->uuid, -1);
                put_element(s, "  ", "uuid", uuid);
        }
        put(s, "  <description>ecivm: measured dedicated-kernel Docker VM</description>");
        put_metadata(s, p);
        put(s, "  <memory unit='MiB'>%u</memory>", p->memory_mib);
        put(s, "  <vcpu>%u</vcpu>", p->cpus);
        put_os(s, p);
        put(s, "  <features>");
        put(s, "    <acpi/>");
        put(s, "  </features>");
        if (kvm) {
                put(s, "  <cpu mode='host-passthrough'/>");
        } else {
                static const char *const disabled[] = ECIVM_TCG_CPU_DISABLED;

                put(s, "  <cpu mode='maximum'>");
                for (size_t i = 0; i < G_N_ELEMENTS(disabled); i++)
                        put(s, "    <feature policy='disable' name='%s'/>", disabled[i]);
                put(s, "  </cpu>");
        }
        put(s, "  <clock offset='utc'/>");
        put(s, "  <on_poweroff>destroy</on_poweroff>");
        put(s, "  <on_reboot>destroy</on_reboot>");
        put(s, "  <on_crash>destroy</on_crash>");
        put_devices(s, p);
        put(s, "</domain>");
        return g_string_free(g_steal_pointer(&s), FALSE);
}
