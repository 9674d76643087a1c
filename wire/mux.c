/* ecivm stream multiplexer; see mux.h for the contract and wire.h for the
 * frames.  Single-threaded, event driven, bounded memory:
 *   - per stream, data waiting for the local fd is bounded by WIRE_WINDOW
 *     (the peer may only send what we granted);
 *   - data waiting for the channel is bounded by OUT_HIGH plus one read:
 *     above it we stop reading every stream fd until it drains below OUT_LOW.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mux.h"

#define OUT_HIGH (1024u * 1024u)
#define OUT_LOW (256u * 1024u)
#define OUT_KEEP (64u * 1024u)
#define CREDIT_BATCH (WIRE_WINDOW / 4)
/* One pass over the channel reads until EAGAIN or this much: a virtio-serial
 * port hands out one 4 KiB buffer per read(), and each poll() round trip
 * costs more than the read under emulation. */
#define CHAN_READ_MAX (64u * 1024u)
/* A virtio-serial port takes at most 32 KiB per write(): frames of exactly
 * that size go out one per write, without a 12-byte straggler each. */
#define STREAM_READ_MAX (WIRE_MAX_PAYLOAD - WIRE_HEADER_SIZE)

struct buf {
        uint8_t *data;
        size_t off, len, cap; /* live bytes are data[off .. off+len) */
};

struct stream {
        uint32_t id;
        int fd;
        short events; /* what we asked ops->watch for */
        bool fd_eof;     /* local side sent EOF; we sent SHUT */
        bool peer_shut;  /* peer sent SHUT */
        bool wr_shut;    /* we did shutdown(fd, SHUT_WR) */
        bool hup;        /* local side hung up (HUP/ERR after EOF) */
        uint32_t send_credit;
        uint32_t unacked; /* written to fd, not yet credited back */
        struct buf to_fd;
};

struct wire_mux {
        const struct wire_mux_ops *ops;
        void *user;
        int chan;
        short chan_events;
        bool congested;
        struct buf out;
        struct wire_decoder dec;
        /* A DATA frame whose payload is passed through from the read buffer
         * straight to the stream (no trip through the decoder's buffer). */
        uint32_t data_stream;
        uint32_t data_left;
        /* last stream looked up by id and by fd: bulk transfers hit it */
        struct stream *hot;
        uint32_t next_id;
        uint32_t local_bit; /* 0 on the host, WIRE_GUEST_STREAM_BIT in the guest */
        struct stream *streams[WIRE_MAX_STREAMS];
        struct wire_mux_stats stats;
};

/* ---- byte queue ---- */

static int buf_reserve(struct buf *b, size_t extra)
{
        if (b->off > 0 && b->off + b->len + extra > b->cap) {
                memmove(b->data, b->data + b->off, b->len);
                b->off = 0;
        }
        if (b->len + extra > b->cap) {
                size_t cap = b->cap ? b->cap : 16384;
                uint8_t *p;

                while (cap < b->len + extra)
                        cap *= 2;
                p = realloc(b->data, cap);
                if (!p)
                        return -ENOMEM;
                b->data = p;
                b->cap = cap;
        }
        return 0;
}

static int buf_append(struct buf *b, const void *p, size_t n)
{
        int r = buf_reserve(b, n);

        if (r < 0)
                return r;
        memcpy(b->data + b->off + b->len, p, n);
        b->len += n;
        return 0;
}

static void buf_consume(struct buf *b, size_t n)
{
        b->off += n;
        b->len -= n;
        if (b->len == 0)
                b->off = 0;
}

static void buf_free(struct buf *b)
{
        free(b->data);
        *b = (struct buf) { 0 };
}

/* ---- interest bookkeeping ---- */

static void set_watch(wire_mux *m, int fd, short *cur, short want)
{
        if (*cur == want)
                return;
        *cur = want;
        m->ops->watch(m->user, fd, want);
}

