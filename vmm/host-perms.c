#include <errno.h>
#include <sys/stat.h>

#include "error.h"
#include "host-perms.h"

static gboolean check_one(const char *path, gboolean must_exist, GError **error)
{
        struct stat st;

        if (stat(path, &st) < 0) {
                if (errno == ENOENT && !must_exist)
                        return TRUE;
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s: %s", path, g_strerror(errno));
                return FALSE;
        }
        if (st.st_mode & (S_IWGRP | S_IWOTH)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_REFUSED, "%s: mode %04o is writable by group or others",
                            path, (unsigned) (st.st_mode & 07777));
                return FALSE;
        }
        return TRUE;
}

gboolean ecivm_check_private_tree(const char *path, GError **error)
{
        g_autoptr(GDir) dir = NULL;
        const char *name;

        if (!check_one(path, FALSE, error))
                return FALSE;
        dir = g_dir_open(path, 0, NULL);
        while (dir && (name = g_dir_read_name(dir))) {
                g_autofree char *child = g_build_filename(path, name, NULL);
                /* sockets and the like live in the run dir, not here; dangling links are skipped */
                if (!check_one(child, FALSE, error))
                        return FALSE;
        }
        return TRUE;
}
