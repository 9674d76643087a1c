/* ecivm wire protocol: frame and control-message codecs.  See wire.h. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wire.h"

static void put_u32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t) (v >> 24);
        p[1] = (uint8_t) (v >> 16);
        p[2] = (uint8_t) (v >> 8);
        p[3] = (uint8_t) v;
}

static uint32_t get_u32(const uint8_t *p)
{
        return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

const char *wire_frame_type_name(uint8_t type)
{
        switch (type) {
        case WIRE_HELLO: return "hello";
        case WIRE_OPEN: return "open";
        case WIRE_DATA: return "data";
        case WIRE_SHUT: return "shut";
        case WIRE_RESET: return "reset";
        case WIRE_CREDIT: return "credit";
        case WIRE_CONTROL: return "control";
        default: return NULL;
        }
}

static int frame_shape_ok(uint8_t type, uint32_t stream, uint32_t length)
{
        if (length > WIRE_MAX_PAYLOAD)
                return -EMSGSIZE;
        switch (type) {
        case WIRE_HELLO:
                return stream == 0 && length == 4 ? 0 : -EPROTO;
        case WIRE_CONTROL:
                return stream == 0 && length >= 5 ? 0 : -EPROTO;
        case WIRE_OPEN:
        case WIRE_SHUT:
        case WIRE_RESET:
                return stream != 0 && length == 0 ? 0 : -EPROTO;
        case WIRE_DATA:
                return stream != 0 && length > 0 ? 0 : -EPROTO;
        case WIRE_CREDIT:
                return stream != 0 && length == 4 ? 0 : -EPROTO;
        default:
                return -EPROTO;
        }
}

int wire_encode_header(uint8_t out[WIRE_HEADER_SIZE], uint8_t type, uint32_t stream, uint32_t length)
{
        if (frame_shape_ok(type, stream, length) < 0)
                return -EINVAL;
        out[0] = WIRE_MAGIC;
        out[1] = WIRE_VERSION;
        out[2] = type;
        out[3] = 0;
        put_u32(out + 4, stream);
        put_u32(out + 8, length);
        return 0;
}

int wire_decode_header(const uint8_t in[WIRE_HEADER_SIZE], struct wire_frame *f)
{
        int r;

        if (in[0] != WIRE_MAGIC || in[1] != WIRE_VERSION || in[3] != 0)
                return -EPROTO;
        f->type = in[2];
        f->stream = get_u32(in + 4);
        f->length = get_u32(in + 8);
        f->payload = NULL;
        r = frame_shape_ok(f->type, f->stream, f->length);
        return r;
}

void wire_decoder_init(struct wire_decoder *d)
{
        d->have = 0;
        d->error = 0;
}

static size_t decoder_need(const struct wire_decoder *d)
{
        if (d->have < WIRE_HEADER_SIZE)
                return WIRE_HEADER_SIZE;
        return WIRE_HEADER_SIZE + get_u32(d->buf + 8);
}

ssize_t wire_decoder_feed(struct wire_decoder *d, const uint8_t *in, size_t len, struct wire_frame *f, int *ready)
{
        size_t used = 0;

        *ready = 0;
        if (d->error)
                return d->error;
        if (d->have >= WIRE_HEADER_SIZE && d->have == decoder_need(d))
                d->have = 0; /* the previous frame was handed out */

        while (used < len) {
                size_t need = decoder_need(d);
                size_t take = need - d->have;

                if (take > len - used)
                        take = len - used;
                memcpy(d->buf + d->have, in + used, take);
                d->have += take;
                used += take;

                if (d->have == WIRE_HEADER_SIZE) {
                        int r = wire_decode_header(d->buf, f);
                        if (r < 0)
                                return d->error = r;
                }
                if (d->have >= WIRE_HEADER_SIZE && d->have == decoder_need(d)) {
                        wire_decode_header(d->buf, f);
                        f->payload = d->buf + WIRE_HEADER_SIZE;
                        *ready = 1;
                        break;
                }
        }
        return (ssize_t) used;
}

/* ---- control messages ---- */

static const struct {
        uint8_t verb;
        const char *name;
} verbs[] = {
        { WIRE_V_BOOTED, "booted" },     { WIRE_V_READY, "ready" },       { WIRE_V_FAILURE, "failure" },
        { WIRE_V_EVENT, "event" },       { WIRE_V_REPLY, "reply" },       { WIRE_V_STATUS, "status" },
        { WIRE_V_SHUTDOWN, "shutdown" }, { WIRE_V_PING, "ping" },
        { WIRE_V_EVIDENCE, "evidence" }, { WIRE_V_EVIDENCE_REPLY, "evidence-reply" },
        { WIRE_V_SETTINGS, "settings" },
};

