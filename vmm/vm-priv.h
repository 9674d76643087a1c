/* Internals shared by the vm-*.c files; not for other modules. */
#ifndef ECIVM_VMM_VM_PRIV_H
#define ECIVM_VMM_VM_PRIV_H

#ifndef ECIVM_VM_PRIV_ALLOW
#error "vm-priv.h is for vm*.c only"
#endif

#include <gio/gio.h>

#include "docker-socket.h"
#include "launch-plan.h"
#include "measure.h"
#include "mux-source.h"
#include "vm.h"

struct _EcivmVm {
        EcivmVmConfig config;
        EcivmVmState state;
        char *reason;         /* why we are in this state (failed, degraded, accel choice) */
        gint64 state_since;   /* real time, µs */
        gint64 start_mono;    /* monotonic µs at start request */
        gint64 qemu_exec_mono;
        gint64 booted_mono;
        gint64 ready_mono;
        EcivmVmStateFunc state_func;
        gpointer state_user;

        EcivmAccel accel;
        char *accel_reason;
        char *accel_override;

        EcivmMeasuredImage *image;
        GSubprocess *qemu;     /* the running VM */
        GSubprocess *probe;    /* a KVM probe in flight */
        GCancellable *cancel;  /* cancels waits of the current boot */
        guint timer;           /* boot / stop / probe deadline */

        EcivmMuxSource *control;
        EcivmMuxSource *docker;
        EcivmDockerSocket *docker_socket;
        guint32 next_request;

        char *guest_kernel;
        char *guest_boot_id;
        char *guest_failure;
        guint dockerd_restarts;
        gint64 last_heartbeat_mono;
};

void ecivm_vm_set_state(EcivmVm *vm, EcivmVmState state, const char *reason);
/* Called when measuring and the accel choice are done: spawns QEMU. */
void ecivm_vm_launch(EcivmVm *vm);
/* Tear down channels, timers and sockets of the current run. */
void ecivm_vm_release_run(EcivmVm *vm);
void ecivm_vm_fail(EcivmVm *vm, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* vm-probe.c: decide the accelerator, probing KVM if needed; then launches. */
void ecivm_vm_choose_accel_then_launch(EcivmVm *vm);

/* vm-guest.c: control-channel handling */
extern const EcivmMuxCallbacks ecivm_vm_control_callbacks;
extern const EcivmMuxCallbacks ecivm_vm_docker_callbacks;
gboolean ecivm_vm_send_control(EcivmVm *vm, guint8 verb);

#endif
