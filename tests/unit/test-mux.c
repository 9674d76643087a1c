/* End-to-end tests of the stream multiplexer (wire/mux.c), in process: a
 * "host" mux and a "guest" mux joined by a socketpair, driven by a small
 * poll() harness that implements the ops exactly as the contract in mux.h
 * describes (watch with events 0 = forget the fd). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mux.h"
#include "wire.h"

/* ---- patterns and checksums ---- */

static uint8_t pat(uint64_t seed, uint64_t off)
{
        uint64_t x = (off >> 3) * 0x9e3779b97f4a7c15ull ^ seed;
        x ^= x >> 29;
        x *= 0xbf58476d1ce4e5b9ull;
        x ^= x >> 32;
        return (uint8_t) (x >> (8 * (off & 7)));
}

static void pat_fill(uint64_t seed, uint64_t off, uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                p[i] = pat(seed, off + i);
}

#define FNV_INIT 0xcbf29ce484222325ull

static uint64_t fnv64(uint64_t h, const uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                h ^= p[i];
                h *= 0x100000001b3ull;
        }
        return h;
}

static uint64_t pat_fnv(uint64_t seed, uint64_t len)
{
        uint8_t tmp[16384];
        uint64_t h = FNV_INIT;

        for (uint64_t off = 0; off < len; off += sizeof(tmp)) {
                size_t n = len - off < sizeof(tmp) ? (size_t) (len - off) : sizeof(tmp);
                pat_fill(seed, off, tmp, n);
                h = fnv64(h, tmp, n);
        }
        return h;
}

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int count_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        int n = 0;

        assert_non_null(d);
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        closedir(d);
        return n;
}

static bool fd_is_open(int fd)
{
        return fcntl(fd, F_GETFD) >= 0 || errno != EBADF;
}

static int inq(int fd)
{
        int n = -1;
        assert_int_equal(ioctl(fd, FIONREAD, &n), 0);
        return n;
}

/* ---- the harness ---- */

struct watch_ent {
        int fd;
        short events;
        unsigned gen;
};

struct server {
        uint32_t id;
        int fd;     /* the test's end */
        int mux_fd; /* the end given to the mux */
};

struct side {
        const char *name;
        wire_mux *m;
        int chan; /* channel fd handed to the mux */
        struct wire_mux_ops ops;
        struct watch_ent *w;
        size_t nw, capw;
        unsigned gen;
        int down_calls, down_err;
        int refuse_open; /* < 0: open_stream fails with it */
        struct server *srv;
        size_t nsrv, capsrv;
        unsigned n_ctl;
        struct wire_control last_ctl;
};

struct env {
        struct side host, guest;
        int raw; /* raw-channel tests: the test's end of the guest channel */
        struct wire_decoder raw_dec;
        uint64_t raw_credit[8]; /* CREDIT summed per stream id < 8 */
        unsigned raw_resets[8], raw_shuts[8];
        uint64_t raw_data[8];
};

static struct watch_ent *watch_find(struct side *s, int fd)
{
        for (size_t i = 0; i < s->nw; i++)
                if (s->w[i].fd == fd)
                        return &s->w[i];
        return NULL;
}

static void op_watch(void *user, int fd, short events)
{
        struct side *s = user;
        struct watch_ent *e = watch_find(s, fd);

        assert_true(fd >= 0);
        assert_int_equal(events & ~(POLLIN | POLLOUT), 0);
        if (events == 0) {
                if (e)
                        *e = s->w[--s->nw];
                return;
        }
        if (e) {
                e->events = events;
                return;
        }
        if (s->nw == s->capw) {
                s->capw = s->capw ? 2 * s->capw : 64;
                s->w = realloc(s->w, s->capw * sizeof(*s->w));
                assert_non_null(s->w);
        }
        s->w[s->nw++] = (struct watch_ent) { .fd = fd, .events = events, .gen = ++s->gen };
}

static int op_open_stream(void *user, uint32_t id)
{
        struct side *s = user;
        int sv[2];

        if (s->refuse_open < 0)
                return s->refuse_open;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        if (s->nsrv == s->capsrv) {
                s->capsrv = s->capsrv ? 2 * s->capsrv : 64;
                s->srv = realloc(s->srv, s->capsrv * sizeof(*s->srv));
                assert_non_null(s->srv);
        }
        s->srv[s->nsrv++] = (struct server) { .id = id, .fd = sv[0], .mux_fd = sv[1] };
        return sv[1];
}

static void op_channel_down(void *user, int err)
{
        struct side *s = user;

        s->down_calls++;
        s->down_err = err;
}

static void op_control(void *user, const struct wire_control *c)
{
        struct side *s = user;

        s->n_ctl++;
        s->last_ctl = *c;
}

static void side_init(struct side *s, const char *name, bool guest, bool control)
{
        s->name = name;
        s->ops.watch = op_watch;
        s->ops.open_stream = guest ? op_open_stream : NULL;
        s->ops.channel_down = op_channel_down;
        s->ops.control = control ? op_control : NULL;
        s->chan = -1;
        s->m = wire_mux_new(&s->ops, s);
        assert_non_null(s->m);
        if (guest)
                wire_mux_set_guest_side(s->m);
}

static void side_fini(struct side *s)
{
        s->m = wire_mux_free(s->m);
        assert_int_equal(s->nw, 0); /* freeing forgets every watched fd */
        free(s->w);
        free(s->srv);
}

static struct server *server_for(struct side *g, uint32_t id)
{
        for (size_t i = g->nsrv; i-- > 0;)
                if (g->srv[i].id == id)
                        return &g->srv[i];
        return NULL;
}

static unsigned live(struct side *s)
{
        struct wire_mux_stats st;
        wire_mux_get_stats(s->m, &st);
        return st.streams_live;
}

/* One poll over every fd both muxes watch; returns how many were dispatched. */
static int pump(struct env *e, int timeout_ms)
{
        struct side *sides[2] = { &e->host, &e->guest };
        struct pollfd *pfd;
        struct {
                struct side *s;
                unsigned gen;
        } *who;
        size_t n = 0;
        int r, dispatched = 0;

        for (int k = 0; k < 2; k++)
                n += sides[k]->m ? sides[k]->nw : 0;
        pfd = calloc(n ? n : 1, sizeof(*pfd));
        who = calloc(n ? n : 1, sizeof(*who));
        assert_non_null(pfd);
        assert_non_null(who);
        n = 0;
        for (int k = 0; k < 2; k++) {
                if (!sides[k]->m)
                        continue;
                for (size_t i = 0; i < sides[k]->nw; i++) {
                        pfd[n] = (struct pollfd) { .fd = sides[k]->w[i].fd, .events = sides[k]->w[i].events };
                        who[n].s = sides[k];
                        who[n].gen = sides[k]->w[i].gen;
                        n++;
                }
        }
        r = poll(pfd, n, timeout_ms);
        assert_true(r >= 0 || errno == EINTR);
        for (size_t i = 0; r > 0 && i < n; i++) {
                struct watch_ent *we;
                short rev;

                if (!pfd[i].revents)
                        continue;
                /* an fd closed or re-added by an earlier dispatch in this
                 * round is stale: skip it */
                we = who[i].s->m ? watch_find(who[i].s, pfd[i].fd) : NULL;
                if (!we || we->gen != who[i].gen)
                        continue;
                if (pfd[i].revents & POLLNVAL)
                        fail_msg("%s: fd %d is watched but was closed", who[i].s->name, pfd[i].fd);
                rev = (short) (pfd[i].revents & (we->events | POLLHUP | POLLERR));
                if (!rev)
                        continue;
                wire_mux_handle(who[i].s->m, pfd[i].fd, rev);
                dispatched++;
        }
        free(pfd);
        free(who);
        return dispatched;
}

/* Pump until nothing happens for a while. */
static void pump_quiet(struct env *e)
{
        for (int i = 0; i < 1000000; i++)
                if (pump(e, 20) == 0)
                        return;
        fail_msg("the muxes never went quiet");
}

