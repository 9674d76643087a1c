#include "config.h"

#include <gmodule.h>

#include "error.h"
#include "libvirt-module.h"
#include "self-path.h"

const EcivmLibvirtModule *ecivm_libvirt_module_load(GError **error)
{
        static const EcivmLibvirtModule *table;
        g_autofree char *path = NULL;
        gpointer sym = NULL;
        GModule *m;

        if (table)
                return table;
        path = ecivm_path_beside_self(ECIVM_LIBVIRT_MODULE_FILE, ECIVM_PKGLIBDIR);
        m = g_module_open(path, G_MODULE_BIND_LOCAL);
        if (m == NULL) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "libvirt backend: %s", g_module_error());
                return NULL;
        }
        if (!g_module_symbol(m, ECIVM_LIBVIRT_MODULE_SYMBOL, &sym) || sym == NULL ||
            ((const EcivmLibvirtModule *)sym)->abi != ECIVM_LIBVIRT_MODULE_ABI ||
            ((const EcivmLibvirtModule *)sym)->params_size != sizeof(EcivmDomainParams)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO,
                            "libvirt backend: %s: not an ecivm %s module of this build", path,
                            ECIVM_LIBVIRT_MODULE_FILE);
                g_module_close(m);
                return NULL;
        }
        /* libvirt keeps threads and atexit handlers: never unload. */
        g_module_make_resident(m);
        g_debug("libvirt backend: loaded %s", path);
        table = sym;
        return table;
}
