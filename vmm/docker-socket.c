#include <errno.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include "docker-proxy.h"
#include "docker-socket.h"
#include "error.h"

#define SOMAXCONN_MAX 4096 /* the kernel caps it at net.core.somaxconn */

struct _EcivmDockerSocket {
        char *path;
        int fd;
        guint watch;
        wire_mux *mux;
        EcivmDockerProxy *proxy; /* every request passes the API filter */
        /* requests of containers allowed to mount the engine socket: the guest
         * opens a stream per connection, the same filter (plus commandList)
         * applies, then they go back to dockerd like the host's */
        EcivmDockerProxy *container_proxy;
};

static EcivmDockerProxy *container_proxy_new(wire_mux *mux, const EcivmApiPolicy *policy)
{
        EcivmDockerProxy *p = ecivm_docker_proxy_new(mux, policy);

        ecivm_docker_proxy_set_origin(p, ECIVM_API_ORIGIN_CONTAINER);
        return p;
}

int ecivm_unix_listen(const char *path, mode_t mode, const char *group, GError **error)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct group *gr = group ? getgrnam(group) : NULL;
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "%s: socket path too long", path);
                return -1;
        }
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                goto fail;
        (void) unlink(path);
        /* bind() under a 0177 umask so the socket is never briefly open to all */
        mode_t old = umask(0177);
        int r = bind(fd, (struct sockaddr *) &sa, sizeof(sa));
        umask(old);
        /* dockerd's own listener takes the kernel's maximum (somaxconn): a
         * burst of clients must queue, not get EAGAIN from connect() */
        if (r < 0 || listen(fd, SOMAXCONN_MAX) < 0)
                goto fail;
        if (gr && chown(path, 0, gr->gr_gid) < 0)
                goto fail;
        if (chmod(path, gr ? mode : (mode & 0700)) < 0)
                goto fail;
        return fd;
fail:
        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s: %s", path, g_strerror(errno));
        if (fd >= 0)
                close(fd);
        return -1;
}

static gboolean on_incoming(gint fd, GIOCondition cond, gpointer user)
{
        EcivmDockerSocket *s = user;

        for (int i = 0; i < 64; i++) {
                int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (c < 0) {
                        if (errno != EAGAIN && errno != EINTR)
                                g_warning("docker socket: accept: %s", g_strerror(errno));
                        break;
                }
                /* the proxy closes C itself when the mux cannot take the stream */
                if (!ecivm_docker_proxy_add(s->proxy, c))
                        g_debug("docker socket: refused a connection");
        }
        return G_SOURCE_CONTINUE;
}

EcivmDockerSocket *ecivm_docker_socket_new(const char *path, const char *group, wire_mux *mux, GError **error)
{
        int fd = ecivm_unix_listen(path, 0660, group, error);
        EcivmDockerSocket *s;

        if (fd < 0)
                return NULL;
        s = g_new0(EcivmDockerSocket, 1);
        s->path = g_strdup(path);
        s->fd = fd;
        s->mux = mux;
        s->proxy = ecivm_docker_proxy_new(mux, &(EcivmApiPolicy){ .eci = TRUE });
        s->container_proxy = container_proxy_new(mux, &(EcivmApiPolicy){ .eci = TRUE });
        s->watch = g_unix_fd_add(fd, G_IO_IN, on_incoming, s);
        return s;
}

void ecivm_docker_socket_free(EcivmDockerSocket *s)
{
        if (!s)
                return;
        g_source_remove(s->watch);
        close(s->fd);
        (void) unlink(s->path);
        ecivm_docker_proxy_free(s->proxy);
        ecivm_docker_proxy_free(s->container_proxy);
        g_free(s->path);
        g_free(s);
}

void ecivm_docker_socket_set_policy(EcivmDockerSocket *s, const EcivmApiPolicy *policy)
{
        /* open connections are dropped: set it before clients come */
        EcivmDockerProxy *old = s->proxy;

        s->proxy = ecivm_docker_proxy_new(s->mux, policy);
        ecivm_docker_proxy_free(old);
        old = s->container_proxy;
        s->container_proxy = container_proxy_new(s->mux, policy);
        ecivm_docker_proxy_free(old);
}

int ecivm_docker_socket_open_guest_stream(EcivmDockerSocket *s, guint32 id)
{
        int sv[2];

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
                return -errno;
        if (!ecivm_docker_proxy_add(s->container_proxy, sv[1])) { /* closes sv[1] */
                close(sv[0]);
                return -ECONNREFUSED;
        }
        g_debug("docker socket: container connection on guest stream %#x", id);
        return sv[0];
}