const char *wire_verb_name(uint8_t verb)
{
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
                if (verbs[i].verb == verb)
                        return verbs[i].name;
        return NULL;
}

int wire_verb_from_name(const char *name)
{
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
                if (strcmp(verbs[i].name, name) == 0)
                        return verbs[i].verb;
        return -EINVAL;
}

static int key_ok(const char *k, size_t len)
{
        if (len == 0 || len >= sizeof(((struct wire_field *) 0)->key))
                return 0;
        for (size_t i = 0; i < len; i++) {
                char c = k[i];
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
                        return 0;
        }
        return 1;
}

static int value_ok(const char *v, size_t len)
{
        if (len >= sizeof(((struct wire_field *) 0)->value))
                return 0;
        for (size_t i = 0; i < len; i++)
                if (v[i] == '\0' || v[i] == '\n')
                        return 0;
        return 1;
}

int wire_control_add(struct wire_control *c, const char *key, const char *value)
{
        size_t kl = strlen(key), vl = strlen(value);

        if (!key_ok(key, kl) || !value_ok(value, vl))
                return -EINVAL;
        if (c->n_fields >= WIRE_CONTROL_MAX_FIELDS)
                return -E2BIG;
        memcpy(c->fields[c->n_fields].key, key, kl + 1);
        memcpy(c->fields[c->n_fields].value, value, vl + 1);
        c->n_fields++;
        return 0;
}

const char *wire_control_get(const struct wire_control *c, const char *key)
{
        for (unsigned i = 0; i < c->n_fields; i++)
                if (strcmp(c->fields[i].key, key) == 0)
                        return c->fields[i].value;
        return NULL;
}

static int text_key(char *out, size_t cap, const char *name, const char *suffix, unsigned index, int indexed)
{
        int n = indexed ? snprintf(out, cap, "%s.%u", name, index) : snprintf(out, cap, "%s%s", name, suffix);

        return n > 0 && (size_t) n < cap && key_ok(out, (size_t) n) ? 0 : -EINVAL;
}

int wire_control_add_text(struct wire_control *c, const char *name, const char *text)
{
        size_t len = strlen(text);
        char key[64], num[32], chunk[WIRE_TEXT_CHUNK + 1];
        int r;

        if (text_key(key, sizeof(key), name, "_len", 0, 0) < 0 || memchr(text, '\n', len))
                return -EINVAL;
        snprintf(num, sizeof(num), "%zu", len);
        r = wire_control_add(c, key, num);
        for (unsigned i = 0; r == 0 && (size_t) i * WIRE_TEXT_CHUNK < len; i++) {
                size_t off = (size_t) i * WIRE_TEXT_CHUNK, n = len - off < WIRE_TEXT_CHUNK ? len - off : WIRE_TEXT_CHUNK;

                memcpy(chunk, text + off, n);
                chunk[n] = '\0';
                r = text_key(key, sizeof(key), name, NULL, i, 1);
                if (r == 0)
                        r = wire_control_add(c, key, chunk);
        }
        return r;
}

ssize_t wire_control_get_text(const struct wire_control *c, const char *name, char *out, size_t cap)
{
        char key[64], *end;
        const char *len_s;
        unsigned long long len;
        size_t got = 0;

        if (text_key(key, sizeof(key), name, "_len", 0, 0) < 0)
                return -EINVAL;
        len_s = wire_control_get(c, key);
        if (!len_s)
                return -ENOENT;
        errno = 0;
        len = strtoull(len_s, &end, 10);
        if (errno || end == len_s || *end || len_s[0] == '-' || len_s[0] == '+')
                return -EPROTO;
        if (len >= cap)
                return -E2BIG;
        for (unsigned i = 0; got < len; i++) {
                const char *chunk;
                size_t n;

                if (text_key(key, sizeof(key), name, NULL, i, 1) < 0 || !(chunk = wire_control_get(c, key)))
                        return -EPROTO;
                n = strlen(chunk);
                if (n == 0 || n > WIRE_TEXT_CHUNK || got + n > len || (n < WIRE_TEXT_CHUNK && got + n != len))
                        return -EPROTO;
                memcpy(out + got, chunk, n);
                got += n;
        }
        if (text_key(key, sizeof(key), name, NULL, (unsigned) ((len + WIRE_TEXT_CHUNK - 1) / WIRE_TEXT_CHUNK), 1) < 0 ||
            wire_control_get(c, key))
                return -EPROTO; /* a chunk beyond the length */
        out[got] = '\0';
        return (ssize_t) got;
}