#define PUMP_UNTIL(e, cond)                                                   \
        do {                                                                  \
                double deadline_ = now_s() + 20;                              \
                while (!(cond)) {                                             \
                        if (now_s() > deadline_)                              \
                                fail_msg("timed out waiting for %s", #cond); \
                        pump((e), 10);                                        \
                }                                                             \
        } while (0)

static int env_setup(void **state, bool control)
{
        struct env *e = calloc(1, sizeof(*e));
        int sv[2];

        assert_non_null(e);
        e->raw = -1;
        side_init(&e->host, "host", false, control);
        side_init(&e->guest, "guest", true, control);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
        e->host.chan = sv[0];
        e->guest.chan = sv[1];
        assert_int_equal(wire_mux_attach_channel(e->guest.m, sv[1], 0), 0);
        assert_int_equal(wire_mux_attach_channel(e->host.m, sv[0], 1), 0);
        pump_quiet(e);
        *state = e;
        return 0;
}

static int setup(void **state)
{
        return env_setup(state, false);
}

static int setup_control(void **state)
{
        return env_setup(state, true);
}

/* Raw-channel environment: only a guest mux; the test speaks for the host. */
static int setup_raw(void **state)
{
        struct env *e = calloc(1, sizeof(*e));
        int sv[2];

        assert_non_null(e);
        side_init(&e->guest, "guest", true, false);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
        e->guest.chan = sv[1];
        e->raw = sv[0];
        wire_decoder_init(&e->raw_dec);
        assert_int_equal(wire_mux_attach_channel(e->guest.m, sv[1], 0), 0);
        *state = e;
        return 0;
}

static int teardown(void **state)
{
        struct env *e = *state;

        if (e->host.m)
                side_fini(&e->host);
        side_fini(&e->guest);
        if (e->raw >= 0)
                close(e->raw);
        free(e);
        return 0;
}

/* ---- test-side I/O ---- */

/* Host side: a new client socket whose other end becomes a stream; waits
 * until the guest has the matching server. */
static int client_open(struct env *e, uint32_t *ret_id, int *ret_mux_fd)
{
        int sv[2];
        int64_t id;

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
        id = wire_mux_open_stream(e->host.m, sv[1]);
        assert_true(id > 0);
        PUMP_UNTIL(e, server_for(&e->guest, (uint32_t) id) != NULL);
        *ret_id = (uint32_t) id;
        if (ret_mux_fd)
                *ret_mux_fd = sv[1];
        return sv[0];
}

static void write_all_pumping(struct env *e, int fd, const void *p, size_t len)
{
        const uint8_t *b = p;
        double deadline = now_s() + 20;

        while (len > 0) {
                ssize_t n = write(fd, b, len);
                if (n < 0) {
                        assert_true(errno == EAGAIN || errno == EINTR);
                        if (now_s() > deadline)
                                fail_msg("write stalled");
                        pump(e, 10);
                        continue;
                }
                b += n;
                len -= (size_t) n;
        }
}

/* Read until EOF (or an error, returned as -errno in *ret_err). */
static size_t read_to_eof(struct env *e, int fd, uint8_t *buf, size_t cap, int *ret_err)
{
        size_t got = 0;
        double deadline = now_s() + 20;

        *ret_err = 0;
        for (;;) {
                uint8_t junk[65536];
                uint8_t *dst = buf ? buf + got : junk;
                size_t room = buf ? cap - got : sizeof(junk);
                ssize_t n;

                assert_true(room > 0);
                n = read(fd, dst, room);
                if (n > 0) {
                        got += (size_t) n;
                        continue;
                }
                if (n == 0)
                        return got;
                if (errno == EAGAIN || errno == EINTR) {
                        if (now_s() > deadline)
                                fail_msg("no EOF on fd %d after %zu bytes", fd, got);
                        pump(e, 10);
                        continue;
                }
                *ret_err = -errno;
                return got;
        }
}

static void read_exact_pumping(struct env *e, int fd, void *p, size_t len)
{
        uint8_t *b = p;
        double deadline = now_s() + 20;

        while (len > 0) {
                ssize_t n = read(fd, b, len);
                if (n > 0) {
                        b += n;
                        len -= (size_t) n;
                        continue;
                }
                if (n == 0)
                        fail_msg("unexpected EOF on fd %d (%zu bytes missing)", fd, len);
                assert_true(errno == EAGAIN || errno == EINTR);
                if (now_s() > deadline)
                        fail_msg("read stalled on fd %d (%zu bytes missing)", fd, len);
                pump(e, 10);
        }
}

static void assert_no_data(int fd)
{
        char c;
        ssize_t n = read(fd, &c, 1);
        assert_int_equal(n, -1);
        assert_int_equal(errno, EAGAIN);
}

/* ---- 1. one stream ---- */

static void test_one_stream(void **state)
{
        struct env *e = *state;
        uint32_t id;
        int client = client_open(e, &id, NULL);
        struct server *s = server_for(&e->guest, id);
        char buf[64];
        static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK";
        struct wire_mux_stats st;

        assert_int_equal(id, 1);
        write_all_pumping(e, client, "GET /_ping", 10);
        read_exact_pumping(e, s->fd, buf, 10);
        assert_memory_equal(buf, "GET /_ping", 10);
        write_all_pumping(e, s->fd, reply, sizeof(reply) - 1);
        read_exact_pumping(e, client, buf, sizeof(reply) - 1);
        assert_memory_equal(buf, reply, sizeof(reply) - 1);
        pump_quiet(e);
        assert_no_data(client);
        assert_no_data(s->fd);
        assert_int_equal(live(&e->host), 1);
        assert_int_equal(live(&e->guest), 1);
        wire_mux_get_stats(e->host.m, &st);
        assert_int_equal(st.streams_opened, 1);
        assert_int_equal(st.resets_sent, 0);
        wire_mux_get_stats(e->guest.m, &st);
        /* HELLO, OPEN, DATA, CREDIT for the reply */
        assert_int_equal(st.bytes_from_channel,
                         (WIRE_HEADER_SIZE + 4) + WIRE_HEADER_SIZE + (WIRE_HEADER_SIZE + 10) + (WIRE_HEADER_SIZE + 4));
        assert_int_equal(st.bytes_to_channel, WIRE_HEADER_SIZE + sizeof(reply) - 1 + WIRE_HEADER_SIZE + 4);
        close(client);
        close(s->fd);
        pump_quiet(e);
        assert_int_equal(live(&e->host), 0);
        assert_int_equal(live(&e->guest), 0);
}

/* ---- 2. half-close ---- */

static void test_half_close(void **state)
{
        struct env *e = *state;
        uint32_t id;
        int host_fd, client = client_open(e, &id, &host_fd), err;
        struct server *s = server_for(&e->guest, id);
        char buf[64];
        struct wire_mux_stats st;

        write_all_pumping(e, client, "request", 7);
        assert_int_equal(shutdown(client, SHUT_WR), 0);
        /* the server sees the request, then EOF ... */
        assert_int_equal(read_to_eof(e, s->fd, (uint8_t *) buf, sizeof(buf), &err), 7);
        assert_int_equal(err, 0);
        assert_memory_equal(buf, "request", 7);
        /* ... but can still answer, in several pieces */
        write_all_pumping(e, s->fd, "rep", 3);
        pump_quiet(e);
        write_all_pumping(e, s->fd, "ly", 2);
        read_exact_pumping(e, client, buf, 5);
        assert_memory_equal(buf, "reply", 5);
        pump_quiet(e);
        assert_int_equal(live(&e->host), 1);
        assert_int_equal(live(&e->guest), 1);
        /* the server shuts too: both sides see EOF, the stream is gone */
        assert_int_equal(shutdown(s->fd, SHUT_WR), 0);
        assert_int_equal(read_to_eof(e, client, NULL, 0, &err), 0);
        assert_int_equal(err, 0);
        pump_quiet(e);
        assert_int_equal(live(&e->host), 0);
        assert_int_equal(live(&e->guest), 0);
        wire_mux_get_stats(e->host.m, &st);
        assert_int_equal(st.streams_closed, 1);
        assert_int_equal(st.resets_sent, 0);
        wire_mux_get_stats(e->guest.m, &st);
        assert_int_equal(st.resets_sent, 0);
        /* the engines closed their ends */
        assert_false(fd_is_open(host_fd));
        assert_false(fd_is_open(s->mux_fd));
        close(client);
        close(s->fd);
}

/* Half-close the other way round: the server finishes first. */
static void test_half_close_server_first(void **state)
{
        struct env *e = *state;
        uint32_t id;
        int client = client_open(e, &id, NULL), err;
        struct server *s = server_for(&e->guest, id);
        char buf[64];

        write_all_pumping(e, s->fd, "banner", 6);
        assert_int_equal(shutdown(s->fd, SHUT_WR), 0);
        assert_int_equal(read_to_eof(e, client, (uint8_t *) buf, sizeof(buf), &err), 6);
        assert_int_equal(err, 0);
        assert_memory_equal(buf, "banner", 6);
        write_all_pumping(e, client, "late", 4);
        read_exact_pumping(e, s->fd, buf, 4);
        assert_memory_equal(buf, "late", 4);
        assert_int_equal(shutdown(client, SHUT_WR), 0);
        assert_int_equal(read_to_eof(e, s->fd, NULL, 0, &err), 0);
        assert_int_equal(err, 0);
        pump_quiet(e);
        assert_int_equal(live(&e->host), 0);
        assert_int_equal(live(&e->guest), 0);
        close(client);
        close(s->fd);
}

/* ---- 3. reset ---- */

static void test_reset_abrupt_close(void **state)
{
        struct env *e = *state;
        uint32_t id;
        int fds = count_fds();
        int client = client_open(e, &id, NULL), err;
        struct server *s = server_for(&e->guest, id);
        uint8_t *big = malloc(64 * 1024);
        struct wire_mux_stats st;
        size_t got;

        assert_non_null(big);
        pat_fill(1, 0, big, 64 * 1024);
        /* the request sits unread at the server when it dies */
        write_all_pumping(e, client, big, 4096);
        pump_quiet(e);
        assert_int_equal(inq(s->fd), 4096);
        /* and a reply is in flight towards a client that is not reading */
        write_all_pumping(e, s->fd, big, 64 * 1024);
        close(s->fd);
        pump_quiet(e);
        got = read_to_eof(e, client, NULL, 0, &err);
        assert_true(err == 0 || err == -ECONNRESET);
        assert_true(got <= 64 * 1024);
        pump_quiet(e);
        assert_int_equal(live(&e->host), 0);
        assert_int_equal(live(&e->guest), 0);
        wire_mux_get_stats(e->guest.m, &st);
        assert_int_equal(st.resets_sent, 1);
        assert_int_equal(e->host.down_calls + e->guest.down_calls, 0);
        close(client);
        assert_int_equal(count_fds(), fds);
        free(big);
}

/* The client dies while the reply is still coming: the server is told. */
static void test_reset_client_gone(void **state)
{
        struct env *e = *state;
        uint32_t id;
        int client = client_open(e, &id, NULL), err;
        struct server *s = server_for(&e->guest, id);
        uint8_t *big = malloc(1 << 20);
        size_t sent = 0;
        double deadline = now_s() + 20;

        assert_non_null(big);
        pat_fill(2, 0, big, 1 << 20);
        write_all_pumping(e, client, "x", 1);
        pump_quiet(e);
        close(client); /* before the reply has started */
        pump_quiet(e);
        /* the server keeps writing; eventually it hits EPIPE/ECONNRESET */
        for (;;) {
                ssize_t n = write(s->fd, big, 1 << 16);
                if (n > 0) {
                        sent += (size_t) n;
                        continue;
                }
                if (errno == EPIPE || errno == ECONNRESET)
                        break;
                assert_int_equal(errno, EAGAIN);
                if (now_s() > deadline)
                        fail_msg("the server was never told (sent %zu)", sent);
                pump(e, 10);
        }
        (void) read_to_eof(e, s->fd, NULL, 0, &err);
        pump_quiet(e);
        assert_int_equal(live(&e->host), 0);
        assert_int_equal(live(&e->guest), 0);
        close(s->fd);
        free(big);
}

/* Regression: a peer that writes an answer and then close()s cleanly
 * (HTTP/1.0 style, nothing unread on its side) must have every byte
 * delivered to a reader that is slow -- the close is a FIN, not an abort.
 * SIZE 0 means "write until nothing fits anywhere", which leaves the tail
 * in the writer's socket; 384 KiB fits in the pipeline, so the writer's
 * mux sees EOF (and POLLHUP) while the other mux still holds data for its
 * local reader. */
static void clean_close_case(struct env *e, bool server_writes, size_t size)
{
        uint32_t id;
        int client = client_open(e, &id, NULL), err;
        struct server *s = server_for(&e->guest, id);
        int wfd = server_writes ? s->fd : client, rfd = server_writes ? client : s->fd;
        uint64_t seed = server_writes ? 3 : 4;
        uint8_t chunk[65536], *got;
        size_t sent = 0, n_got;
        int stalls = 0;

        while (stalls < 3 && (size == 0 || sent < size)) {
                size_t want = size && size - sent < sizeof(chunk) ? size - sent : sizeof(chunk);
                ssize_t n;

                pat_fill(seed, sent, chunk, want);
                n = write(wfd, chunk, want);
                if (n > 0) {
                        sent += (size_t) n;
                        stalls = 0;
                        continue;
                }
                assert_int_equal(errno, EAGAIN);
                pump_quiet(e);
                stalls++;
        }
        if (size)
                assert_int_equal(sent, size);
        assert_true(sent > WIRE_WINDOW);
        close(wfd);
        pump_quiet(e);
        got = malloc(sent + 1);
        assert_non_null(got);
        n_got = read_to_eof(e, rfd, got, sent + 1, &err);
        assert_int_equal(err, 0);
        assert_int_equal(n_got, sent);
        assert_int_equal(fnv64(FNV_INIT, got, n_got), pat_fnv(seed, sent));
        close(rfd);
        pump_quiet(e);
        assert_int_equal(live(&e->host), 0);
        assert_int_equal(live(&e->guest), 0);
        free(got);
}

static void test_clean_close_server_fills(void **state)
{
        clean_close_case(*state, true, 0);
}

static void test_clean_close_server_384k(void **state)
{
        clean_close_case(*state, true, 384u * 1024u);
}

static void test_clean_close_client_fills(void **state)
{
        clean_close_case(*state, false, 0);
}

static void test_clean_close_client_384k(void **state)
{
        clean_close_case(*state, false, 384u * 1024u);
}
/* The client posts a body larger than what is credited and hangs up: once
 * the server has been handed every byte, the stream is aborted (nobody can
 * read a reply) without waiting for the server to close. */
static void test_client_gone_stream_released(void **state)
{
        struct env *e = *state;
        uint32_t id;
        int client = client_open(e, &id, NULL), err;
        struct server *s = server_for(&e->guest, id);
        const size_t size = 384u * 1024u;
        uint8_t *body = malloc(size), *got = malloc(size + 1);
        struct wire_mux_stats st;

        assert_non_null(body);
        assert_non_null(got);
        pat_fill(6, 0, body, size);
        write_all_pumping(e, client, body, size);
        close(client);
        pump_quiet(e);
        /* nothing was lost on the way ... */
        assert_int_equal(read_to_eof(e, s->fd, got, size + 1, &err), size);
        assert_memory_equal(got, body, size);
        /* ... and once it was all delivered, both ends let go */
        pump_quiet(e);
        assert_int_equal(live(&e->host), 0);
        assert_int_equal(live(&e->guest), 0);
        wire_mux_get_stats(e->host.m, &st);
        assert_int_equal(st.resets_sent, 1);
        assert_int_equal(write(s->fd, "late reply", 10), -1);
        assert_true(errno == EPIPE || errno == ECONNRESET);
        close(s->fd);
        free(body);
        free(got);
}

/* The local reader stops reading for good (shutdown SHUT_RD): writing to it
 * fails, and the stream is reset on both sides. */
static void test_local_write_error_resets(void **state)
{
        struct env *e = *state;
        uint32_t id;
        int client = client_open(e, &id, NULL), err;
        struct server *s = server_for(&e->guest, id);
        struct wire_mux_stats st;

        assert_int_equal(shutdown(client, SHUT_RD), 0);
        write_all_pumping(e, s->fd, "reply", 5);
        pump_quiet(e);
        assert_int_equal(live(&e->host), 0);
        assert_int_equal(live(&e->guest), 0);
        wire_mux_get_stats(e->host.m, &st);
        assert_int_equal(st.resets_sent, 1);
        assert_int_equal(e->host.down_calls + e->guest.down_calls, 0);
        (void) read_to_eof(e, s->fd, NULL, 0, &err);
        assert_true(err == 0 || err == -ECONNRESET);
        close(client);
        close(s->fd);
}

/* ---- 4. flow control ---- */

static void test_flow_control(void **state)
{
        struct env *e = *state;
        const size_t total = 8u << 20;
        uint32_t id;
        int host_fd, err;
        int client = client_open(e, &id, &host_fd);
        struct server *s = server_for(&e->guest, id);
        uint8_t chunk[65536];
        size_t sent = 0, got = 0;
        uint64_t h = FNV_INIT;
        int stalls = 0;
        long guest_held;
        struct wire_mux_stats hs, gs;

        /* phase 1: the client writes as much as it can, nobody reads */
        while (stalls < 3 && sent < total) {
                ssize_t n;

                pat_fill(5, sent, chunk, sizeof(chunk));
                n = write(client, chunk, sizeof(chunk));
                if (n > 0) {
                        sent += (size_t) n;
                        stalls = 0;
                        continue;
                }
                assert_int_equal(errno, EAGAIN);
                pump_quiet(e);
                stalls++;
        }
        /* the writes stalled: back-pressure reached the client */
        assert_true(sent < total);
        /* every byte is in exactly one place: the host stream socket, the
         * guest mux, or the server socket (channel and host queue are empty
         * once quiet) */
        wire_mux_get_stats(e->host.m, &hs);
        wire_mux_get_stats(e->guest.m, &gs);
        assert_int_equal(hs.bytes_to_channel, gs.bytes_from_channel);
        guest_held = (long) sent - inq(host_fd) - inq(s->fd);
        print_message("flow: client wrote %zu before stalling; host socket %d, guest mux %ld, server socket %d\n",
                      sent, inq(host_fd), guest_held, inq(s->fd));
        assert_true(guest_held >= 0);
        assert_true(guest_held <= (long) WIRE_WINDOW);
        /* the host read no more than the credit allows */
        assert_true((long) sent - inq(host_fd) <= (long) WIRE_WINDOW + inq(s->fd));

        /* phase 2: drain and finish */
        {
                double deadline = now_s() + 60;
                bool shut = false;

                for (;;) {
                        ssize_t n;

                        if (sent < total) {
                                size_t want = total - sent < sizeof(chunk) ? total - sent : sizeof(chunk);
                                pat_fill(5, sent, chunk, want);
                                n = write(client, chunk, want);
                                if (n > 0)
                                        sent += (size_t) n;
                        } else if (!shut) {
                                assert_int_equal(shutdown(client, SHUT_WR), 0);
                                shut = true;
                        }
                        n = read(s->fd, chunk, sizeof(chunk));
                        if (n > 0) {
                                h = fnv64(h, chunk, (size_t) n);
                                got += (size_t) n;
                        } else if (n == 0) {
                                break;
                        } else {
                                assert_int_equal(errno, EAGAIN);
                        }
                        if (now_s() > deadline)
                                fail_msg("transfer stalled at %zu/%zu", got, total);
                        pump(e, 1);
                }
        }
        assert_int_equal(got, total);
        assert_int_equal(h, pat_fnv(5, total));
        assert_int_equal(shutdown(s->fd, SHUT_WR), 0);
        assert_int_equal(read_to_eof(e, client, NULL, 0, &err), 0);
        pump_quiet(e);
        assert_int_equal(live(&e->host), 0);
        assert_int_equal(live(&e->guest), 0);
        close(client);
        close(s->fd);
}

/* The host's channel queue is bounded too: with the guest not reading the
 * channel at all, the host stops reading its streams long before the
 * per-stream credit (16 x 256 KiB) runs out. */
static void test_channel_congestion(void **state)
{
        struct env *e = *state;
        enum { N = 16 };
        int client[N], sndbuf = 0;
        struct server *srv[N];
        uint32_t id;
        uint8_t chunk[65536];
        size_t sent[N] = { 0 }, got[N] = { 0 };
        uint64_t h[N];
        wire_mux *guest_m;
        struct wire_mux_stats hs;
        socklen_t sl = sizeof(sndbuf);
        double deadline;
        unsigned done = 0;

        for (int i = 0; i < N; i++) {
                client[i] = client_open(e, &id, NULL);
                srv[i] = server_for(&e->guest, id);
                h[i] = FNV_INIT;
        }
        /* freeze the guest: pump only the host */
        guest_m = e->guest.m;
        e->guest.m = NULL;
        for (int round = 0; round < 50; round++) {
                for (int i = 0; i < N; i++) {
                        ssize_t n;
                        pat_fill(100 + (uint64_t) i, sent[i], chunk, sizeof(chunk));
                        n = write(client[i], chunk, sizeof(chunk));
                        if (n > 0)
                                sent[i] += (size_t) n;
                }
                while (pump(e, 5) > 0)
                        ;
        }
        wire_mux_get_stats(e->host.m, &hs);
        assert_int_equal(getsockopt(e->host.chan, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl), 0);
        print_message("congestion: host queued %llu bytes for the channel (channel sndbuf %d)\n",
                      (unsigned long long) hs.bytes_to_channel, sndbuf);
        assert_true(hs.bytes_to_channel < (uint64_t) N * WIRE_WINDOW / 2);
        assert_true(hs.bytes_to_channel <= (1u << 20) + WIRE_HEADER_SIZE + WIRE_MAX_PAYLOAD + (uint64_t) sndbuf + 4096);
        e->guest.m = guest_m;

        /* thaw: everything arrives intact */
        for (int i = 0; i < N; i++)
                assert_int_equal(shutdown(client[i], SHUT_WR), 0);
        deadline = now_s() + 60;
        while (done < N) {
                for (int i = 0; i < N; i++) {
                        ssize_t n;
                        if (srv[i] == NULL)
                                continue;
                        n = read(srv[i]->fd, chunk, sizeof(chunk));
                        if (n > 0) {
                                h[i] = fnv64(h[i], chunk, (size_t) n);
                                got[i] += (size_t) n;
                        } else if (n == 0) {
                                assert_int_equal(got[i], sent[i]);
                                assert_int_equal(h[i], pat_fnv(100 + (uint64_t) i, sent[i]));
                                close(srv[i]->fd);
                                srv[i] = NULL;
                                done++;
                        } else {
                                assert_int_equal(errno, EAGAIN);
                        }
                }
                if (now_s() > deadline)
                        fail_msg("congested streams never drained");
                pump(e, 1);
        }
        for (int i = 0; i < N; i++)
                close(client[i]);
        pump_quiet(e);
        assert_int_equal(live(&e->host), 0);
        assert_int_equal(live(&e->guest), 0);
}

/* ---- 5. interleaving ---- */

struct endpoint {
        int fd;
        uint64_t tx_seed, rx_seed;
        size_t tx_total, tx_done, rx_want, rx_done;
        bool tx_shut, rx_eof;
        uint64_t rx_fnv;
        long first_bad;
};

static void endpoint_step(struct endpoint *p)
{
        uint8_t buf[16384];
        ssize_t n;

        if (p->tx_done < p->tx_total) {
                size_t want = p->tx_total - p->tx_done;
                if (want > sizeof(buf))
                        want = sizeof(buf);
                pat_fill(p->tx_seed, p->tx_done, buf, want);
                n = write(p->fd, buf, want);
                if (n > 0)
                        p->tx_done += (size_t) n;
                else
                        assert_int_equal(errno, EAGAIN);
        } else if (!p->tx_shut) {
                assert_int_equal(shutdown(p->fd, SHUT_WR), 0);
                p->tx_shut = true;
        }
        if (p->rx_eof)
                return;
        n = read(p->fd, buf, sizeof(buf));
        if (n > 0) {
                for (ssize_t i = 0; i < n && p->first_bad < 0; i++)
                        if (buf[i] != pat(p->rx_seed, p->rx_done + (size_t) i))
                                p->first_bad = (long) (p->rx_done + (size_t) i);
                p->rx_fnv = fnv64(p->rx_fnv, buf, (size_t) n);
                p->rx_done += (size_t) n;
        } else if (n == 0) {
                p->rx_eof = true;
        } else {
                assert_int_equal(errno, EAGAIN);
        }
}

static void test_interleave(void **state)
{
        struct env *e = *state;
        enum { N = 32 };
        const size_t each = 512u * 1024u;
        struct endpoint ep[2 * N];
        double deadline = now_s() + 120;
        bool all;

        for (int i = 0; i < N; i++) {
                uint32_t id;
                int c = client_open(e, &id, NULL);
                struct server *s = server_for(&e->guest, id);
                uint64_t up = 1000 + (uint64_t) i, down = 2000 + (uint64_t) i;

                ep[2 * i] = (struct endpoint) { .fd = c, .tx_seed = up, .rx_seed = down, .tx_total = each,
                                                .rx_want = each, .rx_fnv = FNV_INIT, .first_bad = -1 };
                ep[2 * i + 1] = (struct endpoint) { .fd = s->fd, .tx_seed = down, .rx_seed = up, .tx_total = each,
                                                    .rx_want = each, .rx_fnv = FNV_INIT, .first_bad = -1 };
        }
        do {
                all = true;
                for (int i = 0; i < 2 * N; i++) {
                        endpoint_step(&ep[i]);
                        all = all && ep[i].rx_eof && ep[i].tx_shut;
                }
                pump(e, 0);
                if (now_s() > deadline)
                        fail_msg("interleaved transfer stalled");
        } while (!all);
        for (int i = 0; i < 2 * N; i++) {
                if (ep[i].first_bad >= 0)
                        fail_msg("endpoint %d: first bad byte at %ld", i, ep[i].first_bad);
                assert_int_equal(ep[i].rx_done, ep[i].rx_want);
                assert_int_equal(ep[i].rx_fnv, pat_fnv(ep[i].rx_seed, ep[i].rx_want));
        }
        pump_quiet(e);
        /* every stream finished on its own: SHUT went both ways */
        assert_int_equal(live(&e->host), 0);
        assert_int_equal(live(&e->guest), 0);
        for (int i = 0; i < 2 * N; i++)
                close(ep[i].fd);
        {
                struct wire_mux_stats st;
                wire_mux_get_stats(e->host.m, &st);
                assert_int_equal(st.resets_sent, 0);
                assert_int_equal(st.streams_closed, N);
                wire_mux_get_stats(e->guest.m, &st);
                assert_int_equal(st.resets_sent, 0);
        }
}

/* ---- 6. many short streams ---- */

static void test_many_short_streams(void **state)
{
        struct env *e = *state;
        int before = count_fds();

        for (int i = 0; i < 2000; i++) {
                char req[32], rep[32], buf[64];
                uint32_t id;
                int client = client_open(e, &id, NULL), err, rl, pl;
                struct server *s = server_for(&e->guest, id);
                size_t n;

                rl = snprintf(req, sizeof(req), "GET /%d", i);
                pl = snprintf(rep, sizeof(rep), "reply %d", i);
                write_all_pumping(e, client, req, (size_t) rl);
                if (i % 2 == 0) {
                        /* half-close style: request, EOF, reply */
                        assert_int_equal(shutdown(client, SHUT_WR), 0);
                        assert_int_equal(read_to_eof(e, s->fd, (uint8_t *) buf, sizeof(buf), &err), (size_t) rl);
                } else {
                        read_exact_pumping(e, s->fd, buf, (size_t) rl);
                }
                assert_memory_equal(buf, req, (size_t) rl);
                write_all_pumping(e, s->fd, rep, (size_t) pl);
                close(s->fd);
                n = read_to_eof(e, client, (uint8_t *) buf, sizeof(buf), &err);
                assert_int_equal(err, 0);
                assert_int_equal(n, (size_t) pl);
                assert_memory_equal(buf, rep, (size_t) pl);
                close(client);
                PUMP_UNTIL(e, live(&e->host) == 0 && live(&e->guest) == 0);
        }
        pump_quiet(e);
        e->guest.nsrv = 0;
        assert_int_equal(count_fds(), before);
        {
                struct wire_mux_stats st;
                wire_mux_get_stats(e->host.m, &st);
                assert_int_equal(st.streams_opened, 2000);
                assert_int_equal(st.streams_closed, 2000);
        }
}

/* ---- 7. bad frames from a raw peer ---- */

static void raw_send(struct env *e, uint8_t type, uint32_t stream, const void *p, uint32_t len)
{
        assert_int_equal(wire_write_frame_fd(e->raw, type, stream, p, len), 0);
}

static void raw_send_u32(struct env *e, uint8_t type, uint32_t stream, uint32_t v)
{
        uint8_t b[4] = { (uint8_t) (v >> 24), (uint8_t) (v >> 16), (uint8_t) (v >> 8), (uint8_t) v };
        raw_send(e, type, stream, b, 4);
}

/* Read and account for everything the guest sent. Returns false on EOF. */
static bool raw_drain(struct env *e)
{
        uint8_t buf[65536];

        for (;;) {
                ssize_t n = read(e->raw, buf, sizeof(buf)), pos = 0;

                if (n == 0)
                        return false;
                if (n < 0) {
                        if (errno == ECONNRESET)
                                return false;
                        assert_int_equal(errno, EAGAIN);
                        return true;
                }
                while (pos < n) {
                        struct wire_frame f;
                        int ready;
                        ssize_t used = wire_decoder_feed(&e->raw_dec, buf + pos, (size_t) (n - pos), &f, &ready);

                        assert_true(used > 0);
                        pos += used;
                        if (!ready || f.stream >= 8)
                                continue;
                        if (f.type == WIRE_CREDIT)
                                e->raw_credit[f.stream] += (uint32_t) f.payload[0] << 24 | (uint32_t) f.payload[1] << 16 |
                                                           (uint32_t) f.payload[2] << 8 | f.payload[3];
                        else if (f.type == WIRE_RESET)
                                e->raw_resets[f.stream]++;
                        else if (f.type == WIRE_SHUT)
                                e->raw_shuts[f.stream]++;
                        else if (f.type == WIRE_DATA)
                                e->raw_data[f.stream] += f.length;
                }
        }
}

/* Open streams 1 and 2 from the raw side and let the guest connect them. */
static void raw_open_two(struct env *e)
{
        raw_send(e, WIRE_OPEN, 1, NULL, 0);
        raw_send(e, WIRE_OPEN, 2, NULL, 0);
        pump_quiet(e);
        assert_non_null(server_for(&e->guest, 1));
        assert_non_null(server_for(&e->guest, 2));
        assert_int_equal(live(&e->guest), 2);
        assert_int_equal(e->guest.down_calls, 0);
}

/* After a protocol error: channel_down(ERR) once, every stream fd closed,
 * the servers see EOF, the channel is gone. */
static void assert_channel_died(struct env *e, int err)
{
        pump_quiet(e);
        assert_int_equal(e->guest.down_calls, 1);
        assert_int_equal(e->guest.down_err, err);
        assert_false(wire_mux_has_channel(e->guest.m));
        assert_int_equal(live(&e->guest), 0);
        assert_int_equal(e->guest.nw, 0);
        assert_false(fd_is_open(e->guest.chan));
        for (size_t i = 0; i < e->guest.nsrv; i++) {
                int rerr;

                assert_false(fd_is_open(e->guest.srv[i].mux_fd));
                (void) read_to_eof(e, e->guest.srv[i].fd, NULL, 0, &rerr);
                assert_true(rerr == 0 || rerr == -ECONNRESET);
                close(e->guest.srv[i].fd);
        }
        e->guest.nsrv = 0;
        while (raw_drain(e))
                ;
        /* later input is not read by anyone, the mux stays usable */
        assert_int_equal(wire_mux_open_stream(e->guest.m, open("/dev/null", O_RDONLY | O_CLOEXEC)), -ENOTCONN);
}

static void test_bad_garbage(void **state)
{
        struct env *e = *state;
        static const uint8_t garbage[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

        raw_open_two(e);
        assert_int_equal(write(e->raw, garbage, sizeof(garbage) - 1), (ssize_t) sizeof(garbage) - 1);
        assert_channel_died(e, -EPROTO);
}

static void test_bad_garbage_after_partial_frame(void **state)
{
        struct env *e = *state;
        uint8_t hdr[WIRE_HEADER_SIZE];

        raw_open_two(e);
        /* half a DATA frame, then a bad header where the next frame would be */
        assert_int_equal(wire_encode_header(hdr, WIRE_DATA, 1, 4), 0);
        assert_int_equal(write(e->raw, hdr, sizeof(hdr)), (ssize_t) sizeof(hdr));
        assert_int_equal(write(e->raw, "ab", 2), 2);
        pump_quiet(e);
        assert_int_equal(e->guest.down_calls, 0);
        assert_int_equal(write(e->raw, "cd\xec\x01\x03\x80\0\0\0\1\0\0\0\1", 14), 14);
        assert_channel_died(e, -EPROTO);
}

static void test_bad_oversized(void **state)
{
        struct env *e = *state;
        static const uint8_t hdr[] = { WIRE_MAGIC, WIRE_VERSION, WIRE_DATA, 0, 0, 0, 0, 1, 0, 0, 0x80, 1 };

        raw_open_two(e);
        assert_int_equal(write(e->raw, hdr, sizeof(hdr)), (ssize_t) sizeof(hdr));
        assert_channel_died(e, -EMSGSIZE);
}

static void test_bad_data_over_window(void **state)
{
        struct env *e = *state;
        static uint8_t chunk[WIRE_MAX_PAYLOAD];
        uint64_t sent = 0;
        int rounds = 0;

        raw_open_two(e);
        /* send within the window, honouring the credit that comes back,
         * until the (never reading) server and the guest are full */
        for (;;) {
                uint64_t avail;

                pump_quiet(e);
                assert_true(raw_drain(e));
                assert_int_equal(e->guest.down_calls, 0);
                assert_true(sent - e->raw_credit[1] <= WIRE_WINDOW);
                avail = WIRE_WINDOW - (sent - e->raw_credit[1]);
                if (avail == 0)
                        break;
                if (avail > sizeof(chunk))
                        avail = sizeof(chunk);
                raw_send(e, WIRE_DATA, 1, chunk, (uint32_t) avail);
                sent += avail;
                assert_true(++rounds < 10000);
        }
        print_message("window: sent %llu, credited %llu\n", (unsigned long long) sent,
                      (unsigned long long) e->raw_credit[1]);
        /* stream 2 is unaffected and still has its whole window */
        raw_send(e, WIRE_DATA, 2, chunk, 100);
        pump_quiet(e);
        assert_int_equal(e->guest.down_calls, 0);
        /* one byte more than granted */
        raw_send(e, WIRE_DATA, 1, chunk, 1);
        assert_channel_died(e, -EPROTO);
}

static void test_bad_data_one_frame_over_window(void **state)
{
        struct env *e = *state;
        static uint8_t chunk[WIRE_MAX_PAYLOAD];

        raw_open_two(e);
        /* a peer that ignores credit: WIRE_WINDOW / WIRE_MAX_PAYLOAD full
         * frames plus one more, as one burst */
        {
                size_t one = WIRE_HEADER_SIZE + sizeof(chunk), n = WIRE_WINDOW / WIRE_MAX_PAYLOAD + 1;
                uint8_t *burst = malloc(n * one);

                assert_non_null(burst);
                for (size_t i = 0; i < n; i++) {
                        assert_int_equal(wire_encode_header(burst + i * one, WIRE_DATA, 1, sizeof(chunk)), 0);
                        memset(burst + i * one + WIRE_HEADER_SIZE, (int) i, sizeof(chunk));
                }
                write_all_pumping(e, e->raw, burst, n * one);
                free(burst);
        }
        pump_quiet(e);
        /* the guest may have written some of it to the server socket and
         * credited that back; a peer that ignores credit still must not get
         * away with more than the window plus what was credited */
        {
                uint64_t sent = (WIRE_WINDOW / WIRE_MAX_PAYLOAD + 1) * (uint64_t) WIRE_MAX_PAYLOAD;

                for (int round = 0; e->guest.down_calls == 0 && raw_drain(e); round++) {
                        uint64_t over = WIRE_WINDOW + e->raw_credit[1] - sent + 1;

                        assert_true(round < 100);
                        while (over > 0) {
                                uint32_t n = over > sizeof(chunk) ? sizeof(chunk) : (uint32_t) over;
                                raw_send(e, WIRE_DATA, 1, chunk, n);
                                sent += n;
                                over -= n;
                        }
                        pump_quiet(e);
                }
        }
        assert_channel_died(e, -EPROTO);
}

static void test_bad_duplicate_open(void **state)
{
        struct env *e = *state;

        raw_open_two(e);
        raw_send(e, WIRE_OPEN, 2, NULL, 0);
        assert_channel_died(e, -EPROTO);
}

static void test_bad_credit_overflow(void **state)
{
        struct env *e = *state;
        struct server *s;

        raw_open_two(e);
        /* the server sends 10 bytes: the guest may now be credited 10 */
        s = server_for(&e->guest, 1);
        assert_int_equal(write(s->fd, "0123456789", 10), 10);
        pump_quiet(e);
        assert_true(raw_drain(e));
        assert_int_equal(e->raw_data[1], 10);
        raw_send_u32(e, WIRE_CREDIT, 1, 10);
        raw_send_u32(e, WIRE_CREDIT, 1, 0);
        pump_quiet(e);
        assert_int_equal(e->guest.down_calls, 0);
        /* now the window is full again: one more is an overflow */
        raw_send_u32(e, WIRE_CREDIT, 1, 1);
        assert_channel_died(e, -EPROTO);
}

static void test_bad_credit_wraparound(void **state)
{
        struct env *e = *state;

        raw_open_two(e);
        /* 256 KiB + (2^32 - 256 KiB) wraps a 32-bit counter to 0 */
        raw_send_u32(e, WIRE_CREDIT, 2, 0u - WIRE_WINDOW);
        assert_channel_died(e, -EPROTO);
}

static void test_bad_data_after_shut(void **state)
{
        struct env *e = *state;

        raw_open_two(e);
        raw_send(e, WIRE_DATA, 1, "abc", 3);
        raw_send(e, WIRE_SHUT, 1, NULL, 0);
        raw_send(e, WIRE_SHUT, 1, NULL, 0); /* a repeated SHUT is harmless */
        pump_quiet(e);
        assert_int_equal(e->guest.down_calls, 0);
        raw_send(e, WIRE_DATA, 1, "d", 1);
        assert_channel_died(e, -EPROTO);
}

static void test_bad_hello_version(void **state)
{
        struct env *e = *state;

        raw_open_two(e);
        raw_send_u32(e, WIRE_HELLO, 0, WIRE_VERSION + 1);
        assert_channel_died(e, -EPROTONOSUPPORT);
}

static void test_bad_control_without_handler(void **state)
{
        struct env *e = *state;
        static const uint8_t ping[] = { WIRE_V_PING, 0, 0, 0, 1 };

        raw_open_two(e);
        raw_send(e, WIRE_CONTROL, 0, ping, sizeof(ping));
        assert_channel_died(e, -EPROTO);
}

static void test_channel_eof(void **state)
{
        struct env *e = *state;

        raw_open_two(e);
        shutdown(e->raw, SHUT_WR);
        assert_channel_died(e, -ECONNRESET);
}

/* Frames for streams that do not exist (any more) are not errors: they may
 * have been in flight when the stream was reset. */
static void test_unknown_streams_ignored(void **state)
{
        struct env *e = *state;
        struct server *s;
        char buf[8];

        raw_open_two(e);
        raw_send(e, WIRE_DATA, 77, "zz", 2);
        raw_send_u32(e, WIRE_CREDIT, 77, 12345);
        raw_send(e, WIRE_SHUT, 77, NULL, 0);
        raw_send(e, WIRE_RESET, 77, NULL, 0);
        /* RESET of a live stream closes it quietly, without a RESET back */
        raw_send(e, WIRE_RESET, 2, NULL, 0);
        raw_send(e, WIRE_DATA, 2, "late", 4);
        raw_send(e, WIRE_DATA, 1, "ok", 2);
        pump_quiet(e);
        assert_int_equal(e->guest.down_calls, 0);
        assert_int_equal(live(&e->guest), 1);
        s = server_for(&e->guest, 1);
        read_exact_pumping(e, s->fd, buf, 2);
        assert_memory_equal(buf, "ok", 2);
        assert_true(raw_drain(e));
        assert_int_equal(e->raw_resets[2], 0);
        assert_false(fd_is_open(server_for(&e->guest, 2)->mux_fd));
}

static void test_open_refused(void **state)
{
        struct env *e = *state;

        e->guest.refuse_open = -ECONNREFUSED;
        raw_send(e, WIRE_OPEN, 3, NULL, 0);
        pump_quiet(e);
        assert_true(raw_drain(e));
        assert_int_equal(e->raw_resets[3], 1);
        assert_int_equal(live(&e->guest), 0);
        assert_int_equal(e->guest.down_calls, 0);
        /* the id may be opened again */
        e->guest.refuse_open = 0;
        raw_send(e, WIRE_OPEN, 3, NULL, 0);
        pump_quiet(e);
        assert_int_equal(live(&e->guest), 1);
        close(server_for(&e->guest, 3)->fd);
}

/* The guest holds at most WIRE_MAX_STREAMS; the next OPEN is refused with a
 * RESET, not a dead channel. */
static void test_stream_limit(void **state)
{
        struct env *e = *state;
        uint8_t *frames = malloc((WIRE_MAX_STREAMS + 1) * WIRE_HEADER_SIZE);
        size_t len = 0;

        assert_non_null(frames);
        /* ids 101..1124, then 7 */
        for (uint32_t i = 1; i <= WIRE_MAX_STREAMS + 1; i++) {
                assert_int_equal(wire_encode_header(frames + len, WIRE_OPEN, i == WIRE_MAX_STREAMS + 1 ? 7 : i + 100, 0), 0);
                len += WIRE_HEADER_SIZE;
        }
        write_all_pumping(e, e->raw, frames, len);
        pump_quiet(e);
        assert_true(raw_drain(e));
        assert_int_equal(live(&e->guest), WIRE_MAX_STREAMS);
        assert_int_equal(e->raw_resets[7], 1);
        assert_int_equal(e->guest.down_calls, 0);
        for (size_t i = 0; i < e->guest.nsrv; i++)
                close(e->guest.srv[i].fd);
        e->guest.nsrv = 0;
        pump_quiet(e);
        free(frames);
}

/* ---- 8. HELLO ---- */

static void test_hello_drops_streams(void **state)
{
        struct env *e = *state;
        enum { N = 3 };
        int client[N], err;
        struct server *srv[N];
        uint8_t v[4] = { 0, 0, 0, WIRE_VERSION };
        char buf[8];
        uint32_t id;

        for (int i = 0; i < N; i++) {
                client[i] = client_open(e, &id, NULL);
                srv[i] = server_for(&e->guest, id);
                write_all_pumping(e, client[i], "hi", 2);
                read_exact_pumping(e, srv[i]->fd, buf, 2);
        }
        pump_quiet(e);
        /* the guest (re)starts a session: the host drops its streams */
        assert_int_equal(wire_write_frame_fd(e->guest.chan, WIRE_HELLO, 0, v, 4), 0);
        pump_quiet(e);
        assert_int_equal(live(&e->host), 0);
        assert_int_equal(e->host.down_calls, 0);
        assert_true(wire_mux_has_channel(e->host.m));
        for (int i = 0; i < N; i++) {
                assert_int_equal(read_to_eof(e, client[i], NULL, 0, &err), 0);
                assert_int_equal(err, 0);
                close(client[i]);
        }
        /* and the other way: the guest drops its (now orphaned) streams */
        assert_int_equal(live(&e->guest), N);
        assert_int_equal(wire_write_frame_fd(e->host.chan, WIRE_HELLO, 0, v, 4), 0);
        pump_quiet(e);
        assert_int_equal(live(&e->guest), 0);
        assert_int_equal(e->guest.down_calls, 0);
        for (int i = 0; i < N; i++) {
                assert_int_equal(read_to_eof(e, srv[i]->fd, NULL, 0, &err), 0);
                close(srv[i]->fd);
        }
        /* the session goes on with new streams */
        client[0] = client_open(e, &id, NULL);
        srv[0] = server_for(&e->guest, id);
        assert_int_equal(id, N + 1);
        write_all_pumping(e, client[0], "again", 5);
        read_exact_pumping(e, srv[0]->fd, buf, 5);
        assert_memory_equal(buf, "again", 5);
        close(client[0]);
        close(srv[0]->fd);
        pump_quiet(e);
        assert_int_equal(live(&e->host), 0);
        assert_int_equal(live(&e->guest), 0);
}

/* The host reconnecting on a new channel while streams are open; the guest
 * sees EOF on the old one and attaches to the new one. */
static void test_reattach(void **state)
{
        struct env *e = *state;
        int client, err, sv[2];
        struct server *s;
        uint32_t id;
        char buf[8];

        client = client_open(e, &id, NULL);
        s = server_for(&e->guest, id);
        pump_quiet(e);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
        /* the host reconnects: attaching a new channel drops its streams
         * (and closes the old channel) before the HELLO goes out */
        assert_int_equal(wire_mux_attach_channel(e->host.m, sv[0], 1), 0);
        assert_int_equal(read_to_eof(e, client, NULL, 0, &err), 0);
        close(client);
        assert_int_equal(live(&e->host), 0);
        /* the guest sees its old channel go away (the host closed it) */
        pump_quiet(e);
        assert_int_equal(e->guest.down_calls, 1);
        assert_int_equal(e->guest.down_err, -ECONNRESET);
        assert_int_equal(live(&e->guest), 0);
        assert_int_equal(read_to_eof(e, s->fd, NULL, 0, &err), 0);
        close(s->fd);
        /* and reconnects to the new one */
        e->host.chan = sv[0];
        e->guest.chan = sv[1];
        assert_int_equal(wire_mux_attach_channel(e->guest.m, sv[1], 0), 0);
        client = client_open(e, &id, NULL);
        s = server_for(&e->guest, id);
        write_all_pumping(e, client, "new", 3);
        read_exact_pumping(e, s->fd, buf, 3);
        assert_memory_equal(buf, "new", 3);
        close(client);
        close(s->fd);
        pump_quiet(e);
        assert_int_equal(live(&e->host), 0);
        assert_int_equal(live(&e->guest), 0);
}

/* ---- 9. control ---- */

static void test_control(void **state)
{
        struct env *e = *state;
        struct wire_control c = { .verb = WIRE_V_STATUS, .id = 5 };
        uint32_t id;
        int client = client_open(e, &id, NULL);
        struct server *s = server_for(&e->guest, id);
        char buf[8];

        assert_int_equal(wire_control_add(&c, "fields", "uptime,load"), 0);
        assert_int_equal(wire_mux_send_control(e->host.m, &c), 0);
        PUMP_UNTIL(e, e->guest.n_ctl == 1);
        assert_int_equal(e->guest.last_ctl.verb, WIRE_V_STATUS);
        assert_int_equal(e->guest.last_ctl.id, 5);
        assert_string_equal(wire_control_get(&e->guest.last_ctl, "fields"), "uptime,load");

        /* interleaved with stream data */
        c = (struct wire_control) { .verb = WIRE_V_REPLY, .id = 5 };
        assert_int_equal(wire_control_add(&c, "ok", "1"), 0);
        assert_int_equal(wire_control_add(&c, "uptime", "12.5"), 0);
        assert_int_equal(write(s->fd, "abc", 3), 3);
        pump(e, 0);
        assert_int_equal(wire_mux_send_control(e->guest.m, &c), 0);
        assert_int_equal(write(s->fd, "def", 3), 3);
        PUMP_UNTIL(e, e->host.n_ctl == 1);
        assert_int_equal(e->host.last_ctl.verb, WIRE_V_REPLY);
        assert_string_equal(wire_control_get(&e->host.last_ctl, "uptime"), "12.5");
        read_exact_pumping(e, client, buf, 6);
        assert_memory_equal(buf, "abcdef", 6);

        /* many in a row */
        for (uint32_t i = 0; i < 100; i++) {
                c = (struct wire_control) { .verb = WIRE_V_PING, .id = 100 + i };
                assert_int_equal(wire_mux_send_control(e->host.m, &c), 0);
        }
        PUMP_UNTIL(e, e->guest.n_ctl == 101);
        assert_int_equal(e->guest.last_ctl.id, 199);

        /* refusals: not encodable, no channel */
        c.verb = 0;
        assert_int_equal(wire_mux_send_control(e->host.m, &c), -EINVAL);
        close(client);
        close(s->fd);
        pump_quiet(e);
        wire_mux_detach_channel(e->host.m);
        c.verb = WIRE_V_PING;
        assert_int_equal(wire_mux_send_control(e->host.m, &c), -ENOTCONN);
        assert_false(wire_mux_has_channel(e->host.m));
        pump_quiet(e);
        assert_int_equal(e->guest.down_calls, 1);
        assert_int_equal(e->host.down_calls, 0); /* detaching is not a failure */
}

/* A malformed control payload kills the channel like any protocol error. */
static void test_control_malformed(void **state)
{
        struct env *e = *state;
        static const uint8_t bad[] = { WIRE_V_PING, 0, 0, 0, 1, 'A', '=', '1', '\n' };

        pump_quiet(e);
        assert_int_equal(wire_write_frame_fd(e->host.chan, WIRE_CONTROL, 0, bad, sizeof(bad)), 0);
        pump_quiet(e);
        assert_int_equal(e->guest.down_calls, 1);
        assert_int_equal(e->guest.down_err, -EPROTO);
        assert_int_equal(e->guest.n_ctl, 0);
}

/* Streams are opened by the host only: an OPEN arriving at the host (no
 * open_stream op) is a protocol error. */
static void test_host_refuses_open(void **state)
{
        struct env *e = *state;
        uint32_t id;
        int client = client_open(e, &id, NULL), err;
        struct server *s = server_for(&e->guest, id);

        pump_quiet(e);
        assert_int_equal(wire_write_frame_fd(e->guest.chan, WIRE_OPEN, 99, NULL, 0), 0);
        pump_quiet(e);
        assert_int_equal(e->host.down_calls, 1);
        assert_int_equal(e->host.down_err, -EPROTO);
        assert_int_equal(live(&e->host), 0);
        assert_int_equal(read_to_eof(e, client, NULL, 0, &err), 0);
        /* the guest sees the channel close and drops its side too */
        assert_int_equal(e->guest.down_calls, 1);
        assert_int_equal(e->guest.down_err, -ECONNRESET);
        assert_int_equal(live(&e->guest), 0);
        (void) read_to_eof(e, s->fd, NULL, 0, &err);
        close(client);
        close(s->fd);
}

/* ---- streams the guest opens (a container's Engine API through the host) ---- */

static void test_guest_opens_stream(void **state)
{
        struct env *e = *state;
        int sv[2], err;
        int64_t id, id2;
        struct server *s;
        char buf[16];

        e->host.ops.open_stream = op_open_stream; /* ecivmd accepts them */
        pump_quiet(e);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
        id = wire_mux_open_stream(e->guest.m, sv[1]);
        assert_true(id > 0 && ((uint32_t) id & WIRE_GUEST_STREAM_BIT) != 0);
        PUMP_UNTIL(e, server_for(&e->host, (uint32_t) id) != NULL);
        s = server_for(&e->host, (uint32_t) id);
        write_all_pumping(e, sv[0], "GET /_ping", 10);
        read_exact_pumping(e, s->fd, buf, 10);
        assert_memory_equal(buf, "GET /_ping", 10);
        write_all_pumping(e, s->fd, "OK", 2);
        read_exact_pumping(e, sv[0], buf, 2);
        assert_memory_equal(buf, "OK", 2);
        /* the host's own streams keep their half, so the two never collide */
        {
                uint32_t hid;
                int client = client_open(e, &hid, NULL);
                struct server *hs = server_for(&e->guest, hid);
                assert_int_equal(hid & WIRE_GUEST_STREAM_BIT, 0);
                close(client);
                close(hs->fd);
        }
        {
                int sv2[2];
                assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv2), 0);
                id2 = wire_mux_open_stream(e->guest.m, sv2[1]);
                assert_true(id2 > 0 && id2 != id && ((uint32_t) id2 & WIRE_GUEST_STREAM_BIT) != 0);
                PUMP_UNTIL(e, server_for(&e->host, (uint32_t) id2) != NULL);
                close(sv2[0]);
                close(server_for(&e->host, (uint32_t) id2)->fd);
        }
        close(sv[0]);
        close(s->fd);
        pump_quiet(e);
        (void) err;
        assert_int_equal(e->host.down_calls, 0);
        assert_int_equal(e->guest.down_calls, 0);
}

