/* Internals shared by the vm-*.c files; not for other modules. */
#ifndef ECIVM_VMM_VM_PRIV_H
#define ECIVM_VMM_VM_PRIV_H

#ifndef ECIVM_VM_PRIV_ALLOW
#error "vm-priv.h is for vm*.c only"
#endif

#include <glib.h>

#include "backend-libvirt.h"
#include "backoff.h"
#include "child.h"
#include "docker-socket.h"
#include "launch-plan.h"
#include "measure.h"
#include "mux-source.h"
#include "settings.h"
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
        EcivmLibvirtVm *libvirt; /* the running VM with config.libvirt_uri (vm-libvirt.c) */
        EcivmChild *qemu;      /* the running VM */
        EcivmChild *probe;     /* a KVM probe in flight */
        guint timer;           /* boot / stop / probe deadline */

        EcivmMuxSource *control;
        EcivmMuxSource *docker;
        EcivmDockerSocket *docker_socket;
        guint32 next_request;
        guint32 settings_request; /* id of the SETTINGS push awaiting its REPLY */

        EcivmBackoff backoff;
        guint restarts;        /* automatic restarts since the last start request */
        gboolean restart_requested; /* start again once stopped */
        char *kill_reason;     /* set when we kill QEMU on purpose (hang) */
        guint heartbeat_s;
        guint64 data_free_mib, data_total_mib; /* from the last heartbeat */
        gboolean data_full;
        guint heartbeat_timer;

        char *guest_kernel;
        char *guest_boot_id;
        char *guest_failure;
        guint dockerd_restarts;
        gint64 last_heartbeat_mono;
        gint64 heartbeat_cpu_ms; /* QEMU's CPU time then, -1 if unknown */
        gint64 late_mono, late_cpu_ms; /* when a heartbeat was first overdue (0: none), and QEMU's CPU time then */
        gboolean late_waiting; /* past 3 heartbeats, given more time because QEMU runs */
        gint64 check_mono;     /* the last heartbeat check (0: none yet) */
        gint64 loop_stall_us;  /* since the last heartbeat: how late our own loop ran the checks */
        EcivmSettings *settings; /* effective settings of the current boot (vm-settings.c) */
        struct _EcivmVmAttest *attest; /* instance UUID, pending evidence requests (vm-attest.c) */
};

void ecivm_vm_set_state(EcivmVm *vm, EcivmVmState state, const char *reason);
/* Called when measuring and the accel choice are done: spawns QEMU. */
void ecivm_vm_launch(EcivmVm *vm);
/* Tear down channels, timers and sockets of the current run. */
void ecivm_vm_release_run(EcivmVm *vm);
void ecivm_vm_fail(EcivmVm *vm, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* The VM died or hung: restart after a backoff, or fail on a crash loop. */
void ecivm_vm_supervise_failure(EcivmVm *vm, const char *reason);
/* Measure and boot (from stopped, failed or a degraded restart). */
void ecivm_vm_begin(EcivmVm *vm);
void ecivm_vm_watch_heartbeat(EcivmVm *vm);
/* Kill QEMU on purpose; REASON is what the exit handler reports. */
void ecivm_vm_kill(EcivmVm *vm, const char *reason);

/* vm-libvirt.c: launch as a libvirt domain (takes DATA_FD); destroy (the
 * stop event follows); destroy and forget (no event). */
void ecivm_vm_launch_libvirt(EcivmVm *vm, int data_fd);
void ecivm_vm_libvirt_destroy(EcivmVm *vm);
void ecivm_vm_libvirt_end(EcivmVm *vm);
/* The domain's CPU time in ms, -1 if unknown (one libvirt round trip). */
gint64 ecivm_vm_libvirt_cpu_ms(EcivmVm *vm);

/* vm-probe.c: decide the accelerator, probing KVM if needed; then launches. */
void ecivm_vm_choose_accel_then_launch(EcivmVm *vm);

/* vm-guest.c: control-channel handling */
extern const EcivmMuxCallbacks ecivm_vm_control_callbacks;
extern const EcivmMuxCallbacks ecivm_vm_docker_callbacks;
gboolean ecivm_vm_send_control(EcivmVm *vm, guint8 verb);
/* Sends C with the next request id (set in C->id). */
gboolean ecivm_vm_send_request(EcivmVm *vm, struct wire_control *c);

/* vm-attest.c: a new instance UUID and boot time; the guest's
 * EVIDENCE_REPLY; fail every pending request (the run ended); free. */
void ecivm_vm_attest_new_boot(EcivmVm *vm);
void ecivm_vm_attest_evidence_reply(EcivmVm *vm, const struct wire_control *c);
void ecivm_vm_attest_cancel_all(EcivmVm *vm, const char *reason);
void ecivm_vm_attest_free(EcivmVm *vm);

#endif