ssize_t wire_control_encode(const struct wire_control *c, uint8_t *out, size_t cap)
{
        size_t n = 5;

        if (!wire_verb_name(c->verb) || cap < 5)
                return -EINVAL;
        out[0] = c->verb;
        put_u32(out + 1, c->id);
        for (unsigned i = 0; i < c->n_fields; i++) {
                size_t kl = strlen(c->fields[i].key), vl = strlen(c->fields[i].value);
                if (n + kl + vl + 2 > cap || n + kl + vl + 2 - 5 > WIRE_CONTROL_MAX_BODY)
                        return -E2BIG;
                memcpy(out + n, c->fields[i].key, kl);
                out[n + kl] = '=';
                memcpy(out + n + kl + 1, c->fields[i].value, vl);
                out[n + kl + 1 + vl] = '\n';
                n += kl + vl + 2;
        }
        return (ssize_t) n;
}

static int decode_line(struct wire_control *c, const uint8_t *line, size_t len)
{
        const uint8_t *eq = memchr(line, '=', len);
        size_t kl, vl;

        if (!eq || c->n_fields >= WIRE_CONTROL_MAX_FIELDS)
                return -EPROTO;
        kl = (size_t) (eq - line);
        vl = len - kl - 1;
        if (!key_ok((const char *) line, kl) || !value_ok((const char *) eq + 1, vl))
                return -EPROTO;
        memcpy(c->fields[c->n_fields].key, line, kl);
        c->fields[c->n_fields].key[kl] = '\0';
        memcpy(c->fields[c->n_fields].value, eq + 1, vl);
        c->fields[c->n_fields].value[vl] = '\0';
        c->n_fields++;
        return 0;
}

int wire_control_decode(const uint8_t *in, size_t len, struct wire_control *c)
{
        size_t pos = 5;

        if (len < 5 || len - 5 > WIRE_CONTROL_MAX_BODY || !wire_verb_name(in[0]))
                return -EPROTO;
        c->verb = in[0];
        c->id = get_u32(in + 1);
        c->n_fields = 0;
        while (pos < len) {
                const uint8_t *nl = memchr(in + pos, '\n', len - pos);
                int r;

                if (!nl)
                        return -EPROTO; /* every line is newline-terminated */
                r = decode_line(c, in + pos, (size_t) (nl - (in + pos)));
                if (r < 0)
                        return r;
                pos = (size_t) (nl - in) + 1;
        }
        return 0;
}

/* The channel fds are non-blocking, and a frame must never be left half
 * written, so wait for room instead of giving up mid-frame. */
static int write_all(int fd, const uint8_t *p, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        struct pollfd pfd = { .fd = fd, .events = POLLOUT };
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                return -errno;
                        n = poll(&pfd, 1, 5000);
                        if (n == 0)
                                return -ETIMEDOUT;
                        if (n < 0 && errno != EINTR)
                                return -errno;
                        /* a virtio port with no host reports HUP, never room */
                        if (n > 0 && (pfd.revents & (POLLHUP | POLLERR)) && !(pfd.revents & POLLOUT))
                                return -ENOTCONN;
                        continue;
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

int wire_write_frame_fd(int fd, uint8_t type, uint32_t stream, const void *payload, uint32_t len)
{
        uint8_t buf[WIRE_HEADER_SIZE + WIRE_MAX_PAYLOAD];
        int r = wire_encode_header(buf, type, stream, len);

        if (r < 0)
                return r;
        if (len > 0)
                memcpy(buf + WIRE_HEADER_SIZE, payload, len);
        return write_all(fd, buf, WIRE_HEADER_SIZE + (size_t) len);
}

int wire_send_control_fd(int fd, const struct wire_control *c)
{
        uint8_t buf[5 + WIRE_CONTROL_MAX_BODY];
        ssize_t n = wire_control_encode(c, buf, sizeof(buf));

        if (n < 0)
                return (int) n;
        return wire_write_frame_fd(fd, WIRE_CONTROL, 0, buf, (uint32_t) n);
}
