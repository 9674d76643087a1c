#include "config.h"

#include <gmodule.h>

#include "error.h"
#include "libvirt-module.h"

/* Beside the binary first: whoever can write there can replace ecivmd
 * itself, so it is trusted as much as the binary is. */
static char *module_path(void)
{
        g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
        g_autofree char *dir = self ? g_path_get_dirname(self) : NULL;
        g_autofree char *beside = dir ? g_build_filename(dir, ECIVM_LIBVIRT_MODULE_FILE, NULL) : NULL;

        if (beside && g_file_test(beside, G_FILE_TEST_IS_REGULAR))
                return g_steal_pointer(&beside);
        return g_build_filename(ECIVM_PKGLIBDIR, ECIVM_LIBVIRT_MODULE_FILE, NULL);
}

const EcivmLibvirtModule *ecivm_libvirt_module_load(GError **error)
{
        static const EcivmLibvirtModule *table;
        g_autofree char *path = NULL;
        gpointer sym = NULL;
        GModule *m;

        if (table)
                return table;
        path = module_path();
        m = g_module_open(path, G_MODULE_BIND_LOCAL);
        if (m == NULL) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "libvirt backend: %s", g_module_error());
                return NULL;
        }
        if (!g_module_symbol(m, ECIVM_LIBVIRT_MODULE_SYMBOL, &sym) || sym == NULL ||
            ((const EcivmLibvirtModule *)sym)->abi != ECIVM_LIBVIRT_MODULE_ABI ||
            ((const EcivmLibvirtModule *)sym)->params_size != sizeof(EcivmDomainParams)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "libvirt backend: %s: not an ecivm %s module of this build",
                            path, ECIVM_LIBVIRT_MODULE_FILE);
                g_module_close(m);
                return NULL;
        }
        /* libvirt keeps threads and atexit handlers: never unload. */
        g_module_make_resident(m);
        g_debug("libvirt backend: loaded %s", path);
        table = sym;
        return table;
}
