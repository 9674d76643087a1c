#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ping.h"
#include "util.h"

static const char request[] = "GET /_ping HTTP/1.0\r\n\r\n";

void docker_ping_init(struct docker_ping *p)
{
        p->fd = -1;
        p->have = 0;
}

void docker_ping_stop(struct docker_ping *p)
{
        if (p->fd >= 0)
                close(p->fd);
        docker_ping_init(p);
}

int docker_ping_start(struct docker_ping *p, const char *socket_path, uint64_t deadline)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        if (fd < 0)
                return -errno;
        if (copy_string(sa.sun_path, sizeof(sa.sun_path), socket_path) < 0)
                return -ENAMETOOLONG;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        if (send(fd, request, sizeof(request) - 1, MSG_NOSIGNAL) != (ssize_t) sizeof(request) - 1)
                return errno ? -errno : -EIO;
        docker_ping_stop(p);
        p->fd = TAKE_FD(fd);
        p->deadline = deadline;
        return 0;
}

int docker_ping_read(struct docker_ping *p)
{
        ssize_t n = read(p->fd, p->reply + p->have, sizeof(p->reply) - 1 - p->have);

        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        if (n == 0)
                return -ECONNRESET;
        p->have += (size_t) n;
        if (p->have < 12)
                return 0;
        p->reply[p->have] = '\0';
        /* "HTTP/1.x 200 OK" */
        if (strncmp(p->reply, "HTTP/1.", 7) == 0 && strncmp(p->reply + 8, " 200", 4) == 0)
                return 1;
        return -EPROTO;
}