static short stream_wants(const wire_mux *m, const struct stream *s)
{
        short ev = 0;

        if (!s->fd_eof && s->send_credit > 0 && !m->congested && m->chan >= 0)
                ev |= POLLIN;
        if (s->to_fd.len > 0 || (s->peer_shut && !s->wr_shut))
                ev |= POLLOUT;
        return ev;
}

static void stream_rewatch(wire_mux *m, struct stream *s)
{
        set_watch(m, s->fd, &s->events, stream_wants(m, s));
}

static void chan_rewatch(wire_mux *m)
{
        if (m->chan < 0)
                return;
        set_watch(m, m->chan, &m->chan_events, (short) (POLLIN | (m->out.len > 0 ? POLLOUT : 0)));
}

static void update_congestion(wire_mux *m)
{
        bool was = m->congested;

        if (m->out.len >= OUT_HIGH)
                m->congested = true;
        else if (m->out.len <= OUT_LOW)
                m->congested = false;
        if (was != m->congested)
                for (unsigned i = 0; i < WIRE_MAX_STREAMS; i++)
                        if (m->streams[i])
                                stream_rewatch(m, m->streams[i]);
}

/* ---- channel output ---- */

static int queue_frame(wire_mux *m, uint8_t type, uint32_t stream, const void *payload, uint32_t len)
{
        uint8_t hdr[WIRE_HEADER_SIZE];
        int r;

        if (m->chan < 0)
                return -ENOTCONN;
        r = wire_encode_header(hdr, type, stream, len);
        if (r < 0)
                return r;
        r = buf_append(&m->out, hdr, sizeof(hdr));
        if (r == 0 && len > 0)
                r = buf_append(&m->out, payload, len);
        if (r < 0)
                return r;
        m->stats.bytes_to_channel += WIRE_HEADER_SIZE + len;
        chan_rewatch(m);
        update_congestion(m);
        return 0;
}

static int queue_u32(wire_mux *m, uint8_t type, uint32_t stream, uint32_t v)
{
        uint8_t p[4] = { (uint8_t) (v >> 24), (uint8_t) (v >> 16), (uint8_t) (v >> 8), (uint8_t) v };
        return queue_frame(m, type, stream, p, 4);
}

/* ---- streams ---- */

static struct stream *stream_by_id(wire_mux *m, uint32_t id)
{
        if (m->hot && m->hot->id == id)
                return m->hot;
        for (unsigned i = 0; i < WIRE_MAX_STREAMS; i++)
                if (m->streams[i] && m->streams[i]->id == id)
                        return m->hot = m->streams[i];
        return NULL;
}

static struct stream *stream_by_fd(wire_mux *m, int fd)
{
        if (m->hot && m->hot->fd == fd)
                return m->hot;
        for (unsigned i = 0; i < WIRE_MAX_STREAMS; i++)
                if (m->streams[i] && m->streams[i]->fd == fd)
                        return m->hot = m->streams[i];
        return NULL;
}

static struct stream *stream_add(wire_mux *m, uint32_t id, int fd)
{
        for (unsigned i = 0; i < WIRE_MAX_STREAMS; i++) {
                struct stream *s;

                if (m->streams[i])
                        continue;
                s = calloc(1, sizeof(*s));
                if (!s)
                        return NULL;
                s->id = id;
                s->fd = fd;
                s->send_credit = WIRE_WINDOW;
                m->streams[i] = s;
                m->stats.streams_opened++;
                m->stats.streams_live++;
                stream_rewatch(m, s);
                return s;
        }
        return NULL;
}

static void stream_close(wire_mux *m, struct stream *s)
{
        for (unsigned i = 0; i < WIRE_MAX_STREAMS; i++)
                if (m->streams[i] == s)
                        m->streams[i] = NULL;
        if (m->hot == s)
                m->hot = NULL;
        m->ops->watch(m->user, s->fd, 0);
        close(s->fd);
        buf_free(&s->to_fd);
        free(s);
        m->stats.streams_closed++;
        m->stats.streams_live--;
}

