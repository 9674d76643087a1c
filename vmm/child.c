/* Child processes for ecivmd (child.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "error.h"

struct _EcivmChild {
        GPid pid; /* 0 once reaped */
        char identifier[16];
        EcivmChildExitFunc exit;
        gpointer user;
        gboolean forgotten; /* freed while running: the watch frees it */
};

static void close_fds(EcivmChildFd *fds, gsize n_fds)
{
        for (gsize i = 0; i < n_fds; i++)
                if (fds[i].fd >= 0)
                        close(fds[i].fd);
}

static void split_fds(const EcivmChildFd *fds, gsize n_fds, int *src, int *dst)
{
        for (gsize i = 0; i < n_fds; i++) {
                src[i] = fds[i].fd;
                dst[i] = fds[i].target;
        }
}

/* QEMU must not outlive a killed ecivmd: the next one could not reach it. */
static void die_with_parent(gpointer user)
{
        (void) user;
        prctl(PR_SET_PDEATHSIG, SIGTERM);
}

static void on_exit_status(GPid pid, gint status, gpointer user)
{
        EcivmChild *c = user;

        g_spawn_close_pid(pid);
        c->pid = 0;
        if (c->forgotten)
                g_free(c);
        else if (c->exit)
                c->exit(c, status, c->user); /* may free C */
}

EcivmChild *ecivm_child_spawn(const char *const *argv, EcivmChildFd *fds, gsize n_fds, const char *log_path,
                              gboolean die, EcivmChildExitFunc exit, gpointer user, GError **error)
{
        g_autofree int *src = g_new(int, n_fds + 1), *dst = g_new(int, n_fds + 1);
        int log_fd = -1;
        GPid pid;
        gboolean ok;
        EcivmChild *c;

        if (log_path && (log_fd = open(log_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666)) < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s: %s", log_path, g_strerror(errno));
                close_fds(fds, n_fds);
                return NULL;
        }
        split_fds(fds, n_fds, src, dst);
        ok = g_spawn_async_with_pipes_and_fds(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                              die ? die_with_parent : NULL, NULL, -1, log_fd, log_fd, src, dst,
                                              n_fds, &pid, NULL, NULL, NULL, error);
        if (log_fd >= 0)
                close(log_fd);
        close_fds(fds, n_fds);
        if (!ok)
                return NULL;
        c = g_new0(EcivmChild, 1);
        c->pid = pid;
        snprintf(c->identifier, sizeof(c->identifier), "%d", (int) pid);
        c->exit = exit;
        c->user = user;
        g_child_watch_add(pid, on_exit_status, c);
        return c;
}

void ecivm_child_kill(EcivmChild *c, int sig)
{
        if (c && c->pid)
                (void) kill(c->pid, sig);
}

const char *ecivm_child_get_identifier(const EcivmChild *c)
{
        return c->pid ? c->identifier : NULL;
}

void ecivm_child_free(EcivmChild *c)
{
        if (!c)
                return;
        if (c->pid)
                c->forgotten = TRUE;
        else
                g_free(c);
}

/* One step of the pipe loop: FALSE with ERROR set on a read error. */
static gboolean drain(int *fd, GString *into, GError **error)
{
        char buf[4096];
        ssize_t n = read(*fd, buf, sizeof(buf));

        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return TRUE;
        if (n < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "read: %s", g_strerror(errno));
                return FALSE;
        }
        if (n == 0) {
                close(*fd);
                *fd = -1;
        } else {
                g_string_append_len(into, buf, n);
        }
        return TRUE;
}

gboolean ecivm_child_communicate(const char *const *argv, EcivmChildFd *fds, gsize n_fds, const void *in,
                                 gsize in_len, GString **ret_out, GString **ret_err, int *ret_status,
                                 GError **error)
{
        g_autofree int *src = g_new(int, n_fds + 1), *dst = g_new(int, n_fds + 1);
        g_autoptr(GString) out = g_string_new(NULL), err = g_string_new(NULL);
        int pipes[3] = { -1, -1, -1 }; /* stdin, stdout, stderr */
        gsize done = 0;
        gboolean ok;
        GPid pid;
        int status;

        split_fds(fds, n_fds, src, dst);
        ok = g_spawn_async_with_pipes_and_fds(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CLOEXEC_PIPES,
                                              NULL, NULL, -1, -1, -1, src, dst, n_fds, &pid, &pipes[0], &pipes[1],
                                              &pipes[2], error);
        close_fds(fds, n_fds);
        if (!ok)
                return FALSE;
        (void) fcntl(pipes[0], F_SETFL, O_NONBLOCK);
        while (ok && (pipes[0] >= 0 || pipes[1] >= 0 || pipes[2] >= 0)) {
                struct pollfd p[3] = { { pipes[0], POLLOUT, 0 }, { pipes[1], POLLIN, 0 }, { pipes[2], POLLIN, 0 } };

                if (pipes[0] >= 0 && done == in_len) {
                        close(pipes[0]);
                        pipes[0] = -1;
                        continue;
                }
                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "poll: %s", g_strerror(errno));
                        ok = FALSE;
                        break;
                }
                if (p[0].revents) {
                        ssize_t n = write(pipes[0], (const char *) in + done, in_len - done);

                        if (n > 0)
                                done += (gsize) n;
                        else if (n < 0 && errno != EINTR && errno != EAGAIN)
                                done = in_len; /* EPIPE: it stopped reading; its status tells why */
                }
                if (p[1].revents && !drain(&pipes[1], out, error))
                        ok = FALSE;
                if (ok && p[2].revents && !drain(&pipes[2], err, error))
                        ok = FALSE;
        }
        for (int i = 0; i < 3; i++)
                if (pipes[i] >= 0)
                        close(pipes[i]);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        g_spawn_close_pid(pid);
        if (!ok)
                return FALSE;
        *ret_out = g_steal_pointer(&out);
        *ret_err = g_steal_pointer(&err);
        *ret_status = status;
        return TRUE;
}
