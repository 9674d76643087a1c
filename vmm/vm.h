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
        char *libvirt_uri;   /* backend libvirt (vm-libvirt.c) with this URI; NULL: spawn QEMU */
        char **trusted_keys; /* manifest signing keys (*.pub); NULL: the default dir (measure.h) */
        char *attest_key;    /* attestation private key; NULL: <state_dir>/attest.key, made on first use */
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
/* Stop (gracefully) then start again; the outcome is a state change. */
gboolean ecivm_vm_restart(EcivmVm *vm, GError **error);
gboolean ecivm_vm_is_restarting(const EcivmVm *vm);

EcivmVmState ecivm_vm_get_state(const EcivmVm *vm);
const char *ecivm_vm_get_state_dir(const EcivmVm *vm);
/* Daemon start: end a QEMU that a killed ecivmd left behind (its pidfile in
 * the state dir), so there are never two VMs on one data disk. */
void ecivm_vm_reap_orphan(EcivmVm *vm);
/* Status snapshot for the service API (new reference). */
JsonNode *ecivm_vm_status_json(const EcivmVm *vm);

/* Attestation (vm-attest.c): asks the guest for evidence with NONCE (hex,
 * may be NULL) and calls FUNC once with {document, publicKey, keyId,
 * instance} or an error (no answer within 10 s, the VM stopped).  Returns a
 * handle, or 0 with ERROR (ECIVM_ERROR_STATE unless the VM is ready) and
 * FUNC is never called.  After _abandon(HANDLE) FUNC is not called. */
typedef void (*EcivmVmAttestFunc)(EcivmVm *vm, JsonNode *result, const GError *error, gpointer user);
guint ecivm_vm_attest(EcivmVm *vm, const char *nonce, EcivmVmAttestFunc func, gpointer user, GError **error);
void ecivm_vm_attest_abandon(EcivmVm *vm, guint handle);

#endif
