/* The libvirt backend (the module ecivm-libvirt.so, libvirt-module.h):
 * ecivmd defines and starts the measured VM as a libvirt domain
 * (domain-xml.h) through the libvirt C API instead of spawning QEMU, and
 * gets the same two channel fds it would get from its socketpairs.
 *
 * The caller measures first and passes the measured plan as domain params
 * (domain-spec.h).  Start = define (persistent, stable UUID: redefining
 * replaces the previous definition, and the lab can `virsh dumpxml` or
 * `virsh start` it after ecivmd has gone) + create.  A domain of the same
 * UUID that is still running (a killed ecivmd's) is destroyed first, so
 * there are never two VMs on one data disk.  After the start both channels
 * are opened over the libvirt connection (libvirt-channel.h:
 * virDomainOpenChannel, streams pumped into socketpairs), so a remote URI
 * (qemu+ssh://host/system) works like a local one.
 *
 * libvirt's event loop runs on the GLib main context of the caller (one
 * GMainLoop: virEventRegisterImpl with GLib-backed handle and timeout
 * callbacks); lifecycle events report the domain's end once through
 * ON_STOPPED, with a reason that names libvirt, as does a lost connection.
 *
 * Paths in the domain (kernel, initrd, images, data disk, console log,
 * channel sockets) are the hypervisor host's: with a remote URI they must
 * exist there at the same paths.  Files under qemu:///system:
 * QEMU runs as libvirt-qemu; libvirt (root) creates the console log and the
 * channel sockets (libvirt-qemu, 0775) itself, chowns the data disk and,
 * for the run, the kernel and initrd to libvirt-qemu, and restores the
 * owners when the domain stops; the read-only root and hash tree are not
 * relabelled (relabel='no').  QEMU opens the data disk by path, so every
 * directory above it must be searchable by libvirt-qemu (the state dir
 * 0711: traversal without listing). */
#ifndef ECIVM_VMM_BACKEND_LIBVIRT_H
#define ECIVM_VMM_BACKEND_LIBVIRT_H

#include <glib.h>

#include "domain-xml.h"

#define ECIVM_LIBVIRT_DEFAULT_URI "qemu:///system"

typedef struct _EcivmLibvirtVm EcivmLibvirtVm;

/* Called once, from the main loop, when the domain has stopped (or the
 * connection was lost).  REASON e.g. "libvirt: domain destroyed". */
typedef void (*EcivmLibvirtStoppedFunc)(EcivmLibvirtVm *lv, const char *reason, gpointer user);

/* Registers libvirt's event loop on the default GLib main context (first
 * call only; before any connection is opened). */
void ecivm_libvirt_event_init(void);

/* Blocking (define, create, channel opens: about a second).  On success
 * *RET_CONTROL_FD and *RET_DOCKER_FD are connected, non-blocking, close-on-exec
 * stream sockets owned by the caller (socketpair ends pumped to the domain's
 * channels on the default main context while LV lives). */
EcivmLibvirtVm *ecivm_libvirt_start(const char *uri, const EcivmDomainParams *p, EcivmLibvirtStoppedFunc on_stopped,
                                    gpointer user, int *ret_control_fd, int *ret_docker_fd, GError **error);
/* Force off (virDomainDestroy); ON_STOPPED follows from the event. */
gboolean ecivm_libvirt_destroy(EcivmLibvirtVm *lv, GError **error);
/* The domain's CPU time (virDomainGetInfo): one round trip on the
 * connection, so only right after it carried data (a heartbeat) or before a
 * destroy, which would wait on it as well. */
gboolean ecivm_libvirt_cpu_time_ms(EcivmLibvirtVm *lv, gint64 *ret_ms);
/* "libvirt qemu:///system domain ecivm (id 3)" for status and logs. */
const char *ecivm_libvirt_describe(const EcivmLibvirtVm *lv);
/* Stops watching and closes the connection; does not stop the domain. */
void ecivm_libvirt_free(EcivmLibvirtVm *lv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmLibvirtVm, ecivm_libvirt_free)

#endif
