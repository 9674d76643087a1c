#include "config.h"

#include "self-path.h"

char *ecivm_path_beside_self(const char *name, const char *installed_dir)
{
        g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
        g_autofree char *dir = self ? g_path_get_dirname(self) : NULL;
        g_autofree char *beside = dir ? g_build_filename(dir, name, NULL) : NULL;

        if (beside && g_file_test(beside, G_FILE_TEST_IS_REGULAR))
                return g_steal_pointer(&beside);
        return g_build_filename(installed_dir, name, NULL);
}
