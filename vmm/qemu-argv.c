#include "config.h"

#include <string.h>
#include <sys/un.h>

#include "cmdline.h"
#include "error.h"
#include "qemu-argv.h"
#include "wire.h"

#define SUN_PATH_MAX (sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1)


static gboolean
check_path(const char *field, const char *path, gboolean required, GError **error)
{
        if (path == NULL || path[0] == '\0') {
                if (!required)
                        return TRUE;
                return ecivm_error_field(error, field, "path is required");
        }
        if (strchr(path, ',') != NULL)
                return ecivm_error_field(error, field, "path must not contain ',' (QEMU option syntax)");
        for (const char *c = path; *c != '\0'; c++)
                if (g_ascii_iscntrl(*c))
                        return ecivm_error_field(error, field, "path must not contain control characters");
        return TRUE;
}

static gboolean
check_socket_path(const char *field, const char *path, gboolean required, GError **error)
{
        if (!check_path(field, path, required, error))
                return FALSE;
        if (path != NULL && strlen(path) > SUN_PATH_MAX)
                return ecivm_error_field(error, field, "socket path longer than %zu bytes", SUN_PATH_MAX);
        return TRUE;
}

static gboolean
check_channel(const char *name, const EcivmChannel *ch, GError **error)
{
        g_autofree char *field = NULL;

        switch (ch->kind) {
        case ECIVM_CHANNEL_SOCKET_PATH:
                field = g_strdup_printf("%s.path", name);
                return check_socket_path(field, ch->path, TRUE, error);
        case ECIVM_CHANNEL_FD:
                field = g_strdup_printf("%s.fd", name);
                if (ch->fd < 3)
                        return ecivm_error_field(error, field, "%d is not a usable inherited fd (need >= 3)", ch->fd);
                return TRUE;
        case ECIVM_CHANNEL_UNSET:
        default:
                return ecivm_error_field(error, name, "channel is not set (need a socket path or an fd)");
        }
}

static gboolean
check_plan(const EcivmLaunchPlan *p, GError **error)
{
        if (!check_path("qemu_binary", p->qemu_binary, TRUE, error))
                return FALSE;
        if (p->accel != ECIVM_ACCEL_KVM && p->accel != ECIVM_ACCEL_TCG)
                return ecivm_error_field(error, "accel", "unknown accelerator %d", (int)p->accel);
        if (p->cpus < ECIVM_PLAN_CPUS_MIN || p->cpus > ECIVM_PLAN_CPUS_MAX)
                return ecivm_error_field(error, "cpus", "%u is out of range %d..%d", p->cpus, ECIVM_PLAN_CPUS_MIN,
                              ECIVM_PLAN_CPUS_MAX);
        if (p->memory_mib < ECIVM_PLAN_MEMORY_MIN_MIB || p->memory_mib > ECIVM_PLAN_MEMORY_MAX_MIB)
                return ecivm_error_field(error, "memory_mib", "%u is out of range %d..%d", p->memory_mib,
                              ECIVM_PLAN_MEMORY_MIN_MIB, ECIVM_PLAN_MEMORY_MAX_MIB);
        if (!check_path("kernel", p->kernel, TRUE, error) || !check_path("initrd", p->initrd, TRUE, error))
                return FALSE;
        if (p->cmdline == NULL || p->cmdline[0] == '\0')
                return ecivm_error_field(error, "cmdline", "must not be empty");
        if (strlen(p->cmdline) > WIRE_CMDLINE_MAX)
                return ecivm_error_field(error, "cmdline", "longer than %d bytes", WIRE_CMDLINE_MAX);
        for (const char *c = p->cmdline; *c != '\0'; c++)
                if (!g_ascii_isprint(*c))
                        return ecivm_error_field(error, "cmdline", "contains a non-printable character");
        return check_path("root_image", p->root_image, TRUE, error) &&
               check_path("data_disk", p->data_disk, TRUE, error) &&
               check_path("verity_hash", p->verity_hash, FALSE, error) &&
               check_path("console_log", p->console_log, TRUE, error) &&
               check_channel("control", &p->control, error) &&
               check_channel("docker", &p->docker, error) &&
               check_socket_path("qmp_socket", p->qmp_socket, FALSE, error) &&
               check_path("pidfile", p->pidfile, FALSE, error) &&
               check_path("guest_log", p->guest_log, FALSE, error);
}

static void
add(GPtrArray *argv, const char *arg)
{
        g_ptr_array_add(argv, g_strdup(arg));
}

G_GNUC_PRINTF(2, 3)
static void
addf(GPtrArray *argv, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        g_ptr_array_add(argv, g_strdup_vprintf(fmt, ap));
        va_end(ap);
}

