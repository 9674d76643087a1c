/* The libvirt backend (backend-libvirt.h) is a GModule, ecivm-libvirt.so in
 * $(pkglibdir), that ecivmd loads only for --backend=libvirt: libvirt's
 * dependency closure (gnutls, libxml2, ICU, libstdc++, libssh, Kerberos,
 * p11-kit...) is about 7 MiB of resident pages that a QEMU-backend daemon
 * would carry for nothing.  The module exports one symbol, a table of the
 * backend's entry points; everything else in it is hidden. */
#ifndef ECIVM_VMM_LIBVIRT_MODULE_H
#define ECIVM_VMM_LIBVIRT_MODULE_H

#include <glib.h>

#include "backend-libvirt.h"

#define ECIVM_LIBVIRT_MODULE_FILE "ecivm-libvirt.so"
#define ECIVM_LIBVIRT_MODULE_SYMBOL "ecivm_libvirt_module"
#define ECIVM_LIBVIRT_MODULE_ABI 2

typedef struct {
        guint abi;          /* ECIVM_LIBVIRT_MODULE_ABI */
        gsize params_size;  /* sizeof(EcivmDomainParams) it was built with */
        EcivmLibvirtVm *(*start)(const char *uri, const EcivmDomainParams *p, EcivmLibvirtStoppedFunc on_stopped,
                                 gpointer user, int *ret_control_fd, int *ret_docker_fd, GError **error);
        gboolean (*destroy)(EcivmLibvirtVm *lv, GError **error);
        const char *(*describe)(const EcivmLibvirtVm *lv);
        gboolean (*cpu_time_ms)(EcivmLibvirtVm *lv, gint64 *ret_ms);
        void (*free)(EcivmLibvirtVm *lv);
} EcivmLibvirtModule;

/* ecivmd: loads the module once (later calls return the same table) from
 * beside the running binary (a build tree: vmm/ecivmd and
 * vmm/ecivm-libvirt.so), else from ECIVM_PKGLIBDIR.  Errors name the file. */
const EcivmLibvirtModule *ecivm_libvirt_module_load(GError **error);

#endif
