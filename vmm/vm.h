/* One managed VM: measurement, accelerator choice, the QEMU process, its
 * control and Docker channels, and the state machine the service reports. */
#ifndef ECIVM_VMM_VM_H
#define ECIVM_VMM_VM_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "accel.h"
#include "vm-state.h"

typedef struct {
        char *image_dir;   /* manifest.json + the artifacts it names */
        char *state_dir;   /* data disk, console log, accel cache (root, 0700) */
        char *run_dir;     /* sockets */
        char *qemu_binary;
        EcivmAccelMode accel_mode;
        guint cpus;
        guint memory_mib;
        guint data_disk_gib;
        char *socket_group; /* group allowed on the Docker socket; NULL = root only */
        guint boot_timeout_s;
        guint stop_timeout_s;
        guint probe_timeout_s;
} EcivmVmConfig;

void ecivm_vm_config_init_defaults(EcivmVmConfig *c);
void ecivm_vm_config_clear(EcivmVmConfig *c);

typedef struct _EcivmVm EcivmVm;

typedef void (*EcivmVmStateFunc)(EcivmVm *vm, EcivmVmState state, gpointer user);

EcivmVm *ecivm_vm_new(const EcivmVmConfig *config);
void ecivm_vm_free(EcivmVm *vm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmVm, ecivm_vm_free)

void ecivm_vm_set_state_callback(EcivmVm *vm, EcivmVmStateFunc func, gpointer user);

/* Asynchronous: the outcome is a state change (ready or failed).  Returns
 * FALSE with an error only when the request itself is refused (wrong state,
 * bad override). */
gboolean ecivm_vm_start(EcivmVm *vm, const char *accel_override, GError **error);
gboolean ecivm_vm_stop(EcivmVm *vm, GError **error);

EcivmVmState ecivm_vm_get_state(const EcivmVm *vm);
/* Status snapshot for the service API (new reference). */
JsonNode *ecivm_vm_status_json(const EcivmVm *vm);

#endif