static void
add_channel(GPtrArray *argv, const char *id, const EcivmChannel *ch, const char *port_name)
{
        add(argv, "-chardev");
        if (ch->kind == ECIVM_CHANNEL_FD)
                addf(argv, "socket,id=%s,fd=%d", id, ch->fd);
        else
                addf(argv, "socket,id=%s,path=%s,server=on,wait=off", id, ch->path);
        add(argv, "-device");
        addf(argv, "virtserialport,bus=vser.0,chardev=%s,name=%s", id, port_name);
}

GStrv
ecivm_qemu_argv_build(const EcivmLaunchPlan *p, GError **error)
{
        g_return_val_if_fail(p != NULL, NULL);
        g_return_val_if_fail(error == NULL || *error == NULL, NULL);

        if (!check_plan(p, error))
                return NULL;

        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);

        add(argv, p->qemu_binary);
        add(argv, "-name");
        add(argv, "ecivm,process=ecivm-qemu");
        add(argv, "-M");
        add(argv, "pc");
        add(argv, "-accel");
        add(argv, p->accel == ECIVM_ACCEL_KVM ? "kvm" : "tcg");
        add(argv, "-cpu");
        if (p->accel == ECIVM_ACCEL_KVM) {
                add(argv, "host");
        } else {
                static const char *const disabled[] = ECIVM_TCG_CPU_DISABLED;
                g_autoptr(GString) cpu = g_string_new("max");

                for (size_t i = 0; i < G_N_ELEMENTS(disabled); i++)
                        g_string_append_printf(cpu, ",-%s", disabled[i]);
                add(argv, cpu->str);
        }
        add(argv, "-smp");
        addf(argv, "%u", p->cpus);
        add(argv, "-m");
        addf(argv, "%u", p->memory_mib);
        add(argv, "-nodefaults");
        add(argv, "-no-user-config");
        add(argv, "-display");
        add(argv, "none");
        add(argv, "-vga");
        add(argv, "none");
        if (p->no_reboot)
                add(argv, "-no-reboot");
        add(argv, "-sandbox");
        add(argv, "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
        add(argv, "-kernel");
        add(argv, p->kernel);
        add(argv, "-initrd");
        add(argv, p->initrd);
        add(argv, "-append");
        add(argv, p->cmdline);
        /* Root first so it is /dev/vda, data second (/dev/vdb).  No cache=none:
         * O_DIRECT is refused by some host filesystems (tmpfs before 6.6). */
        add(argv, "-drive");
        addf(argv, "file=%s,id=root,if=virtio,media=disk,format=raw,readonly=on", p->root_image);
        add(argv, "-drive");
        addf(argv, "file=%s,id=data,if=virtio,media=disk,format=raw,discard=unmap", p->data_disk);
        if (p->verity_hash != NULL && p->verity_hash[0] != '\0') {
                /* third: /dev/vdc, the dm-verity hash tree of the root */
                add(argv, "-drive");
                addf(argv, "file=%s,id=verity,if=virtio,media=disk,format=raw,readonly=on", p->verity_hash);
        }
        add(argv, "-chardev");
        addf(argv, "file,id=con,path=%s", p->console_log);
        add(argv, "-serial");
        add(argv, "chardev:con");
        add(argv, "-device");
        add(argv, "virtio-serial-pci,id=vser");
        add_channel(argv, "ctl", &p->control, WIRE_PORT_CONTROL);
        add_channel(argv, "dkr", &p->docker, WIRE_PORT_DOCKER);
        if (p->guest_log != NULL && p->guest_log[0] != '\0') {
                /* a file chardev: the guest can write logs, nothing comes back */
                add(argv, "-chardev");
                addf(argv, "file,id=glog,path=%s", p->guest_log);
                add(argv, "-device");
                addf(argv, "virtserialport,bus=vser.0,chardev=glog,name=%s", WIRE_PORT_LOG);
        }
        add(argv, "-device");
        add(argv, "virtio-rng-pci");
        add(argv, "-nic");
        add(argv, "none");
        if (p->qmp_socket != NULL && p->qmp_socket[0] != '\0') {
                add(argv, "-qmp");
                addf(argv, "unix:%s,server=on,wait=off", p->qmp_socket);
        }
        if (p->pidfile != NULL && p->pidfile[0] != '\0') {
                add(argv, "-pidfile");
                add(argv, p->pidfile);
        }
        g_ptr_array_add(argv, NULL);
        return (GStrv)g_ptr_array_free(g_steal_pointer(&argv), FALSE);
}
