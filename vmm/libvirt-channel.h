/* A domain's virtio-serial channel over the libvirt connection: the
 * channel is opened with virDomainOpenChannel() on a non-blocking stream
 * and pumped, on the default GLib main context (libvirt-event.h), into one
 * end of a socketpair; the caller gets the other end, a plain stream socket
 * like the QEMU backend's.  No path on this host is involved, so it works
 * the same for qemu:///system and for qemu+ssh://host/system.
 *
 * libvirtd connects to the channel's unix socket (<source mode='bind'>) on
 * the hypervisor host; VIR_DOMAIN_CHANNEL_FORCE takes the channel over from
 * any earlier client (a killed ecivmd's).  Flow control: a direction stops
 * reading while its 64 KiB chunk waits to be written.  End of stream or an
 * error on either side closes the caller's end (the mux then sees the
 * channel go down) and is logged once, with the bytes moved each way. */
#ifndef ECIVM_VMM_LIBVIRT_CHANNEL_H
#define ECIVM_VMM_LIBVIRT_CHANNEL_H

#include <glib.h>
#include <libvirt/libvirt.h>

typedef struct _EcivmLibvirtChannel EcivmLibvirtChannel;

/* NAME is the channel's virtio target name (org.ecivm.control).  Retries
 * until DEADLINE (monotonic µs) while the domain's QEMU is not listening
 * yet.  On success *RET_FD is the caller's non-blocking, close-on-exec end. */
EcivmLibvirtChannel *ecivm_libvirt_channel_open(virDomainPtr dom, const char *name, gint64 deadline, int *ret_fd,
                                                GError **error);
/* Stops pumping and aborts the stream; NULL-safe.  Call before closing the
 * connection. */
void ecivm_libvirt_channel_free(EcivmLibvirtChannel *ch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmLibvirtChannel, ecivm_libvirt_channel_free)

#endif
