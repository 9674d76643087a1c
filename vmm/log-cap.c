#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log-cap.h"

static void rotate(const char *path, const struct stat *old)
{
        g_autofree char *previous = g_strconcat(path, ".1", NULL);
        struct stat out;
        int fd;

        if (rename(path, previous) < 0) {
                g_warning("ecivmd: log %s: rotating: %s", path, g_strerror(errno));
                return;
        }
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
                g_warning("ecivmd: log %s: %s (still writing to %s)", path, g_strerror(errno), previous);
                return;
        }
        fflush(stdout);
        fflush(stderr);
        if (fstat(STDOUT_FILENO, &out) == 0 && out.st_dev == old->st_dev && out.st_ino == old->st_ino)
                (void) dup2(fd, STDOUT_FILENO);
        (void) dup2(fd, STDERR_FILENO);
        close(fd);
        g_message("ecivmd: log rotated at %lld bytes; the previous one is %s", (long long) old->st_size, previous);
}

static gboolean on_check(gpointer user)
{
        g_autofree char *path = NULL;
        struct stat st;

        (void) user;
        if (fstat(STDERR_FILENO, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= ECIVM_LOG_CAP_BYTES)
                return G_SOURCE_CONTINUE;
        path = g_file_read_link("/proc/self/fd/2", NULL);
        if (path && g_path_is_absolute(path) && !g_str_has_suffix(path, " (deleted)"))
                rotate(path, &st);
        return G_SOURCE_CONTINUE;
}

guint ecivm_log_cap_start(void)
{
        return g_timeout_add_seconds(ECIVM_LOG_CAP_CHECK_S, on_check, NULL);
}
