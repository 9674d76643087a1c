/* QEMU argv builder (pure): EcivmLaunchPlan -> argv for qemu-system-x86_64.
 *
 * Machine: pc, no default devices, no display, no NIC, no reboot.  Guest
 * serial goes to a file chardev (output only: QEMU has no input side for it,
 * so nothing on the host can type into the guest console).  The two
 * virtio-serial ports carry the wire protocol (WIRE_PORT_CONTROL,
 * WIRE_PORT_DOCKER).  QEMU runs under its seccomp sandbox.
 *
 * Refused (ECIVM_ERROR_INVALID, message starts with the field name):
 * a required path that is NULL or empty, any path containing ',' (QEMU
 * option syntax) or a control character, a socket path too long for
 * sun_path, a channel that is unset or has fd < 3, cpus outside 1..64,
 * memory_mib outside 256..65536, an empty or over-long cmdline. */
#ifndef ECIVM_VMM_QEMU_ARGV_H
#define ECIVM_VMM_QEMU_ARGV_H

#include <glib.h>

#include "launch-plan.h"

/* argv[0] is plan->qemu_binary.  Free with g_strfreev (or g_auto(GStrv)). */
GStrv ecivm_qemu_argv_build(const EcivmLaunchPlan *plan, GError **error);

#endif
