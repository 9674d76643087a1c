#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engine-grant.h"
#include "grant.h"

static gboolean fail(GError **error, const char *what, const char *path, int e)
{
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "ecivm: engine socket grant: %s %s: %s", what,
                    path, g_strerror(e));
        return FALSE;
}

static gboolean valid_id(const char *id, GError **error)
{
        gsize n = strlen(id);

        if (n == 0 || n > ENGINE_GRANT_MAX_ID || id[0] == '.' ||
            strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n) {
                g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                            "ecivm: container id \"%s\" cannot be given the engine socket", id);
                return FALSE;
        }
        return TRUE;
}

/* DIR, root's alone: made when missing, refused when anyone else could
 * plant a grant in it. */
static int open_dir(const char *dir, gboolean create, GError **error)
{
        struct stat st;
        int fd;

        if (create && mkdir(dir, 0700) < 0 && errno != EEXIST) {
                fail(error, "create", dir, errno);
                return -1;
        }
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && !create && errno == ENOENT)
                return -2;
        if (fd < 0) {
                fail(error, "open", dir, errno);
                return -1;
        }
        if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
                close(fd);
                g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                            "ecivm: engine socket grant: %s is not root's alone", dir);
                return -1;
        }
        return fd;
}

gboolean eci_grant_add(const char *dir, const char *id, guint32 base, guint32 size, GError **error)
{
        g_autofree char *text = g_strdup_printf("%u %u\n", base, size);
        g_autofree char *tmp = g_strconcat(".", id, ".tmp", NULL);
        gsize len = strlen(text);
        gboolean ok;
        int dfd, fd, e;

        if (!valid_id(id, error) || (dfd = open_dir(dir, TRUE, error)) < 0)
                return FALSE;
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
                e = errno;
                close(dfd);
                return fail(error, "create", tmp, e);
        }
        ok = write(fd, text, len) == (gssize) len && fsync(fd) == 0;
        e = errno;
        close(fd);
        if (ok && renameat(dfd, tmp, dfd, id) < 0) {
                ok = FALSE;
                e = errno;
        }
        if (!ok)
                (void) unlinkat(dfd, tmp, 0);
        close(dfd);
        return ok || fail(error, "write", id, e);
}

gboolean eci_grant_remove(const char *dir, const char *id, GError **error)
{
        int dfd;

        if (!valid_id(id, NULL))
                return TRUE; /* never granted */
        dfd = open_dir(dir, FALSE, error);
        if (dfd == -2)
                return TRUE;
        if (dfd < 0)
                return FALSE;
        if (unlinkat(dfd, id, 0) < 0 && errno != ENOENT) {
                int e = errno;

                close(dfd);
                return fail(error, "remove", id, e);
        }
        close(dfd);
        return TRUE;
}
