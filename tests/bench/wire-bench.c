/* The bench request protocol; see wire-bench.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "wire-bench.h"

static uint8_t zeros[WB_CHUNK];
static uint8_t scratch[WB_CHUNK];

void wb_put_u32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t) (v >> (24 - 8 * i));
}

void wb_put_u64(uint8_t *p, uint64_t v)
{
        wb_put_u32(p, (uint32_t) (v >> 32));
        wb_put_u32(p + 4, (uint32_t) v);
}

uint32_t wb_get_u32(const uint8_t *p)
{
        return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

uint64_t wb_get_u64(const uint8_t *p)
{
        return ((uint64_t) wb_get_u32(p) << 32) | wb_get_u32(p + 4);
}

static void expect_msg(struct wb_endpoint *e, enum wb_phase phase, size_t len)
{
        e->phase = phase;
        e->msg_len = len;
        e->msg_pos = 0;
}

void wb_client_init(struct wb_endpoint *e, int fd, uint32_t op, uint64_t length)
{
        *e = (struct wb_endpoint) { .fd = fd, .op = op, .length = length };
        wb_put_u32(e->msg, WB_MAGIC);
        wb_put_u32(e->msg + 4, op);
        wb_put_u64(e->msg + 8, length);
        expect_msg(e, WB_SEND_REQ, WB_REQ_SIZE);
}

void wb_server_init(struct wb_endpoint *e, int fd)
{
        *e = (struct wb_endpoint) { .fd = fd, .server = true };
        expect_msg(e, WB_RECV_REQ, WB_REQ_SIZE);
}

short wb_wants(const struct wb_endpoint *e)
{
        switch (e->phase) {
        case WB_SEND_REQ:
        case WB_SEND_DATA:
        case WB_SEND_REPLY:
                return POLLOUT;
        case WB_RECV_REQ:
        case WB_RECV_DATA:
        case WB_RECV_REPLY:
                return POLLIN;
        case WB_DONE:
        default:
                return 0;
        }
}

static void start_payload(struct wb_endpoint *e, bool sending)
{
        e->phase = sending ? WB_SEND_DATA : WB_RECV_DATA;
        e->left = e->length;
        e->moved = 0;
}

static int request_received(struct wb_endpoint *e)
{
        if (wb_get_u32(e->msg) != WB_MAGIC)
                return -EPROTO;
        e->op = wb_get_u32(e->msg + 4);
        e->length = wb_get_u64(e->msg + 8);
        switch (e->op) {
        case WB_PUT:
                start_payload(e, false);
                return 0;
        case WB_GET:
                start_payload(e, true);
                return 0;
        case WB_QUIT:
                e->phase = WB_DONE;
                return 1;
        default:
                return -EPROTO;
        }
}

static int request_sent(struct wb_endpoint *e)
{
        if (e->op == WB_QUIT) {
                e->phase = WB_DONE;
                return 1;
        }
        start_payload(e, e->op == WB_PUT);
        return 0;
}

static int payload_done(struct wb_endpoint *e)
{
        if (e->server && e->op == WB_PUT) {
                wb_put_u64(e->msg, e->moved);
                expect_msg(e, WB_SEND_REPLY, 8);
                return 0;
        }
        if (e->server) {
                expect_msg(e, WB_RECV_REQ, WB_REQ_SIZE);
                return 0;
        }
        if (e->op == WB_PUT) {
                expect_msg(e, WB_RECV_REPLY, 8);
                return 0;
        }
        e->phase = WB_DONE;
        return 1;
}

static int msg_done(struct wb_endpoint *e)
{
        switch (e->phase) {
        case WB_SEND_REQ:
                return request_sent(e);
        case WB_RECV_REQ:
                return request_received(e);
        case WB_SEND_REPLY:
                expect_msg(e, WB_RECV_REQ, WB_REQ_SIZE);
                return 0;
        case WB_RECV_REPLY:
                if (wb_get_u64(e->msg) != e->length)
                        return -EPROTO;
                e->phase = WB_DONE;
                return 1;
        default:
                return -EINVAL;
        }
}

static ssize_t do_io(struct wb_endpoint *e, bool out, void *p, size_t n)
{
        ssize_t r = out ? write(e->fd, p, n) : read(e->fd, p, n);

        if (r < 0)
                return errno == EINTR ? 0 : -errno;
        if (r == 0 && !out)
                return -ECONNRESET;
        if (out) {
                e->writes++;
                e->bytes_written += (uint64_t) r;
        } else {
                e->reads++;
                e->bytes_read += (uint64_t) r;
        }
        return r;
}

static int step_msg(struct wb_endpoint *e, bool out)
{
        ssize_t n = do_io(e, out, e->msg + e->msg_pos, e->msg_len - e->msg_pos);

        if (n == -ECONNRESET && e->phase == WB_RECV_REQ && e->msg_pos == 0) {
                e->phase = WB_DONE;
                e->op = 0;
                return 1;
        }
        if (n < 0)
                return (int) n;
        e->msg_pos += (size_t) n;
        return e->msg_pos == e->msg_len ? msg_done(e) : 0;
}

static int step_data(struct wb_endpoint *e, bool out)
{
        size_t want = e->left < WB_CHUNK ? (size_t) e->left : WB_CHUNK;
        ssize_t n = want ? do_io(e, out, out ? zeros : scratch, want) : 0;

        if (n < 0)
                return (int) n;
        e->left -= (uint64_t) n;
        e->moved += (uint64_t) n;
        return e->left == 0 ? payload_done(e) : 0;
}

int wb_step(struct wb_endpoint *e)
{
        switch (e->phase) {
        case WB_SEND_REQ:
        case WB_SEND_REPLY:
                return step_msg(e, true);
        case WB_RECV_REQ:
        case WB_RECV_REPLY:
                return step_msg(e, false);
        case WB_SEND_DATA:
                return step_data(e, true);
        case WB_RECV_DATA:
                return step_data(e, false);
        case WB_DONE:
        default:
                return 1;
        }
}

int wb_pump(struct wb_endpoint *e)
{
        int r;

        do
                r = wb_step(e);
        while (r == 0);
        return r == -EAGAIN ? 0 : r;
}

double wb_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int wb_set_nonblock(int fd)
{
        int fl = fcntl(fd, F_GETFL);

        if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
                return -errno;
        return 0;
}
