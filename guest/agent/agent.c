/* ecivm-agent: relays the host's multiplexed Docker API streams from the
 * Docker virtio-serial port to dockerd's unix socket.  Started and restarted
 * by ecivm-init; takes no arguments and accepts no commands: the only thing
 * a stream can reach is dockerd's socket.
 *
 * The other way: containers on the socket-mount allow-list get ENGINE_SOCK
 * bind-mounted instead of dockerd's socket (ecivm-runc); each connection to
 * it becomes a stream the agent opens to the host, where ecivmd applies the
 * Engine API filter with the administrator's commandList before relaying it
 * back to dockerd.  A container never reaches dockerd unfiltered. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mux.h"
#include "pollset.h"

#define DOCKER_SOCK WIRE_PATH_DOCKER_SOCKET
#define PORT_LINK "/dev/virtio-ports/" WIRE_PORT_DOCKER
#define REOPEN_MS 200
#define ENGINE_DIR WIRE_PATH_ENGINE_DIR
#define ENGINE_SOCK WIRE_PATH_ENGINE_SOCKET

struct agent {
        struct pollset ps;
        wire_mux *mux;
        int engine_fd;
        int channel_up;
        int said_hello;
        struct timespec down_at;
};

static void on_watch(void *user, int fd, short events)
{
        struct agent *a = user;
        pollset_set(&a->ps, fd, events);
}

static int connect_docker(void)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return -errno;
        memcpy(sa.sun_path, DOCKER_SOCK, sizeof(DOCKER_SOCK));
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

static int on_open_stream(void *user, uint32_t id)
{
        (void) user;
        (void) id;
        return connect_docker();
}

static void on_channel_down(void *user, int err)
{
        struct agent *a = user;

        if (err != -ECONNRESET)
                fprintf(stderr, "ecivm-agent: docker channel reset: %s\n", strerror(-err));
        a->channel_up = 0;
        clock_gettime(CLOCK_MONOTONIC, &a->down_at);
}

static long ms_since(const struct timespec *t)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static const struct wire_mux_ops agent_ops = {
        .watch = on_watch,
        .open_stream = on_open_stream,
        .channel_down = on_channel_down,
};

/* Containers connect as their own (mapped) users: the socket is 0666 and
 * reachable only where ecivm-runc binds it. */
static int listen_engine(void)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (mkdir(ENGINE_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        memcpy(sa.sun_path, ENGINE_SOCK, sizeof(ENGINE_SOCK));
        (void) unlink(ENGINE_SOCK);
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || chmod(ENGINE_SOCK, 0666) < 0 || listen(fd, 4096) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

static void accept_engine(struct agent *a)
{
        for (int i = 0; i < 64; i++) {
                int c = accept4(a->engine_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (c < 0)
                        return;
                if (!a->channel_up) {
                        close(c); /* no host, no filter: no engine */
                        continue;
                }
                (void) wire_mux_open_stream(a->mux, c); /* closes C on failure */
        }
}

/* The port reads EOF while no host is connected, so (re)open it lazily. */
static void try_attach(struct agent *a)
{
        int fd;

        clock_gettime(CLOCK_MONOTONIC, &a->down_at); /* paces the next attempt */
        fd = open(PORT_LINK, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return;
        /* The first HELLO tells a host that outlived a previous agent to
         * drop the streams it had. */
        if (wire_mux_attach_channel(a->mux, fd, !a->said_hello) == 0) {
                a->channel_up = 1;
                a->said_hello = 1;
        }
}

int main(void)
{
        struct agent a = { 0 };

        signal(SIGPIPE, SIG_IGN);
        a.mux = wire_mux_new(&agent_ops, &a);
        if (!a.mux)
                return 1;
        wire_mux_set_guest_side(a.mux);
        a.engine_fd = listen_engine();
        if (a.engine_fd < 0)
                fprintf(stderr, "ecivm-agent: %s: %s (containers get no engine socket)\n", ENGINE_SOCK,
                        strerror(-a.engine_fd));
        for (;;) {
                int n, wait = -1;

                /* While no host is connected the port reads EOF at once:
                 * retry at a gentle pace instead of spinning. */
                if (!a.channel_up) {
                        long since = ms_since(&a.down_at);
                        if (since >= REOPEN_MS)
                                try_attach(&a);
                        else
                                wait = (int) (REOPEN_MS - since);
                }
                if (a.engine_fd >= 0)
                        pollset_set(&a.ps, a.engine_fd, POLLIN);
                n = poll(a.ps.fds, a.ps.n, wait);
                if (n < 0 && errno != EINTR) {
                        perror("ecivm-agent: poll");
                        return 1;
                }
                if (a.engine_fd >= 0) {
                        short rev = 0;
                        for (unsigned i = 0; i < a.ps.n; i++)
                                if (a.ps.fds[i].fd == a.engine_fd)
                                        rev = a.ps.fds[i].revents, a.ps.fds[i].revents = 0;
                        pollset_set(&a.ps, a.engine_fd, 0); /* the mux never sees it */
                        if (rev)
                                accept_engine(&a);
                }
                pollset_dispatch(&a.ps, a.mux);
        }
}
