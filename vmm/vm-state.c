#include "vm-state.h"

const char *ecivm_vm_state_name(EcivmVmState s)
{
        static const char *const names[] = {
                [ECIVM_VM_STOPPED] = "stopped", [ECIVM_VM_MEASURING] = "measuring", [ECIVM_VM_BOOTING] = "booting",
                [ECIVM_VM_READY] = "ready",     [ECIVM_VM_DEGRADED] = "degraded",   [ECIVM_VM_STOPPING] = "stopping",
                [ECIVM_VM_FAILED] = "failed",
        };
        return (guint) s < G_N_ELEMENTS(names) ? names[s] : "unknown";
}

gboolean ecivm_vm_state_transition_allowed(EcivmVmState from, EcivmVmState to)
{
        switch (from) {
        case ECIVM_VM_STOPPED:
                return to == ECIVM_VM_MEASURING;
        case ECIVM_VM_FAILED:
                return to == ECIVM_VM_MEASURING || to == ECIVM_VM_STOPPED;
        case ECIVM_VM_MEASURING:
                return to == ECIVM_VM_BOOTING || to == ECIVM_VM_FAILED || to == ECIVM_VM_STOPPED;
        case ECIVM_VM_BOOTING:
                return to == ECIVM_VM_READY || to == ECIVM_VM_FAILED || to == ECIVM_VM_STOPPING ||
                       to == ECIVM_VM_DEGRADED;
        case ECIVM_VM_READY:
                return to == ECIVM_VM_DEGRADED || to == ECIVM_VM_STOPPING || to == ECIVM_VM_FAILED;
        case ECIVM_VM_DEGRADED:
                /* degraded: dockerd is being restarted inside, or the VM
                 * waits out a backoff before booting again */
                return to == ECIVM_VM_READY || to == ECIVM_VM_STOPPING || to == ECIVM_VM_FAILED ||
                       to == ECIVM_VM_MEASURING || to == ECIVM_VM_STOPPED;
        case ECIVM_VM_STOPPING:
                return to == ECIVM_VM_STOPPED || to == ECIVM_VM_FAILED;
        default:
                return FALSE;
        }
}

gboolean ecivm_vm_state_can_start(EcivmVmState s)
{
        return s == ECIVM_VM_STOPPED || s == ECIVM_VM_FAILED;
}

gboolean ecivm_vm_state_is_settled(EcivmVmState s)
{
        return s == ECIVM_VM_STOPPED || s == ECIVM_VM_READY || s == ECIVM_VM_DEGRADED || s == ECIVM_VM_FAILED;
}