static void stream_reset(wire_mux *m, struct stream *s)
{
        if (queue_frame(m, WIRE_RESET, s->id, NULL, 0) == 0)
                m->stats.resets_sent++;
        stream_close(m, s);
}

/* Returns true if the stream is finished and was closed. */
static bool stream_maybe_done(wire_mux *m, struct stream *s)
{
        if (s->fd_eof && s->peer_shut && s->wr_shut && s->to_fd.len == 0) {
                stream_close(m, s);
                return true;
        }
        stream_rewatch(m, s);
        return false;
}

static void stream_flush_credit(wire_mux *m, struct stream *s, bool force)
{
        if (s->unacked == 0 || (!force && s->unacked < CREDIT_BATCH))
                return;
        if (queue_u32(m, WIRE_CREDIT, s->id, s->unacked) == 0)
                s->unacked = 0;
}

/* The local peer is gone for good while the stream still had work: nobody
 * can read what is left, so abort instead of spinning on HUP.  But only once
 * the peer has written out (credited back) all we sent: a RESET makes it
 * drop what it still holds for its side. */
static void stream_check_hup(wire_mux *m, struct stream *s)
{
        if (s->hup && s->send_credit == WIRE_WINDOW && !(s->peer_shut && s->to_fd.len == 0))
                stream_reset(m, s);
}

/* Writes what the stream fd takes of P (counted as unacked); returns the
 * bytes written, or -1 after resetting S on a write error. */
static ssize_t stream_write(wire_mux *m, struct stream *s, const uint8_t *p, size_t len)
{
        size_t done = 0;

        while (done < len) {
                ssize_t n = write(s->fd, p + done, len - done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                break;
                        stream_reset(m, s);
                        return -1;
                }
                done += (size_t) n;
                s->unacked += (uint32_t) n;
        }
        return (ssize_t) done;
}

static void stream_on_writable(wire_mux *m, struct stream *s)
{
        if (s->to_fd.len > 0) {
                ssize_t n = stream_write(m, s, s->to_fd.data + s->to_fd.off, s->to_fd.len);
                if (n < 0)
                        return;
                buf_consume(&s->to_fd, (size_t) n);
        }
        stream_flush_credit(m, s, s->to_fd.len == 0);
        if (s->to_fd.len == 0 && s->peer_shut && !s->wr_shut) {
                shutdown(s->fd, SHUT_WR);
                s->wr_shut = true;
        }
        stream_maybe_done(m, s);
}

static void stream_on_readable(wire_mux *m, struct stream *s)
{
        size_t want = s->send_credit < STREAM_READ_MAX ? s->send_credit : STREAM_READ_MAX;
        uint8_t *hdr;
        ssize_t n;

        if (s->fd_eof || want == 0 || m->congested || m->chan < 0)
                return;
        /* Read straight behind a header in the channel queue: one copy less
         * than reading into a buffer and queueing that. */
        if (buf_reserve(&m->out, WIRE_HEADER_SIZE + want) < 0) {
                stream_reset(m, s);
                return;
        }
        hdr = m->out.data + m->out.off + m->out.len;
        n = read(s->fd, hdr + WIRE_HEADER_SIZE, want);
        if (n < 0) {
                if (errno != EINTR && errno != EAGAIN)
                        stream_reset(m, s);
                return;
        }
        if (n == 0) {
                s->fd_eof = true;
                queue_frame(m, WIRE_SHUT, s->id, NULL, 0);
                stream_maybe_done(m, s);
                return;
        }
        wire_encode_header(hdr, WIRE_DATA, s->id, (uint32_t) n);
        m->out.len += WIRE_HEADER_SIZE + (size_t) n;
        m->stats.bytes_to_channel += WIRE_HEADER_SIZE + (size_t) n;
        s->send_credit -= (uint32_t) n;
        chan_rewatch(m);
        update_congestion(m);
        stream_rewatch(m, s);
}

