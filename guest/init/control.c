#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "control.h"

#define READ_ROUNDS 16

void control_init(struct control *c)
{
        c->fd = -1;
        c->connected = false;
        c->broken = false;
        c->retry_at = 0;
        wire_decoder_init(&c->dec);
}

static short port_revents(int fd)
{
        struct pollfd p = { .fd = fd, .events = POLLOUT };

        if (poll(&p, 1, 0) < 0)
                return POLLERR;
        return p.revents;
}

static void host_gone(struct control *c)
{
        c->connected = false;
        c->retry_at = now_ms() + CONTROL_RETRY_MS;
}

bool control_refresh(struct control *c, uint64_t now)
{
        if (c->fd < 0 || c->connected || now < c->retry_at)
                return false;
        if (port_revents(c->fd) & (POLLHUP | POLLERR | POLLNVAL)) {
                c->retry_at = now + CONTROL_RETRY_MS;
                return false;
        }
        c->connected = true;
        c->broken = false;
        wire_decoder_init(&c->dec);
        return true;
}

bool control_wait_host(struct control *c, unsigned timeout_ms)
{
        uint64_t deadline = now_ms() + timeout_ms;

        for (;;) {
                c->retry_at = 0;
                if (c->fd < 0)
                        return false;
                if (c->connected || control_refresh(c, now_ms()))
                        return true;
                if (now_ms() >= deadline)
                        return false;
                sleep_ms(50);
        }
}

int control_open(struct control *c, const char *path)
{
        c->fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (c->fd < 0)
                return -errno;
        c->retry_at = 0;
        control_refresh(c, now_ms());
        return 0;
}

static void emit_bad(control_cb cb, void *user, const uint8_t *payload, uint32_t len, const char *why)
{
        struct control_event ev = { .kind = CONTROL_BAD, .why = why };

        if (payload && len >= 5) {
                ev.has_id = true;
                ev.id = (uint32_t) payload[1] << 24 | (uint32_t) payload[2] << 16 | (uint32_t) payload[3] << 8 |
                        payload[4];
        }
        cb(user, &ev);
}

static void handle_frame(struct control *c, const struct wire_frame *f, control_cb cb, void *user)
{
        struct control_event ev = { .kind = CONTROL_HELLO };

        if (f->type == WIRE_HELLO) {
                cb(user, &ev);
                return;
        }
        if (f->type != WIRE_CONTROL) {
                emit_bad(cb, user, NULL, 0, "unexpected frame type on the control port");
                return;
        }
        if (f->length == 0 || !wire_verb_name(f->payload[0])) {
                emit_bad(cb, user, f->payload, f->length, "unknown verb");
                return;
        }
        if (wire_control_decode(f->payload, f->length, &c->rx) < 0) {
                emit_bad(cb, user, f->payload, f->length, "malformed control message");
                return;
        }
        ev.kind = CONTROL_MESSAGE;
        ev.msg = &c->rx;
        ev.has_id = true;
        ev.id = c->rx.id;
        cb(user, &ev);
}

static void feed(struct control *c, const uint8_t *buf, size_t len, control_cb cb, void *user)
{
        size_t off = 0;

        while (off < len && !c->broken) {
                struct wire_frame f;
                int ready;
                ssize_t used = wire_decoder_feed(&c->dec, buf + off, len - off, &f, &ready);

                if (used < 0) {
                        c->broken = true;
                        emit_bad(cb, user, NULL, 0, "bad frame; ignoring input until the host reconnects");
                        return;
                }
                off += (size_t) used;
                if (ready)
                        handle_frame(c, &f, cb, user);
        }
}

void control_read(struct control *c, control_cb cb, void *user)
{
        uint8_t buf[4096];

        for (int i = 0; i < READ_ROUNDS && c->connected; i++) {
                ssize_t n = read(c->fd, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n <= 0) {
                        host_gone(c);
                        return;
                }
                feed(c, buf, (size_t) n, cb, user);
        }
}

void control_begin(struct control *c, uint8_t verb, uint32_t id)
{
        c->tx.verb = verb;
        c->tx.id = id;
        c->tx.n_fields = 0;
        c->tx_error = 0;
}

void control_add(struct control *c, const char *key, const char *fmt, ...)
{
        char value[sizeof(c->tx.fields[0].value)];
        va_list ap;
        int r;

        va_start(ap, fmt);
        vsnprintf(value, sizeof(value), fmt, ap);
        va_end(ap);
        for (char *p = value; *p; p++)
                if (*p == '\n')
                        *p = ' ';
        r = wire_control_add(&c->tx, key, value);
        if (r < 0 && c->tx_error == 0)
                c->tx_error = r;
}

/* One write per frame: a virtio-serial write of up to 32 KiB is all or
 * nothing, so a frame is never left half sent unless the host vanishes. */
static int write_frame(struct control *c, const uint8_t *buf, size_t len, unsigned timeout_ms)
{
        uint64_t deadline = now_ms() + timeout_ms;
        size_t off = 0;

        while (off < len) {
                ssize_t n = write(c->fd, buf + off, len - off);
                struct pollfd p = { .fd = c->fd, .events = POLLOUT };
                uint64_t now;

                if (n > 0) {
                        off += (size_t) n;
                        continue;
                }
                if (n < 0 && errno != EINTR && errno != EAGAIN)
                        return -errno;
                now = now_ms();
                if (now >= deadline)
                        return off ? -EIO : -ETIMEDOUT;
                if (poll(&p, 1, (int) (deadline - now)) > 0 && (p.revents & (POLLHUP | POLLERR)))
                        return off ? -EIO : -ENOTCONN;
        }
        return 0;
}

/* Not wire_send_control_fd(): its wait for room polls again at once on
 * POLLHUP, so with no host connected it would spin forever in PID 1. */
int control_send(struct control *c, unsigned timeout_ms)
{
        uint8_t buf[WIRE_HEADER_SIZE + 5 + WIRE_CONTROL_MAX_BODY];
        ssize_t n;
        int r;

        if (c->tx_error < 0)
                return c->tx_error;
        if (c->fd < 0 || !c->connected)
                return -ENOTCONN;
        n = wire_control_encode(&c->tx, buf + WIRE_HEADER_SIZE, sizeof(buf) - WIRE_HEADER_SIZE);
        if (n < 0)
                return (int) n;
        r = wire_encode_header(buf, WIRE_CONTROL, 0, (uint32_t) n);
        if (r < 0)
                return r;
        r = write_frame(c, buf, WIRE_HEADER_SIZE + (size_t) n, timeout_ms);
        if (r == -ENOTCONN || r == -EIO || r == -ENODEV || r == -EPIPE)
                host_gone(c);
        return r;
}
