/* ecivm-agent: relays the host's multiplexed Docker API streams from the
 * Docker virtio-serial port to dockerd's unix socket.  Started and restarted
 * by ecivm-init; takes no arguments and accepts no commands: the only thing
 * a stream can reach is dockerd's socket.
 *
 * The other way: containers on the socket-mount allow-list get ENGINE_SOCK
 * bind-mounted instead of dockerd's socket (ecivm-runc); each connection to
 * it becomes a stream the agent opens to the host, where ecivmd applies the
 * Engine API filter with the administrator's commandList before relaying it
 * back to dockerd.  A container never reaches dockerd unfiltered, and the
 * stand-in answers only a peer whose uid lies in the user-ID range of a
 * container that was given it (engine-peer.h); everyone else, reaching the
 * socket file or not, gets the connection closed and one log line. */
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

#include "engine-peer.h"
#include "mux.h"
#include "pollset.h"

#define DOCKER_SOCK WIRE_PATH_DOCKER_SOCKET
#define PORT_LINK "/dev/virtio-ports/" WIRE_PORT_DOCKER
#define REOPEN_MS 200
/* the allocator's file: 4096 ranges of a few dozen bytes each; past this
 * it is not the allocator's */
#define RANGES_MAX (4 * 1024 * 1024)
#define GRANT_MAX 64
/* refusals logged per second; the rest are counted */
#define REFUSALS_LOGGED 10

struct agent {
        struct pollset ps;
        wire_mux *mux;
        int engine_fd;
        int channel_up;
        int said_hello;
        struct timespec down_at;
        time_t refusal_second;
        unsigned refusals_logged, refusals_unlogged;
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

/* Containers connect as their own (mapped) users: the socket is 0666,
 * bound by ecivm-runc only into containers given it, and each connection's
 * peer is checked (check_peer). */
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

/* The whole of a root-owned regular file that nobody else may write
 * (O_NOFOLLOW: not through a link), at most MAX bytes, NUL-terminated;
 * NULL otherwise. */
static char *read_root_file(int dir_fd, const char *name, size_t max)
{
        int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        struct stat st;
        char *buf = NULL;
        size_t len = 0;

        if (fd < 0)
                return NULL;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) != 0 ||
            (size_t) st.st_size > max || (buf = malloc((size_t) st.st_size + 1)) == NULL)
                goto fail;
        while (len < (size_t) st.st_size) {
                ssize_t n = read(fd, buf + len, (size_t) st.st_size - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        goto fail; /* shorter than fstat said: replaced meanwhile */
                len += (size_t) n;
        }
        buf[len] = '\0';
        if (memchr(buf, '\0', len) != NULL)
                goto fail;
        close(fd);
        return buf;
fail:
        free(buf);
        close(fd);
        return NULL;
}

struct grant_reader {
        int dir_fd;
        char *text;
};

static const char *read_grant(void *user, const char *id)
{
        struct grant_reader *g = user;

        free(g->text);
        g->text = g->dir_fd >= 0 ? read_root_file(g->dir_fd, id, GRANT_MAX) : NULL;
        return g->text;
}

/* A directory root owns and nobody else may write: ecivm-runc makes it
 * 0700; anything else is not its grants. */
static int open_root_dir(const char *path)
{
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;

        if (fd >= 0 && (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022) != 0)) {
                close(fd);
                return -1;
        }
        return fd;
}

/* Decides on the connection's peer from the allocator's file and the
 * grants as they are now: a range released (its grant removed first, by
 * ecivm-runc) or handed to another container stops answering at once. */
static enum engine_peer_verdict check_peer(int c, unsigned long *ret_uid, unsigned long *ret_gid)
{
        struct ucred cred;
        socklen_t len = sizeof(cred);
        struct grant_reader g = { .dir_fd = open_root_dir(ENGINE_GRANTS_DIR) };
        char *ranges = read_root_file(AT_FDCWD, ENGINE_RANGES_FILE, RANGES_MAX);
        char id[ENGINE_GRANT_MAX_ID + 1];
        enum engine_peer_verdict v;

        if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred)) {
                cred.uid = 0; /* unknown is nobody's */
                cred.gid = 0;
        }
        *ret_uid = cred.uid;
        *ret_gid = cred.gid;
        v = engine_peer_decide(cred.uid, cred.gid, ranges, read_grant, &g, id);
        free(g.text);
        free(ranges);
        if (g.dir_fd >= 0)
                close(g.dir_fd);
        return v;
}

/* One line per refusal, at most REFUSALS_LOGGED a second: a container
 * that hammers the socket cannot fill the log. */
static void log_refusal(struct agent *a, unsigned long uid, unsigned long gid, enum engine_peer_verdict v)
{
        struct timespec now;
        char line[256];
        int n;

        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec != a->refusal_second) {
                a->refusal_second = now.tv_sec;
                a->refusals_logged = 0;
        }
        if (a->refusals_logged >= REFUSALS_LOGGED) {
                a->refusals_unlogged++;
                return;
        }
        a->refusals_logged++;
        n = snprintf(line, sizeof(line), "ecivm: engine socket: peer uid %lu is not a container given the socket (%s",
                     uid, engine_peer_verdict_str(v));
        if (v == ENGINE_PEER_GID)
                n += snprintf(line + n, sizeof(line) - (size_t) n, ": gid %lu", gid);
        if (a->refusals_unlogged > 0)
                n += snprintf(line + n, sizeof(line) - (size_t) n, "; %u earlier refusals not logged",
                              a->refusals_unlogged);
        (void) snprintf(line + n, sizeof(line) - (size_t) n, ")\n");
        fputs(line, stderr); /* one write: stderr is unbuffered */
        a->refusals_unlogged = 0;
}

static void accept_engine(struct agent *a)
{
        for (int i = 0; i < 64; i++) {
                int c = accept4(a->engine_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                unsigned long uid, gid;
                enum engine_peer_verdict v;

                if (c < 0)
                        return;
                v = check_peer(c, &uid, &gid);
                if (v != ENGINE_PEER_ALLOW) {
                        log_refusal(a, uid, gid, v);
                        close(c); /* before a byte is read or relayed */
                        continue;
                }
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