static void stream_handle(wire_mux *m, struct stream *s, short revents)
{
        uint32_t id = s->id;

        if (revents & (POLLIN | POLLHUP | POLLERR))
                stream_on_readable(m, s);
        s = stream_by_id(m, id);
        if (s && (revents & (POLLOUT | POLLERR)))
                stream_on_writable(m, s);
        s = stream_by_id(m, id);
        if (s && (revents & (POLLHUP | POLLERR)) && s->fd_eof) {
                s->hup = true;
                stream_check_hup(m, s);
        }
}

/* ---- channel input ---- */

static void drop_all_streams(wire_mux *m)
{
        for (unsigned i = 0; i < WIRE_MAX_STREAMS; i++)
                if (m->streams[i])
                        stream_close(m, m->streams[i]);
}

static int on_open(wire_mux *m, uint32_t id)
{
        int fd;

        if (!m->ops->open_stream || stream_by_id(m, id) || (id & WIRE_GUEST_STREAM_BIT) == m->local_bit)
                return -EPROTO;
        if (m->stats.streams_live >= WIRE_MAX_STREAMS)
                return queue_frame(m, WIRE_RESET, id, NULL, 0);
        fd = m->ops->open_stream(m->user, id);
        if (fd < 0)
                return queue_frame(m, WIRE_RESET, id, NULL, 0);
        if (!stream_add(m, id, fd)) {
                close(fd);
                return queue_frame(m, WIRE_RESET, id, NULL, 0);
        }
        return 0;
}

/* DATA payload for S, possibly a piece of a frame: written to the fd right
 * away when nothing is queued before it, the rest queued. */
static void stream_deliver(wire_mux *m, struct stream *s, const uint8_t *p, size_t len)
{
        if (s->to_fd.len == 0) {
                ssize_t n = stream_write(m, s, p, len);
                if (n < 0)
                        return;
                p += n;
                len -= (size_t) n;
        }
        if (len > 0 && buf_append(&s->to_fd, p, len) < 0) {
                stream_reset(m, s);
                return;
        }
        stream_rewatch(m, s);
}

/* A DATA frame of LENGTH bytes for S starts; its payload follows. */
static int on_data_start(const struct stream *s, uint32_t length)
{
        if (!s)
                return 0; /* in flight when we reset it */
        if (s->peer_shut || s->to_fd.len + s->unacked + length > WIRE_WINDOW)
                return -EPROTO;
        return 0;
}

/* The whole frame was delivered: grant credit, finish a half-close. */
static void on_data_end(wire_mux *m, struct stream *s)
{
        if (s)
                stream_on_writable(m, s);
}

static int on_data(wire_mux *m, struct stream *s, const struct wire_frame *f)
{
        int r = on_data_start(s, f->length);

        if (r < 0 || !s)
                return r;
        stream_deliver(m, s, f->payload, f->length);
        on_data_end(m, stream_by_id(m, f->stream));
        return 0;
}

