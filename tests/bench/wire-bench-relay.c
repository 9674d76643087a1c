/* See wire-bench-relay.h. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire-bench-relay.h"

struct pipe_buf {
        int from, to;
        uint8_t buf[WB_CHUNK];
        size_t off, len;
        uint64_t reads, bytes;
};

static ssize_t io_once(bool out, int fd, void *p, size_t n)
{
        ssize_t r;

        do
                r = out ? write(fd, p, n) : read(fd, p, n);
        while (r < 0 && errno == EINTR);
        return r < 0 ? -errno : r;
}

/* Moves bytes until a side would block: 0, 1 at end of FROM, or -errno. */
static int shovel(struct pipe_buf *p)
{
        for (;;) {
                ssize_t n;

                if (p->len == 0) {
                        n = io_once(false, p->from, p->buf, sizeof(p->buf));
                        if (n == 0)
                                return 1;
                        if (n < 0)
                                return n == -EAGAIN ? 0 : (int) n;
                        p->off = 0;
                        p->len = (size_t) n;
                        p->reads++;
                        p->bytes += (uint64_t) n;
                }
                n = io_once(true, p->to, p->buf + p->off, p->len);
                if (n < 0)
                        return n == -EAGAIN ? 0 : (int) n;
                p->off += (size_t) n;
                p->len -= (size_t) n;
        }
}

static short pipe_events(const struct pipe_buf *in, const struct pipe_buf *out)
{
        return (short) ((in->len == 0 ? POLLIN : 0) | (out->len > 0 ? POLLOUT : 0));
}

static int step(struct pipe_buf *up, struct pipe_buf *down, struct wb_endpoint *e, const struct pollfd *pfd)
{
        int r = 0;

        if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR) || pfd[1].revents & POLLOUT)
                r = shovel(up);
        if (r == 1)
                return -ECONNRESET;
        if (r == 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR) || pfd[0].revents & POLLOUT))
                r = shovel(down);
        if (r == 0 && pfd[2].revents)
                r = wb_pump(e);
        return r;
}

static void print_stats(const struct pipe_buf *up, uint64_t polls)
{
        printf("wire-bench-guest: relay polls=%llu port_reads=%llu port_bytes=%llu per_read=%.0f\n",
               (unsigned long long) polls, (unsigned long long) up->reads, (unsigned long long) up->bytes,
               up->reads ? (double) up->bytes / (double) up->reads : 0.0);
}

static int relay_loop(int port, int sv[2])
{
        static struct pipe_buf up, down;
        struct pollfd pfd[3] = { { .fd = port }, { .fd = sv[0] }, { .fd = sv[1] } };
        struct wb_endpoint e;
        uint64_t polls = 0;
        int r = 0;

        up = (struct pipe_buf) { .from = port, .to = sv[0] };
        down = (struct pipe_buf) { .from = sv[0], .to = port };
        wb_server_init(&e, sv[1]);
        while (r == 0) {
                pfd[0].events = pipe_events(&up, &down);
                pfd[1].events = pipe_events(&down, &up);
                pfd[2].events = wb_wants(&e);
                if (poll(pfd, 3, -1) < 0 && errno != EINTR)
                        return -errno;
                polls++;
                r = step(&up, &down, &e, pfd);
        }
        if (up.reads)
                print_stats(&up, polls);
        if (r == 1)
                return e.op == WB_QUIT ? 1 : 0;
        return r == -ECONNRESET ? 0 : r;
}

int wb_relay_serve(int port)
{
        int sv[2], r;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        r = wb_set_nonblock(port);
        if (r == 0)
                r = relay_loop(port, sv);
        close(sv[0]);
        close(sv[1]);
        return r;
}
