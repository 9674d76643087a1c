/* ecivmd's libvirt backend (config.libvirt_uri set): the measured VM as a
 * libvirt domain (backend-libvirt.h) instead of a QEMU child.  The channels
 * end up on the same muxes as the QEMU backend's socketpairs. */
#define ECIVM_VM_PRIV_ALLOW
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain-spec.h"
#include "error.h"
#include "libvirt-module.h"
#include "vm-priv.h"

/* Loaded when the daemon was configured (ecivmd.c); a VM exists only then. */
static const EcivmLibvirtModule *lvm(void)
{
        const EcivmLibvirtModule *m = ecivm_libvirt_module_load(NULL);

        g_assert(m != NULL);
        return m;
}

static void on_stopped(EcivmLibvirtVm *lv, const char *reason, gpointer user)
{
        EcivmVm *vm = user;
        g_autofree char *why = g_strdup(reason);

        g_clear_pointer(&vm->libvirt, lvm()->free); /* LV */
        ecivm_vm_release_run(vm);
        if (vm->state == ECIVM_VM_STOPPING && !vm->guest_failure && !vm->kill_reason)
                ecivm_vm_set_state(vm, ECIVM_VM_STOPPED, "powered off (libvirt)");
        else if (vm->guest_failure)
                ecivm_vm_set_state(vm, ECIVM_VM_FAILED, vm->guest_failure);
        else if (vm->kill_reason)
                ecivm_vm_supervise_failure(vm, vm->kill_reason);
        else if (g_str_has_suffix(why, "destroyed")) /* by someone else: an operator's decision */
                ecivm_vm_set_state(vm, ECIVM_VM_FAILED, why);
        else
                ecivm_vm_supervise_failure(vm, why);
}

static gboolean on_boot_deadline(gpointer user)
{
        EcivmVm *vm = user;
        g_autofree char *why = g_strdup_printf("dockerd did not become ready within %u s", vm->config.boot_timeout_s);

        vm->timer = 0;
        ecivm_vm_kill(vm, why);
        return G_SOURCE_REMOVE;
}

static EcivmMuxSource *attach(EcivmVm *vm, int fd, const EcivmMuxCallbacks *cb)
{
        EcivmMuxSource *src = ecivm_mux_source_new(cb, vm);

        if (cb == &ecivm_vm_control_callbacks) /* heartbeats before client requests */
                ecivm_mux_source_set_priority(src, G_PRIORITY_HIGH);
        wire_mux_attach_channel(ecivm_mux_source_get_mux(src), fd, TRUE);
        return src;
}

/* QEMU runs as the libvirt QEMU user and opens the data disk by path: it
 * must be able to traverse the state dir (0711: no listing). */
static gboolean open_state_dir(EcivmVm *vm, GError **error)
{
        if (chmod(vm->config.state_dir, 0711) < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s: %s", vm->config.state_dir, g_strerror(errno));
                return FALSE;
        }
        return TRUE;
}

void ecivm_vm_launch_libvirt(EcivmVm *vm, int data_fd)
{
        g_autoptr(GError) error = NULL;
        const EcivmLibvirtModule *m = ecivm_libvirt_module_load(&error);
        g_autoptr(EcivmDomainSpec) spec = ecivm_domain_spec_new(vm->image, vm->config.state_dir,
                                                                vm->config.state_dir);
        int ctl = -1, dkr = -1;

        spec->params.accel = vm->accel;
        spec->params.cpus = vm->config.cpus;
        spec->params.memory_mib = vm->config.memory_mib;
        /* QEMU's own image lock guards the data disk while the domain runs. */
        close(data_fd);
        vm->qemu_exec_mono = g_get_monotonic_time();
        if (m && open_state_dir(vm, &error))
                vm->libvirt = m->start(vm->config.libvirt_uri, &spec->params, on_stopped, vm, &ctl, &dkr, &error);
        if (!vm->libvirt) {
                ecivm_vm_fail(vm, "%s", error->message);
                return;
        }
        vm->control = attach(vm, ctl, &ecivm_vm_control_callbacks);
        vm->docker = attach(vm, dkr, &ecivm_vm_docker_callbacks);
        vm->timer = g_timeout_add_seconds(vm->config.boot_timeout_s, on_boot_deadline, vm);
}

void ecivm_vm_libvirt_destroy(EcivmVm *vm)
{
        g_autoptr(GError) error = NULL;

        if (vm->libvirt && !lvm()->destroy(vm->libvirt, &error))
                g_warning("vm: %s", error->message);
}

void ecivm_vm_libvirt_end(EcivmVm *vm)
{
        ecivm_vm_libvirt_destroy(vm);
        if (vm->libvirt)
                g_clear_pointer(&vm->libvirt, lvm()->free);
}

gint64 ecivm_vm_libvirt_cpu_ms(EcivmVm *vm)
{
        gint64 ms;

        return vm->libvirt && lvm()->cpu_time_ms(vm->libvirt, &ms) ? ms : -1;
}