static uint32_t payload_u32(const struct wire_frame *f)
{
        const uint8_t *p = f->payload;
        return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

static int on_credit(wire_mux *m, struct stream *s, const struct wire_frame *f)
{
        uint32_t add = payload_u32(f);

        if (!s)
                return 0;
        if ((uint64_t) s->send_credit + add > WIRE_WINDOW)
                return -EPROTO;
        s->send_credit += add;
        stream_rewatch(m, s);
        stream_check_hup(m, s);
        return 0;
}

static int on_control(wire_mux *m, const struct wire_frame *f)
{
        struct wire_control c;

        if (!m->ops->control || wire_control_decode(f->payload, f->length, &c) < 0)
                return -EPROTO;
        m->ops->control(m->user, &c);
        return 0;
}

static int on_frame(wire_mux *m, const struct wire_frame *f)
{
        struct stream *s = f->stream ? stream_by_id(m, f->stream) : NULL;

        switch (f->type) {
        case WIRE_HELLO:
                if (payload_u32(f) != WIRE_VERSION)
                        return -EPROTONOSUPPORT;
                drop_all_streams(m);
                return 0;
        case WIRE_OPEN:
                return on_open(m, f->stream);
        case WIRE_DATA:
                return on_data(m, s, f);
        case WIRE_SHUT:
                if (s && !s->peer_shut) {
                        s->peer_shut = true;
                        stream_on_writable(m, s);
                }
                return 0;
        case WIRE_RESET:
                if (s)
                        stream_close(m, s);
                return 0;
        case WIRE_CREDIT:
                return on_credit(m, s, f);
        case WIRE_CONTROL:
                return on_control(m, f);
        default:
                return -EPROTO;
        }
}

static void channel_fail(wire_mux *m, int err)
{
        wire_mux_detach_channel(m);
        if (m->ops->channel_down)
                m->ops->channel_down(m->user, err);
}

/* Passes LEN bytes of the current DATA frame's payload through; returns
 * how many it took. */
static size_t channel_pass_data(wire_mux *m, const uint8_t *p, size_t len)
{
        size_t take = len < m->data_left ? len : m->data_left;
        struct stream *s = stream_by_id(m, m->data_stream);

        if (s)
                stream_deliver(m, s, p, take);
        m->data_left -= (uint32_t) take;
        if (m->data_left == 0)
                on_data_end(m, stream_by_id(m, m->data_stream));
        return take;
}

/* At a frame boundary with a whole DATA header in IN: start passing its
 * payload through.  Returns the header size, 0 if IN does not start such a
 * frame (the decoder takes it), or -errno. */
static ssize_t channel_start_data(wire_mux *m, const uint8_t *in, size_t len)
{
        struct wire_frame f;
        int r;

        if (m->dec.have != 0 || len < WIRE_HEADER_SIZE || in[2] != WIRE_DATA)
                return 0;
        r = wire_decode_header(in, &f);
        if (r < 0)
                return r;
        r = on_data_start(stream_by_id(m, f.stream), f.length);
        if (r < 0)
                return r;
        m->data_stream = f.stream;
        m->data_left = f.length;
        return WIRE_HEADER_SIZE;
}

static int channel_consume(wire_mux *m, const uint8_t *in, size_t n)
{
        size_t pos = 0;

        while (pos < n) {
                struct wire_frame f;
                int ready, r;
                ssize_t used;

                if (m->data_left > 0) {
                        pos += channel_pass_data(m, in + pos, n - pos);
                } else if ((used = channel_start_data(m, in + pos, n - pos)) != 0) {
                        if (used < 0)
                                return (int) used;
                        pos += (size_t) used;
                } else {
                        used = wire_decoder_feed(&m->dec, in + pos, n - pos, &f, &ready);
                        if (used < 0)
                                return (int) used;
                        pos += (size_t) used;
                        if (!ready)
                                continue;
                        r = on_frame(m, &f);
                        if (r < 0)
                                return r;
                        m->dec.have = 0; /* handed out and done with */
                }
                if (m->chan < 0)
                        return -ECONNRESET;
        }
        return 0;
}

static void channel_on_readable(wire_mux *m)
{
        uint8_t tmp[CHAN_READ_MAX];
        size_t got = 0;
        int err = 0, r;

        /* Gather several port buffers, so stream writes are large too. */
        while (got < sizeof(tmp)) {
                ssize_t n = read(m->chan, tmp + got, sizeof(tmp) - got);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                err = -errno;
                        break;
                }
                if (n == 0) {
                        err = -ECONNRESET;
                        break;
                }
                got += (size_t) n;
        }
        m->stats.bytes_from_channel += got;
        r = channel_consume(m, tmp, got);
        if (r < 0 && m->chan >= 0) {
                channel_fail(m, r);
                return;
        }
        if (err < 0 && m->chan >= 0)
                channel_fail(m, err);
}