/* An OPEN in the opener's wrong half is a protocol error on either side. */
static void test_open_in_wrong_half(void **state)
{
        struct env *e = *state;

        e->host.ops.open_stream = op_open_stream;
        pump_quiet(e);
        /* the guest claims a host id */
        assert_int_equal(wire_write_frame_fd(e->guest.chan, WIRE_OPEN, 5, NULL, 0), 0);
        pump_quiet(e);
        assert_int_equal(e->host.down_calls, 1);
        assert_int_equal(e->host.down_err, -EPROTO);
}

static void test_guest_refuses_guest_half_open(void **state)
{
        struct env *e = *state;

        pump_quiet(e);
        assert_int_equal(wire_write_frame_fd(e->host.chan, WIRE_OPEN, WIRE_GUEST_STREAM_BIT | 1, NULL, 0), 0);
        pump_quiet(e);
        assert_int_equal(e->guest.down_calls, 1);
        assert_int_equal(e->guest.down_err, -EPROTO);
}

/* ---- API edges ---- */

static void test_api_edges(void **state)
{
        struct env *e = *state;
        struct wire_mux_ops ops = { .watch = op_watch };
        struct side lone = { .name = "lone" };
        wire_mux *m = wire_mux_new(&ops, &lone);
        int sv[2];

        (void) e;
        assert_null(wire_mux_free(NULL));
        assert_non_null(m);
        assert_false(wire_mux_has_channel(m));
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
        /* no channel: the fd is closed, -ENOTCONN */
        assert_int_equal(wire_mux_open_stream(m, sv[1]), -ENOTCONN);
        assert_false(fd_is_open(sv[1]));
        /* attach without HELLO watches the channel for input only */
        assert_int_equal(wire_mux_attach_channel(m, sv[0], 0), 0);
        assert_true(wire_mux_has_channel(m));
        assert_int_equal(lone.nw, 1);
        assert_int_equal(lone.w[0].events, POLLIN);
        wire_mux_detach_channel(m);
        assert_int_equal(lone.nw, 0);
        assert_false(fd_is_open(sv[0]));
        wire_mux_detach_channel(m); /* twice is fine */
        /* an event for an fd the mux does not know is ignored */
        wire_mux_handle(m, 12345, POLLIN);
        assert_null(wire_mux_free(m));
        free(lone.w);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_one_stream, setup, teardown),
                cmocka_unit_test_setup_teardown(test_half_close, setup, teardown),
                cmocka_unit_test_setup_teardown(test_half_close_server_first, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reset_abrupt_close, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reset_client_gone, setup, teardown),
                cmocka_unit_test_setup_teardown(test_clean_close_server_fills, setup, teardown),
                cmocka_unit_test_setup_teardown(test_clean_close_server_384k, setup, teardown),
                cmocka_unit_test_setup_teardown(test_clean_close_client_fills, setup, teardown),
                cmocka_unit_test_setup_teardown(test_clean_close_client_384k, setup, teardown),
                cmocka_unit_test_setup_teardown(test_client_gone_stream_released, setup, teardown),
                cmocka_unit_test_setup_teardown(test_local_write_error_resets, setup, teardown),
                cmocka_unit_test_setup_teardown(test_flow_control, setup, teardown),
                cmocka_unit_test_setup_teardown(test_channel_congestion, setup, teardown),
                cmocka_unit_test_setup_teardown(test_interleave, setup, teardown),
                cmocka_unit_test_setup_teardown(test_many_short_streams, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_garbage, setup_raw, teardown),
                cmocka_unit_test_setup_teardown(test_bad_garbage_after_partial_frame, setup_raw, teardown),
                cmocka_unit_test_setup_teardown(test_bad_oversized, setup_raw, teardown),
                cmocka_unit_test_setup_teardown(test_bad_data_over_window, setup_raw, teardown),
                cmocka_unit_test_setup_teardown(test_bad_data_one_frame_over_window, setup_raw, teardown),
                cmocka_unit_test_setup_teardown(test_bad_duplicate_open, setup_raw, teardown),
                cmocka_unit_test_setup_teardown(test_bad_credit_overflow, setup_raw, teardown),
                cmocka_unit_test_setup_teardown(test_bad_credit_wraparound, setup_raw, teardown),
                cmocka_unit_test_setup_teardown(test_bad_data_after_shut, setup_raw, teardown),
                cmocka_unit_test_setup_teardown(test_bad_hello_version, setup_raw, teardown),
                cmocka_unit_test_setup_teardown(test_bad_control_without_handler, setup_raw, teardown),
                cmocka_unit_test_setup_teardown(test_channel_eof, setup_raw, teardown),
                cmocka_unit_test_setup_teardown(test_unknown_streams_ignored, setup_raw, teardown),
                cmocka_unit_test_setup_teardown(test_open_refused, setup_raw, teardown),
                cmocka_unit_test_setup_teardown(test_stream_limit, setup_raw, teardown),
                cmocka_unit_test_setup_teardown(test_hello_drops_streams, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reattach, setup, teardown),
                cmocka_unit_test_setup_teardown(test_control, setup_control, teardown),
                cmocka_unit_test_setup_teardown(test_control_malformed, setup_control, teardown),
                cmocka_unit_test_setup_teardown(test_host_refuses_open, setup, teardown),
                cmocka_unit_test_setup_teardown(test_guest_opens_stream, setup, teardown),
                cmocka_unit_test_setup_teardown(test_open_in_wrong_half, setup, teardown),
                cmocka_unit_test_setup_teardown(test_guest_refuses_guest_half_open, setup, teardown),
                cmocka_unit_test_setup_teardown(test_api_edges, setup, teardown),
        };

        signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests_name("mux", tests, NULL, NULL);
}
