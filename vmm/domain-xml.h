/* libvirt domain XML builder (pure): the VM ecivmd boots, as a domain that
 * `virsh define` or the libvirt backend (backend-libvirt.h) can start.
 *
 * Same machine as ecivm_qemu_argv_build(): pc, direct kernel boot with the
 * measured kernel, initrd and cmdline; root image read-only virtio (vda),
 * data disk raw virtio (vdb); the serial console written to a file (no pty,
 * so nothing on the host can type into it); virtio-serial channels
 * WIRE_PORT_CONTROL and WIRE_PORT_DOCKER on unix sockets that QEMU listens
 * on; the dm-verity hash tree of the root, when given, read-only virtio (vdc);
 * virtio-rng; no NIC, no graphics, no USB, no balloon, no host devices;
 * read-only disks carry <seclabel model='dac' relabel='no'/> so libvirt does
 * not chown the measured images to the QEMU user (which could then write
 * them); every guest power-off, reboot or crash ends the domain.  ACPI is on so the
 * guest can power itself off.  type='kvm' with host-passthrough CPU for KVM,
 * type='qemu' with the 'maximum' CPU for TCG (libvirt >= 7.1).
 *
 * Every value goes through g_markup_escape_text().  Refused
 * (ECIVM_ERROR_INVALID, message starts with the field name): a required
 * value missing or empty, a path that is not absolute, any control
 * character or invalid UTF-8, a socket path too long for sun_path, a domain
 * name outside [A-Za-z0-9_.+-] (max 64), a malformed UUID or digest (64 lower-case hex), cpus or
 * memory out of the launch plan's range, an empty, over-long or
 * non-printable cmdline. */
#ifndef ECIVM_VMM_DOMAIN_XML_H
#define ECIVM_VMM_DOMAIN_XML_H

#include <glib.h>

#include "launch-plan.h"

#define ECIVM_DOMAIN_NAME_MAX 64
/* Namespace of the <metadata> element carrying the measured digests. */
#define ECIVM_DOMAIN_METADATA_NS "urn:ecivm:measurement:1"

/* All strings are borrowed. */
typedef struct {
        const char *name;       /* required: domain name */
        const char *uuid;       /* optional: NULL = libvirt picks one */
        const char *emulator;   /* optional: NULL = libvirt's default QEMU */
        EcivmAccel accel;
        guint cpus;             /* ECIVM_PLAN_CPUS_MIN..MAX */
        guint memory_mib;       /* ECIVM_PLAN_MEMORY_MIN_MIB..MAX_MIB */
        const char *kernel;     /* absolute paths */
        const char *initrd;
        const char *cmdline;    /* as measured */
        const char *root_image;
        const char *data_disk;
        const char *verity_hash; /* optional: NULL = no /dev/vdc */
        const char *console_log;
        const char *control_socket; /* QEMU listens (mode='bind') */
        const char *docker_socket;
        /* optional: the measured digests (64 lower-case hex), recorded in
         * <metadata> for the lab engineer; each one that is set. */
        const char *manifest_sha256;
        const char *kernel_sha256;
        const char *initrd_sha256;
        const char *hash_tree_sha256;
} EcivmDomainParams;

/* Zeroed params with accel TCG, 1 cpu, 1024 MiB (the launch plan defaults). */
void ecivm_domain_params_init(EcivmDomainParams *p);

/* The domain XML (g_free), newline-terminated, or NULL with an error. */
char *ecivm_domain_xml_build(const EcivmDomainParams *p, GError **error);

#endif