static void channel_on_writable(wire_mux *m)
{
        while (m->out.len > 0) {
                ssize_t n = write(m->chan, m->out.data + m->out.off, m->out.len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                channel_fail(m, -errno);
                        break;
                }
                buf_consume(&m->out, (size_t) n);
        }
        if (m->chan < 0)
                return;
        /* A burst (bulk uploads, hundreds of streams) may have grown the
         * queue to megabytes: do not keep them once it has drained. */
        if (m->out.len == 0 && m->out.cap > OUT_KEEP)
                buf_free(&m->out);
        chan_rewatch(m);
        update_congestion(m);
}

/* ---- public API ---- */

wire_mux *wire_mux_new(const struct wire_mux_ops *ops, void *user)
{
        wire_mux *m = calloc(1, sizeof(*m));

        if (!m)
                return NULL;
        m->ops = ops;
        m->user = user;
        m->chan = -1;
        m->next_id = 1;
        wire_decoder_init(&m->dec);
        return m;
}

wire_mux *wire_mux_free(wire_mux *m)
{
        if (!m)
                return NULL;
        wire_mux_detach_channel(m);
        buf_free(&m->out);
        free(m);
        return NULL;
}

int wire_mux_attach_channel(wire_mux *m, int fd, int send_hello)
{
        wire_mux_detach_channel(m);
        m->chan = fd;
        m->chan_events = 0;
        wire_decoder_init(&m->dec);
        m->data_left = 0;
        chan_rewatch(m);
        if (send_hello)
                return queue_u32(m, WIRE_HELLO, 0, WIRE_VERSION);
        return 0;
}

void wire_mux_detach_channel(wire_mux *m)
{
        drop_all_streams(m);
        if (m->chan >= 0) {
                m->ops->watch(m->user, m->chan, 0);
                close(m->chan);
                m->chan = -1;
        }
        buf_free(&m->out);
        m->congested = false;
}

int wire_mux_has_channel(const wire_mux *m)
{
        return m->chan >= 0;
}

int64_t wire_mux_open_stream(wire_mux *m, int fd)
{
        uint32_t id;
        int r;

        if (m->chan < 0 || m->stats.streams_live >= WIRE_MAX_STREAMS) {
                close(fd);
                return m->chan < 0 ? -ENOTCONN : -EMFILE;
        }
        do
                id = (m->next_id++ & ~WIRE_GUEST_STREAM_BIT) | m->local_bit;
        while ((id & ~WIRE_GUEST_STREAM_BIT) == 0 || stream_by_id(m, id));
        r = queue_frame(m, WIRE_OPEN, id, NULL, 0);
        if (r < 0 || !stream_add(m, id, fd)) {
                close(fd);
                return r < 0 ? r : -ENOMEM;
        }
        return id;
}

void wire_mux_set_guest_side(wire_mux *m)
{
        m->local_bit = WIRE_GUEST_STREAM_BIT;
}

int wire_mux_send_control(wire_mux *m, const struct wire_control *c)
{
        uint8_t buf[5 + WIRE_CONTROL_MAX_BODY];
        ssize_t n = wire_control_encode(c, buf, sizeof(buf));

        if (n < 0)
                return (int) n;
        return queue_frame(m, WIRE_CONTROL, 0, buf, (uint32_t) n);
}

void wire_mux_handle(wire_mux *m, int fd, short revents)
{
        struct stream *s;

        if (fd == m->chan) {
                if (revents & (POLLIN | POLLHUP | POLLERR))
                        channel_on_readable(m);
                if (m->chan >= 0 && (revents & POLLOUT || m->out.len > 0))
                        channel_on_writable(m);
                return;
        }
        s = stream_by_fd(m, fd);
        if (s)
                stream_handle(m, s, revents);
        /* Write what this event queued now rather than after another poll:
         * a non-blocking write that finds the channel full just waits. */
        if (m->chan >= 0 && m->out.len > 0)
                channel_on_writable(m);
}

void wire_mux_get_stats(const wire_mux *m, struct wire_mux_stats *ret)
{
        *ret = m->stats;
}
