/* The service's VM state machine (pure). */
#ifndef ECIVM_VMM_VM_STATE_H
#define ECIVM_VMM_VM_STATE_H

#include <glib.h>

typedef enum {
        ECIVM_VM_STOPPED,
        ECIVM_VM_MEASURING,
        ECIVM_VM_BOOTING,
        ECIVM_VM_READY,
        ECIVM_VM_DEGRADED,
        ECIVM_VM_STOPPING,
        ECIVM_VM_FAILED,
} EcivmVmState;

const char *ecivm_vm_state_name(EcivmVmState s);
gboolean ecivm_vm_state_transition_allowed(EcivmVmState from, EcivmVmState to);
/* States in which a start request is accepted. */
gboolean ecivm_vm_state_can_start(EcivmVmState s);
/* States that end a "wait for the outcome" request. */
gboolean ecivm_vm_state_is_settled(EcivmVmState s);

#endif
