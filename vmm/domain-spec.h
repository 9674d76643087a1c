/* The libvirt domain for a measured image: what `ecivm export-libvirt`
 * prints and what the libvirt backend defines.  Both fill it the same way
 * so the exported XML is the VM ecivmd boots with backend=libvirt.
 *
 * Layout: kernel, initrd, root and hash tree by absolute path from the
 * (measured) manifest's directory; the measured cmdline and digests; the data
 * disk and console log in the state dir (data.img, console.log, as with the
 * QEMU backend); the channel sockets in SOCKET_DIR (libvirt-control.sock,
 * libvirt-docker.sock). */
#ifndef ECIVM_VMM_DOMAIN_SPEC_H
#define ECIVM_VMM_DOMAIN_SPEC_H

#include <glib.h>

#include "domain-xml.h"
#include "measure.h"

#define ECIVM_DOMAIN_DEFAULT_NAME "ecivm"

typedef struct {
        EcivmDomainParams params; /* borrows from the spec (and the image it was made from) */
        GPtrArray *owned;
} EcivmDomainSpec;

/* Name "ecivm", UUID from ecivm_domain_uuid_for(STATE_DIR), accel TCG, 1
 * cpu, 1024 MiB: the caller sets accel, cpus and memory (and may change
 * name, uuid, emulator).  M must outlive the spec. */
EcivmDomainSpec *ecivm_domain_spec_new(const EcivmMeasuredImage *m, const char *state_dir, const char *socket_dir);
void ecivm_domain_spec_free(EcivmDomainSpec *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmDomainSpec, ecivm_domain_spec_free)

/* Keeps a copy of VALUE alive as long as the spec; returns it. */
const char *ecivm_domain_spec_keep(EcivmDomainSpec *s, const char *value);

/* A stable UUID for the VM of STATE_DIR (name-based, from its canonical
 * path): re-exporting or re-defining the same VM keeps its UUID, which
 * `virsh define` needs to replace an existing definition. */
char *ecivm_domain_uuid_for(const char *state_dir);

#endif
