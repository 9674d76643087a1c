/* See wire-bench-loop.h. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire-bench-loop.h"

static void on_watch(void *user, int fd, short events)
{
        struct wb_loop *l = user;

        if (fd >= 0 && fd < WB_MAX_FD)
                l->mux_events[fd] = events;
}

static int new_pair(int sv[2])
{
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        if (sv[0] < WB_MAX_FD && sv[1] < WB_MAX_FD)
                return 0;
        close(sv[0]);
        close(sv[1]);
        return -EMFILE;
}

static struct wb_endpoint *endpoint_add(struct wb_loop *l, int fd)
{
        struct wb_endpoint *e = calloc(1, sizeof(*e));

        if (e)
                l->ep[fd] = e;
        return e;
}

static int on_open_stream(void *user, uint32_t id)
{
        struct wb_loop *l = user;
        struct wb_endpoint *e;
        int sv[2];
        int r = new_pair(sv);

        (void) id;
        if (r < 0)
                return r;
        e = endpoint_add(l, sv[1]);
        if (!e) {
                close(sv[0]);
                close(sv[1]);
                return -ENOMEM;
        }
        wb_server_init(e, sv[1]);
        return sv[0];
}

static void on_channel_down(void *user, int err)
{
        struct wb_loop *l = user;

        l->channel_up = false;
        l->channel_err = err;
}

static const struct wire_mux_ops loop_ops = {
        .watch = on_watch,
        .open_stream = on_open_stream,
        .channel_down = on_channel_down,
};

struct wb_loop *wb_loop_new(wb_done_fn done, void *user)
{
        struct wb_loop *l = calloc(1, sizeof(*l));

        if (!l)
                return NULL;
        l->done = done;
        l->user = user;
        l->channel = -1;
        l->mux = wire_mux_new(&loop_ops, l);
        if (!l->mux) {
                free(l);
                return NULL;
        }
        return l;
}

static void endpoint_close(struct wb_loop *l, int fd)
{
        free(l->ep[fd]);
        l->ep[fd] = NULL;
        close(fd);
}

struct wb_loop *wb_loop_free(struct wb_loop *l)
{
        if (!l)
                return NULL;
        wire_mux_free(l->mux);
        for (int fd = 0; fd < WB_MAX_FD; fd++)
                if (l->ep[fd])
                        endpoint_close(l, fd);
        free(l);
        return NULL;
}

int wb_loop_attach(struct wb_loop *l, int fd, bool send_hello)
{
        int r;

        if (fd >= WB_MAX_FD) {
                close(fd);
                return -EMFILE;
        }
        l->channel = fd;
        r = wire_mux_attach_channel(l->mux, fd, send_hello);
        l->channel_up = r == 0;
        l->channel_err = r;
        return r;
}

int wb_loop_open_client(struct wb_loop *l, uint32_t op, uint64_t length)
{
        struct wb_endpoint *e;
        int sv[2];
        int r = new_pair(sv);
        int64_t id;

        if (r < 0)
                return r;
        e = endpoint_add(l, sv[1]);
        if (!e) {
                close(sv[0]);
                close(sv[1]);
                return -ENOMEM;
        }
        wb_client_init(e, sv[1], op, length);
        id = wire_mux_open_stream(l->mux, sv[0]);
        if (id < 0) {
                endpoint_close(l, sv[1]);
                return (int) id;
        }
        return 0;
}

static void endpoint_ready(struct wb_loop *l, int fd)
{
        int r = wb_pump(l->ep[fd]);

        if (r == 0)
                return;
        l->done(l, l->ep[fd], r);
        endpoint_close(l, fd);
}

static unsigned collect(const struct wb_loop *l, struct pollfd *pfd)
{
        unsigned n = 0;

        for (int fd = 0; fd < WB_MAX_FD; fd++) {
                short ev = l->ep[fd] ? wb_wants(l->ep[fd]) : l->mux_events[fd];

                if (ev)
                        pfd[n++] = (struct pollfd) { .fd = fd, .events = ev };
        }
        return n;
}

int wb_loop_run_once(struct wb_loop *l, int timeout_ms)
{
        struct pollfd pfd[WB_MAX_FD];
        unsigned n = collect(l, pfd);

        if (poll(pfd, n, timeout_ms) < 0)
                return errno == EINTR ? 0 : -errno;
        l->stats.polls++;
        for (unsigned i = 0; i < n; i++) {
                int fd = pfd[i].fd;

                if (!pfd[i].revents)
                        continue;
                if (l->ep[fd]) {
                        l->stats.endpoint_events++;
                        endpoint_ready(l, fd);
                } else if (l->mux_events[fd]) {
                        if (fd == l->channel)
                                l->stats.channel_events++;
                        else
                                l->stats.stream_events++;
                        wire_mux_handle(l->mux, fd, pfd[i].revents);
                }
        }
        return 0;
}

void wb_loop_print_stats(const struct wb_loop *l, const char *who, FILE *f)
{
        struct wire_mux_stats m;
        const struct wb_loop_stats *s = &l->stats;

        wire_mux_get_stats(l->mux, &m);
        fprintf(f, "%s: mux polls=%llu channel_events=%llu stream_events=%llu endpoint_events=%llu "
                   "channel_in=%llu channel_out=%llu in_per_channel_event=%.0f streams=%llu\n",
                who, (unsigned long long) s->polls, (unsigned long long) s->channel_events,
                (unsigned long long) s->stream_events, (unsigned long long) s->endpoint_events,
                (unsigned long long) m.bytes_from_channel, (unsigned long long) m.bytes_to_channel,
                s->channel_events ? (double) m.bytes_from_channel / (double) s->channel_events : 0.0,
                (unsigned long long) m.streams_opened);
}
