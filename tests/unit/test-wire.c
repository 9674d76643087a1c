/* Unit tests for the wire codecs (wire/wire.c): frame headers, the
 * incremental decoder, golden encodings and control messages. */
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
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "golden-regen.h"
#include "wire.h"

#ifndef GOLDEN_DIR
#error "GOLDEN_DIR must point at tests/unit/golden"
#endif

/* ---- helpers ---- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
        /* xorshift64*: deterministic chunking for a given seed */
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * 2685821657736338717ull;
}

static void put_be32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t) (v >> 24);
        p[1] = (uint8_t) (v >> 16);
        p[2] = (uint8_t) (v >> 8);
        p[3] = (uint8_t) v;
}

/* A raw header, bypassing the encoder's checks. */
static void raw_header(uint8_t out[WIRE_HEADER_SIZE], uint8_t magic, uint8_t version, uint8_t type, uint8_t flags,
                       uint32_t stream, uint32_t length)
{
        out[0] = magic;
        out[1] = version;
        out[2] = type;
        out[3] = flags;
        put_be32(out + 4, stream);
        put_be32(out + 8, length);
}

static int decode_raw(uint8_t magic, uint8_t version, uint8_t type, uint8_t flags, uint32_t stream, uint32_t length)
{
        uint8_t h[WIRE_HEADER_SIZE];
        struct wire_frame f;

        raw_header(h, magic, version, type, flags, stream, length);
        return wire_decode_header(h, &f);
}

/* ---- headers ---- */

struct shape {
        uint8_t type;
        uint32_t stream;
        uint32_t length;
};

static const struct shape valid_shapes[] = {
        { WIRE_HELLO, 0, 4 },
        { WIRE_OPEN, 1, 0 },
        { WIRE_OPEN, 0xffffffffu, 0 },
        { WIRE_DATA, 7, 1 },
        { WIRE_DATA, 0x01020304u, WIRE_MAX_PAYLOAD },
        { WIRE_SHUT, 3, 0 },
        { WIRE_RESET, 0x80000000u, 0 },
        { WIRE_CREDIT, 9, 4 },
        { WIRE_CONTROL, 0, 5 },
        { WIRE_CONTROL, 0, WIRE_MAX_PAYLOAD },
};

static void test_header_roundtrip(void **state)
{
        (void) state;
        for (size_t i = 0; i < sizeof(valid_shapes) / sizeof(valid_shapes[0]); i++) {
                const struct shape *s = &valid_shapes[i];
                uint8_t h[WIRE_HEADER_SIZE], want[WIRE_HEADER_SIZE];
                struct wire_frame f;

                memset(h, 0xaa, sizeof(h));
                assert_int_equal(wire_encode_header(h, s->type, s->stream, s->length), 0);
                raw_header(want, WIRE_MAGIC, WIRE_VERSION, s->type, 0, s->stream, s->length);
                assert_memory_equal(h, want, WIRE_HEADER_SIZE);

                memset(&f, 0x55, sizeof(f));
                assert_int_equal(wire_decode_header(h, &f), 0);
                assert_int_equal(f.type, s->type);
                assert_int_equal(f.stream, s->stream);
                assert_int_equal(f.length, s->length);
                assert_null(f.payload);
        }
}

static void test_header_every_type_named(void **state)
{
        (void) state;
        for (unsigned t = WIRE_HELLO; t <= WIRE_CONTROL; t++)
                assert_non_null(wire_frame_type_name((uint8_t) t));
        assert_string_equal(wire_frame_type_name(WIRE_CREDIT), "credit");
        assert_null(wire_frame_type_name(0));
        assert_null(wire_frame_type_name(8));
        assert_null(wire_frame_type_name(255));
}

struct bad_shape {
        uint8_t type;
        uint32_t stream;
        uint32_t length;
        int err;
};

static const struct bad_shape bad_shapes[] = {
        /* unknown types */
        { 0, 1, 0, -EPROTO },
        { 8, 1, 0, -EPROTO },
        { 0xff, 0, 4, -EPROTO },
        /* stream 0 on stream frames */
        { WIRE_OPEN, 0, 0, -EPROTO },
        { WIRE_DATA, 0, 1, -EPROTO },
        { WIRE_SHUT, 0, 0, -EPROTO },
        { WIRE_RESET, 0, 0, -EPROTO },
        { WIRE_CREDIT, 0, 4, -EPROTO },
        /* non-zero stream on session frames */
        { WIRE_HELLO, 1, 4, -EPROTO },
        { WIRE_CONTROL, 1, 5, -EPROTO },
        /* lengths */
        { WIRE_DATA, 1, 0, -EPROTO },
        { WIRE_CREDIT, 1, 0, -EPROTO },
        { WIRE_CREDIT, 1, 3, -EPROTO },
        { WIRE_CREDIT, 1, 5, -EPROTO },
        { WIRE_HELLO, 0, 0, -EPROTO },
        { WIRE_HELLO, 0, 8, -EPROTO },
        { WIRE_OPEN, 1, 1, -EPROTO },
        { WIRE_SHUT, 1, 4, -EPROTO },
        { WIRE_RESET, 1, 4, -EPROTO },
        { WIRE_CONTROL, 0, 4, -EPROTO },
        /* too large: -EMSGSIZE whatever the type */
        { WIRE_DATA, 1, WIRE_MAX_PAYLOAD + 1, -EMSGSIZE },
        { WIRE_DATA, 1, 0xffffffffu, -EMSGSIZE },
        { WIRE_CONTROL, 0, WIRE_MAX_PAYLOAD + 1, -EMSGSIZE },
};

static void test_header_refusals(void **state)
{
        (void) state;
        for (size_t i = 0; i < sizeof(bad_shapes) / sizeof(bad_shapes[0]); i++) {
                const struct bad_shape *b = &bad_shapes[i];
                uint8_t h[WIRE_HEADER_SIZE];

                int dr = decode_raw(WIRE_MAGIC, WIRE_VERSION, b->type, 0, b->stream, b->length);
                /* the encoder refuses the same shapes, always with -EINVAL */
                int er = wire_encode_header(h, b->type, b->stream, b->length);

                if (dr != b->err || er != -EINVAL)
                        fail_msg("bad shape %zu (type %u stream %u length %u): decode %d (want %d), encode %d",
                                 i, b->type, b->stream, b->length, dr, b->err, er);
        }
}

static void test_header_bad_prefix(void **state)
{
        (void) state;
        assert_int_equal(decode_raw(WIRE_MAGIC, WIRE_VERSION, WIRE_OPEN, 0, 1, 0), 0);
        assert_int_equal(decode_raw(0x00, WIRE_VERSION, WIRE_OPEN, 0, 1, 0), -EPROTO);
        assert_int_equal(decode_raw(0xED, WIRE_VERSION, WIRE_OPEN, 0, 1, 0), -EPROTO);
        assert_int_equal(decode_raw(WIRE_MAGIC, 0, WIRE_OPEN, 0, 1, 0), -EPROTO);
        assert_int_equal(decode_raw(WIRE_MAGIC, 2, WIRE_OPEN, 0, 1, 0), -EPROTO);
        for (unsigned fl = 1; fl < 256; fl <<= 1)
                assert_int_equal(decode_raw(WIRE_MAGIC, WIRE_VERSION, WIRE_OPEN, (uint8_t) fl, 1, 0), -EPROTO);
        /* bad prefix wins over a too-large length */
        assert_int_equal(decode_raw(0, WIRE_VERSION, WIRE_DATA, 0, 1, 0xffffffffu), -EPROTO);
}

/* ---- incremental decoder ---- */

struct frame_copy {
        uint8_t type;
        uint32_t stream;
        uint32_t length;
        uint8_t *payload;
};

struct frame_list {
        struct frame_copy *v;
        size_t n, cap;
};

static void frame_list_push(struct frame_list *l, const struct wire_frame *f)
{
        struct frame_copy *c;

        if (l->n == l->cap) {
                l->cap = l->cap ? 2 * l->cap : 16;
                l->v = realloc(l->v, l->cap * sizeof(*l->v));
                assert_non_null(l->v);
        }
        c = &l->v[l->n++];
        c->type = f->type;
        c->stream = f->stream;
        c->length = f->length;
        c->payload = malloc(f->length ? f->length : 1);
        assert_non_null(c->payload);
        if (f->length) {
                assert_non_null(f->payload);
                memcpy(c->payload, f->payload, f->length);
        }
}

static void frame_list_free(struct frame_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i].payload);
        free(l->v);
        *l = (struct frame_list) { 0 };
}

struct byte_buf {
        uint8_t *p;
        size_t len, cap;
};

static void bb_add(struct byte_buf *b, const void *p, size_t n)
{
        if (b->len + n > b->cap) {
                b->cap = (b->len + n) * 2;
                b->p = realloc(b->p, b->cap);
                assert_non_null(b->p);
        }
        memcpy(b->p + b->len, p, n);
        b->len += n;
}

static void bb_frame(struct byte_buf *b, uint8_t type, uint32_t stream, const void *payload, uint32_t len)
{
        uint8_t h[WIRE_HEADER_SIZE];

        assert_int_equal(wire_encode_header(h, type, stream, len), 0);
        bb_add(b, h, sizeof(h));
        if (len)
                bb_add(b, payload, len);
}

/* A varied sequence: every type, a max-size DATA, zero-length frames back
 * to back, a CONTROL; returns the expected frames too. */
static void build_sequence(struct byte_buf *b, struct frame_list *want)
{
        static uint8_t big[WIRE_MAX_PAYLOAD];
        uint8_t u[4], ctl[64];
        struct wire_control c = { .verb = WIRE_V_EVENT, .id = 42 };
        ssize_t cl;
        struct wire_frame f;
        size_t start;

        for (size_t i = 0; i < sizeof(big); i++)
                big[i] = (uint8_t) (i * 7 + (i >> 8));
        assert_int_equal(wire_control_add(&c, "service", "dockerd"), 0);
        assert_int_equal(wire_control_add(&c, "state", "restarted"), 0);
        cl = wire_control_encode(&c, ctl, sizeof(ctl));
        assert_true(cl > 5);

        put_be32(u, WIRE_VERSION);
        bb_frame(b, WIRE_HELLO, 0, u, 4);
        bb_frame(b, WIRE_OPEN, 1, NULL, 0);
        bb_frame(b, WIRE_OPEN, 2, NULL, 0);
        bb_frame(b, WIRE_DATA, 1, "hello", 5);
        bb_frame(b, WIRE_DATA, 2, big, WIRE_MAX_PAYLOAD);
        put_be32(u, 65536);
        bb_frame(b, WIRE_CREDIT, 1, u, 4);
        bb_frame(b, WIRE_CONTROL, 0, ctl, (uint32_t) cl);
        bb_frame(b, WIRE_DATA, 2, big + 100, 1);
        bb_frame(b, WIRE_SHUT, 1, NULL, 0);
        bb_frame(b, WIRE_RESET, 2, NULL, 0);
        bb_frame(b, WIRE_DATA, 0xfffffffeu, big, 1000);

        /* the expected list, from the encoded bytes themselves */
        start = 0;
        while (start < b->len) {
                assert_int_equal(wire_decode_header(b->p + start, &f), 0);
                f.payload = b->p + start + WIRE_HEADER_SIZE;
                frame_list_push(want, &f);
                start += WIRE_HEADER_SIZE + f.length;
        }
        assert_int_equal(start, b->len);
        assert_int_equal(want->n, 11);
}

/* Feed IN in chunks given by NEXT_CHUNK (0 = rest). */
static void decode_chunked(const uint8_t *in, size_t len, size_t (*next_chunk)(size_t left), struct frame_list *got)
{
        struct wire_decoder *d = malloc(sizeof(*d));
        size_t pos = 0;

        assert_non_null(d);
        wire_decoder_init(d);
        while (pos < len) {
                size_t chunk = next_chunk(len - pos);
                size_t cpos = 0;

                if (chunk == 0 || chunk > len - pos)
                        chunk = len - pos;
                /* a chunk may hold several frames: feed until consumed */
                while (cpos < chunk) {
                        struct wire_frame f;
                        int ready = -1;
                        ssize_t n = wire_decoder_feed(d, in + pos + cpos, chunk - cpos, &f, &ready);

                        assert_true(n > 0);
                        assert_true(ready == 0 || ready == 1);
                        cpos += (size_t) n;
                        if (ready)
                                frame_list_push(got, &f);
                }
                pos += chunk;
        }
        assert_int_equal(d->error, 0);
        free(d);
}

static size_t chunk_whole(size_t left)
{
        return left;
}

static size_t chunk_byte(size_t left)
{
        (void) left;
        return 1;
}

static size_t chunk_random(size_t left)
{
        /* mostly small chunks, sometimes large ones */
        uint64_t r = rng_next();
        size_t max = (r & 3) == 0 ? 70000 : (r & 3) == 1 ? 13 : 300;
        size_t c = 1 + (size_t) ((r >> 8) % max);
        return c < left ? c : left;
}

static void assert_same_frames(const struct frame_list *a, const struct frame_list *b)
{
        assert_int_equal(a->n, b->n);
        for (size_t i = 0; i < a->n; i++) {
                assert_int_equal(a->v[i].type, b->v[i].type);
                assert_int_equal(a->v[i].stream, b->v[i].stream);
                assert_int_equal(a->v[i].length, b->v[i].length);
                if (a->v[i].length)
                        assert_memory_equal(a->v[i].payload, b->v[i].payload, a->v[i].length);
        }
}

static void test_decoder_whole(void **state)
{
        struct byte_buf b = { 0 };
        struct frame_list want = { 0 }, got = { 0 };

        (void) state;
        build_sequence(&b, &want);
        decode_chunked(b.p, b.len, chunk_whole, &got);
        assert_same_frames(&want, &got);
        frame_list_free(&want);
        frame_list_free(&got);
        free(b.p);
}

static void test_decoder_bytewise(void **state)
{
        struct byte_buf b = { 0 };
        struct frame_list want = { 0 }, got = { 0 };

        (void) state;
        build_sequence(&b, &want);
        decode_chunked(b.p, b.len, chunk_byte, &got);
        assert_same_frames(&want, &got);
        frame_list_free(&want);
        frame_list_free(&got);
        free(b.p);
}

static void test_decoder_random_chunks(void **state)
{
        struct byte_buf b = { 0 };
        struct frame_list want = { 0 };

        (void) state;
        build_sequence(&b, &want);
        for (uint64_t seed = 1; seed <= 200; seed++) {
                struct frame_list got = { 0 };

                rng_state = seed * 0x9e3779b97f4a7c15ull;
                decode_chunked(b.p, b.len, chunk_random, &got);
                assert_same_frames(&want, &got);
                frame_list_free(&got);
        }
        frame_list_free(&want);
        free(b.p);
}

/* The frame handed out stays valid until the next call, and a zero-length
 * feed after a complete frame neither re-announces it nor breaks state. */
static void test_decoder_frame_lifetime(void **state)
{
        struct wire_decoder *d = malloc(sizeof(*d));
        struct byte_buf b = { 0 };
        struct wire_frame f;
        int ready;

        (void) state;
        assert_non_null(d);
        wire_decoder_init(d);
        bb_frame(&b, WIRE_DATA, 5, "abc", 3);
        bb_frame(&b, WIRE_OPEN, 6, NULL, 0);
        assert_int_equal(wire_decoder_feed(d, b.p, b.len, &f, &ready), WIRE_HEADER_SIZE + 3);
        assert_int_equal(ready, 1);
        assert_int_equal(f.type, WIRE_DATA);
        assert_memory_equal(f.payload, "abc", 3);
        assert_int_equal(wire_decoder_feed(d, b.p, 0, &f, &ready), 0);
        assert_int_equal(ready, 0);
        assert_int_equal(wire_decoder_feed(d, b.p + 15, b.len - 15, &f, &ready), WIRE_HEADER_SIZE);
        assert_int_equal(ready, 1);
        assert_int_equal(f.type, WIRE_OPEN);
        assert_int_equal(f.stream, 6);
        assert_int_equal(f.length, 0);
        free(b.p);
        free(d);
}

static void test_decoder_sticky(void **state)
{
        struct wire_decoder *d = malloc(sizeof(*d));
        struct byte_buf good = { 0 };
        uint8_t bad[WIRE_HEADER_SIZE];
        struct wire_frame f;
        int ready;

        (void) state;
        assert_non_null(d);
        wire_decoder_init(d);
        bb_frame(&good, WIRE_OPEN, 1, NULL, 0);
        assert_int_equal(wire_decoder_feed(d, good.p, good.len, &f, &ready), WIRE_HEADER_SIZE);
        assert_int_equal(ready, 1);

        /* a bad header split over two feeds */
        raw_header(bad, WIRE_MAGIC, WIRE_VERSION, WIRE_OPEN, 0x01, 1, 0);
        assert_int_equal(wire_decoder_feed(d, bad, 5, &f, &ready), 5);
        assert_int_equal(ready, 0);
        assert_int_equal(wire_decoder_feed(d, bad + 5, 7, &f, &ready), -EPROTO);
        assert_int_equal(ready, 0);
        /* sticky: even a valid frame is refused now, and nothing is consumed */
        assert_int_equal(wire_decoder_feed(d, good.p, good.len, &f, &ready), -EPROTO);
        assert_int_equal(ready, 0);
        assert_int_equal(wire_decoder_feed(d, good.p, 0, &f, &ready), -EPROTO);

        /* -EMSGSIZE is sticky too */
        wire_decoder_init(d);
        raw_header(bad, WIRE_MAGIC, WIRE_VERSION, WIRE_DATA, 0, 1, WIRE_MAX_PAYLOAD + 1);
        assert_int_equal(wire_decoder_feed(d, bad, sizeof(bad), &f, &ready), -EMSGSIZE);
        assert_int_equal(wire_decoder_feed(d, good.p, good.len, &f, &ready), -EMSGSIZE);

        /* bad magic right after a valid frame in the same buffer: the valid
         * frame comes out first, the error on the next call */
        wire_decoder_init(d);
        raw_header(bad, 0x00, WIRE_VERSION, WIRE_OPEN, 0, 1, 0);
        bb_add(&good, bad, sizeof(bad));
        assert_int_equal(wire_decoder_feed(d, good.p, good.len, &f, &ready), WIRE_HEADER_SIZE);
        assert_int_equal(ready, 1);
        assert_int_equal(wire_decoder_feed(d, good.p + WIRE_HEADER_SIZE, WIRE_HEADER_SIZE, &f, &ready), -EPROTO);
        assert_int_equal(ready, 0);

        /* re-init clears the error */
        wire_decoder_init(d);
        assert_int_equal(wire_decoder_feed(d, good.p, WIRE_HEADER_SIZE, &f, &ready), WIRE_HEADER_SIZE);
        assert_int_equal(ready, 1);
        free(good.p);
        free(d);
}

static void test_decoder_max_payload(void **state)
{
        struct wire_decoder *d = malloc(sizeof(*d));
        uint8_t *buf = malloc(2 * (WIRE_HEADER_SIZE + WIRE_MAX_PAYLOAD));
        struct wire_frame f;
        int ready;
        size_t one = WIRE_HEADER_SIZE + WIRE_MAX_PAYLOAD;

        (void) state;
        assert_non_null(d);
        assert_non_null(buf);
        for (int k = 0; k < 2; k++) {
                assert_int_equal(wire_encode_header(buf + k * one, WIRE_DATA, 1u + (uint32_t) k, WIRE_MAX_PAYLOAD), 0);
                for (size_t i = 0; i < WIRE_MAX_PAYLOAD; i++)
                        buf[k * one + WIRE_HEADER_SIZE + i] = (uint8_t) (i ^ (size_t) k * 0x5a);
        }
        wire_decoder_init(d);
        /* both frames in one buffer: the decoder stops after the first */
        assert_int_equal(wire_decoder_feed(d, buf, 2 * one, &f, &ready), (ssize_t) one);
        assert_int_equal(ready, 1);
        assert_int_equal(f.length, WIRE_MAX_PAYLOAD);
        assert_memory_equal(f.payload, buf + WIRE_HEADER_SIZE, WIRE_MAX_PAYLOAD);
        assert_int_equal(wire_decoder_feed(d, buf + one, one, &f, &ready), (ssize_t) one);
        assert_int_equal(ready, 1);
        assert_int_equal(f.stream, 2);
        assert_memory_equal(f.payload, buf + one + WIRE_HEADER_SIZE, WIRE_MAX_PAYLOAD);
        assert_int_equal(d->have, sizeof(d->buf));
        free(buf);
        free(d);
}

/* ---- golden frames ---- */

/* Golden files: hex bytes separated by white space; '#' starts a comment. */
static int read_hex(const char *path, uint8_t *out, size_t cap, size_t *ret_len)
{
        FILE *fp = fopen(path, "re");
        size_t n = 0;
        int c, hi = -1;

        if (!fp)
                return -errno;
        while ((c = fgetc(fp)) != EOF) {
                int v;

                if (c == '#') {
                        while ((c = fgetc(fp)) != EOF && c != '\n')
                                ;
                        continue;
                }
                if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
                        continue;
                if (c >= '0' && c <= '9')
                        v = c - '0';
                else if (c >= 'a' && c <= 'f')
                        v = c - 'a' + 10;
                else if (c >= 'A' && c <= 'F')
                        v = c - 'A' + 10;
                else {
                        fclose(fp);
                        return -EBADMSG;
                }
                if (hi < 0) {
                        hi = v;
                        continue;
                }
                if (n == cap) {
                        fclose(fp);
                        return -E2BIG;
                }
                out[n++] = (uint8_t) (hi << 4 | v);
                hi = -1;
        }
        fclose(fp);
        if (hi >= 0)
                return -EBADMSG;
        *ret_len = n;
        return 0;
}

static void write_hex(const char *path, const char *comment, const uint8_t *p, size_t len)
{
        FILE *fp = fopen(path, "we");

        assert_non_null(fp);
        fprintf(fp, "# %s\n# generated by tests/unit/test-wire (ECIVM_REGENERATE_GOLDEN=1)\n", comment);
        /* header on its own line, then the payload 16 bytes a line */
        for (size_t i = 0; i < len; i++) {
                bool eol = i + 1 == WIRE_HEADER_SIZE || i + 1 == len ||
                           (i >= WIRE_HEADER_SIZE && (i + 1 - WIRE_HEADER_SIZE) % 16 == 0);
                fprintf(fp, "%02x%s", p[i], eol ? "\n" : " ");
        }
        assert_int_equal(fclose(fp), 0);
}

static void check_golden(const char *name, const char *comment, const uint8_t *p, size_t len)
{
        char path[4096];
        uint8_t want[WIRE_HEADER_SIZE + WIRE_MAX_PAYLOAD];
        size_t wlen = 0;

        snprintf(path, sizeof(path), "%s/wire/%s.hex", GOLDEN_DIR, name);
        if (golden_regen_mode()) {
                int same = read_hex(path, want, sizeof(want), &wlen) == 0 && wlen == len && memcmp(want, p, len) == 0;

                if (!same)
                        write_hex(path, comment, p, len);
                golden_regen_note(path, !same);
        }
        if (read_hex(path, want, sizeof(want), &wlen) < 0)
                fail_msg("cannot read golden file %s (run with ECIVM_REGENERATE_GOLDEN=1)", path);
        if (wlen != len || memcmp(want, p, len) != 0)
                fail_msg("%s differs from the encoder output (%zu vs %zu bytes)", path, wlen, len);
}

static size_t encode_frame(uint8_t *out, uint8_t type, uint32_t stream, const void *payload, uint32_t len)
{
        assert_int_equal(wire_encode_header(out, type, stream, len), 0);
        if (len)
                memcpy(out + WIRE_HEADER_SIZE, payload, len);
        return WIRE_HEADER_SIZE + (size_t) len;
}

static void test_golden(void **state)
{
        uint8_t buf[WIRE_HEADER_SIZE + WIRE_MAX_PAYLOAD], u[4], ctl[256];
        struct wire_control c = { .verb = WIRE_V_READY, .id = 7 };
        ssize_t cl;
        size_t n;

        (void) state;
        put_be32(u, WIRE_VERSION);
        n = encode_frame(buf, WIRE_HELLO, 0, u, 4);
        check_golden("hello", "HELLO version 1", buf, n);

        n = encode_frame(buf, WIRE_OPEN, 1, NULL, 0);
        check_golden("open", "OPEN stream 1", buf, n);

        n = encode_frame(buf, WIRE_DATA, 1, "hello", 5);
        check_golden("data-hello", "DATA stream 1 \"hello\"", buf, n);

        n = encode_frame(buf, WIRE_SHUT, 1, NULL, 0);
        check_golden("shut", "SHUT stream 1", buf, n);

        n = encode_frame(buf, WIRE_RESET, 1, NULL, 0);
        check_golden("reset", "RESET stream 1", buf, n);

        put_be32(u, 65536);
        n = encode_frame(buf, WIRE_CREDIT, 1, u, 4);
        check_golden("credit-65536", "CREDIT stream 1 65536", buf, n);

        assert_int_equal(wire_control_add(&c, "api", "1.44"), 0);
        assert_int_equal(wire_control_add(&c, "boot_ms", "812"), 0);
        cl = wire_control_encode(&c, ctl, sizeof(ctl));
        assert_true(cl > 0);
        n = encode_frame(buf, WIRE_CONTROL, 0, ctl, (uint32_t) cl);
        check_golden("control-ready", "CONTROL ready id 7: api=1.44 boot_ms=812", buf, n);

        /* and every golden frame decodes back to what it was made from */
        {
                struct wire_decoder *d = malloc(sizeof(*d));
                struct wire_control back;
                struct wire_frame f;
                int ready;

                assert_non_null(d);
                wire_decoder_init(d);
                assert_int_equal(wire_decoder_feed(d, buf, n, &f, &ready), (ssize_t) n);
                assert_int_equal(ready, 1);
                assert_int_equal(wire_control_decode(f.payload, f.length, &back), 0);
                assert_int_equal(back.verb, WIRE_V_READY);
                assert_int_equal(back.id, 7);
                assert_int_equal(back.n_fields, 2);
                assert_string_equal(wire_control_get(&back, "api"), "1.44");
                assert_string_equal(wire_control_get(&back, "boot_ms"), "812");
                free(d);
        }
}

/* ---- control messages ---- */

static struct wire_control *ctl_new(uint8_t verb, uint32_t id)
{
        struct wire_control *c = calloc(1, sizeof(*c));

        assert_non_null(c);
        c->verb = verb;
        c->id = id;
        return c;
}

static void test_verb_names(void **state)
{
        static const uint8_t all[] = { WIRE_V_BOOTED, WIRE_V_READY,  WIRE_V_FAILURE,  WIRE_V_EVENT,
                                       WIRE_V_REPLY,  WIRE_V_STATUS, WIRE_V_SHUTDOWN, WIRE_V_PING,
                                       WIRE_V_EVIDENCE, WIRE_V_EVIDENCE_REPLY, WIRE_V_SETTINGS };
        (void) state;
        for (size_t i = 0; i < sizeof(all); i++) {
                const char *name = wire_verb_name(all[i]);
                assert_non_null(name);
                assert_int_equal(wire_verb_from_name(name), all[i]);
        }
        assert_null(wire_verb_name(0));
        assert_null(wire_verb_name(7));
        assert_null(wire_verb_name(15));
        assert_null(wire_verb_name(21));
        assert_int_equal(wire_verb_from_name("READY"), -EINVAL);
        assert_int_equal(wire_verb_from_name(""), -EINVAL);
}

static void test_control_roundtrip(void **state)
{
        static const uint8_t all[] = { WIRE_V_BOOTED, WIRE_V_READY,  WIRE_V_FAILURE,  WIRE_V_EVENT,
                                       WIRE_V_REPLY,  WIRE_V_STATUS, WIRE_V_SHUTDOWN, WIRE_V_PING,
                                       WIRE_V_EVIDENCE, WIRE_V_EVIDENCE_REPLY };
        uint8_t *buf = malloc(5 + WIRE_CONTROL_MAX_BODY);
        struct wire_control *back = ctl_new(0, 0);

        (void) state;
        assert_non_null(buf);
        for (size_t i = 0; i < sizeof(all); i++) {
                struct wire_control *c = ctl_new(all[i], 0xdeadbeefu - (uint32_t) i);
                ssize_t n;

                /* a few fields per verb: empty value, '=' in the value, odd key chars */
                for (size_t k = 0; k < i; k++) {
                        char key[16], value[32];
                        snprintf(key, sizeof(key), "k%zu.x-y_z", k);
                        snprintf(value, sizeof(value), k % 2 ? "a=b c\tX%zu" : "", k);
                        assert_int_equal(wire_control_add(c, key, value), 0);
                }
                n = wire_control_encode(c, buf, 5 + WIRE_CONTROL_MAX_BODY);
                assert_true(n >= 5);
                assert_int_equal(buf[0], all[i]);
                memset(back, 0x77, sizeof(*back));
                assert_int_equal(wire_control_decode(buf, (size_t) n, back), 0);
                assert_int_equal(back->verb, c->verb);
                assert_int_equal(back->id, c->id);
                assert_int_equal(back->n_fields, c->n_fields);
                for (unsigned k = 0; k < c->n_fields; k++) {
                        assert_string_equal(back->fields[k].key, c->fields[k].key);
                        assert_string_equal(back->fields[k].value, c->fields[k].value);
                }
                free(c);
        }
        /* exact wire form */
        {
                struct wire_control *c = ctl_new(WIRE_V_PING, 0x01020304);
                static const uint8_t want[] = { WIRE_V_PING, 1, 2, 3, 4, 'a', '=', '1', '\n', 'b', '=', '\n' };
                assert_int_equal(wire_control_add(c, "a", "1"), 0);
                assert_int_equal(wire_control_add(c, "b", ""), 0);
                assert_int_equal(wire_control_encode(c, buf, 64), (ssize_t) sizeof(want));
                assert_memory_equal(buf, want, sizeof(want));
                assert_string_equal(wire_control_get(c, "b"), "");
                assert_null(wire_control_get(c, "c"));
                free(c);
        }
        free(back);
        free(buf);
}

/* Builds a control payload by hand: verb, id, then BODY. */
static size_t ctl_raw(uint8_t *out, uint8_t verb, const void *body, size_t len)
{
        out[0] = verb;
        put_be32(out + 1, 1);
        memcpy(out + 5, body, len);
        return 5 + len;
}

static int decode_body(uint8_t verb, const char *body, size_t len)
{
        uint8_t buf[512];
        struct wire_control *c = ctl_new(0, 0);
        int r;

        assert_true(len + 5 <= sizeof(buf));
        r = wire_control_decode(buf, ctl_raw(buf, verb, body, len), c);
        free(c);
        return r;
}

#define DECODE_STR(verb, s) decode_body((verb), (s), sizeof(s) - 1)

static void test_control_refusals(void **state)
{
        (void) state;
        /* the good baseline */
        assert_int_equal(DECODE_STR(WIRE_V_READY, "a=b\n"), 0);
        assert_int_equal(DECODE_STR(WIRE_V_READY, ""), 0);
        assert_int_equal(DECODE_STR(WIRE_V_READY, "a==b\n"), 0);
        /* unknown verbs */
        assert_int_equal(DECODE_STR(0, "a=b\n"), -EPROTO);
        assert_int_equal(DECODE_STR(7, "a=b\n"), -EPROTO);
        assert_int_equal(DECODE_STR(15, "a=b\n"), -EPROTO);
        assert_int_equal(DECODE_STR(21, "a=b\n"), -EPROTO);
        assert_int_equal(DECODE_STR(0xff, ""), -EPROTO);
        /* shape */
        assert_int_equal(DECODE_STR(WIRE_V_READY, "a=b"), -EPROTO);
        assert_int_equal(DECODE_STR(WIRE_V_READY, "a=b\nc=d"), -EPROTO);
        assert_int_equal(DECODE_STR(WIRE_V_READY, "ab\n"), -EPROTO);
        assert_int_equal(DECODE_STR(WIRE_V_READY, "\n"), -EPROTO);
        assert_int_equal(DECODE_STR(WIRE_V_READY, "a=b\n\n"), -EPROTO);
        assert_int_equal(DECODE_STR(WIRE_V_READY, "=b\n"), -EPROTO);
        /* keys */
        assert_int_equal(DECODE_STR(WIRE_V_READY, "Key=b\n"), -EPROTO);
        assert_int_equal(DECODE_STR(WIRE_V_READY, "a b=c\n"), -EPROTO);
        assert_int_equal(DECODE_STR(WIRE_V_READY, "a\tb=c\n"), -EPROTO);
        assert_int_equal(DECODE_STR(WIRE_V_READY, "a\xc3\xa9=c\n"), -EPROTO);
        assert_int_equal(DECODE_STR(WIRE_V_READY, "a\0=c\n"), -EPROTO);
        assert_int_equal(DECODE_STR(WIRE_V_READY, "a/b=c\n"), -EPROTO);
        /* values */
        assert_int_equal(DECODE_STR(WIRE_V_READY, "a=b\0c\n"), -EPROTO);
        assert_int_equal(DECODE_STR(WIRE_V_READY, "a=\0\n"), -EPROTO);
        /* too short for the verb and id */
        {
                uint8_t four[4] = { WIRE_V_READY, 0, 0, 0 };
                struct wire_control *c = ctl_new(0, 0);
                assert_int_equal(wire_control_decode(four, sizeof(four), c), -EPROTO);
                assert_int_equal(wire_control_decode(four, 0, c), -EPROTO);
                free(c);
        }
}

static void test_control_limits(void **state)
{
        uint8_t *buf = malloc(5 + WIRE_CONTROL_MAX_BODY + 64);
        struct wire_control *c = ctl_new(WIRE_V_STATUS, 3);
        char key[128], value[2048];
        size_t n;

        (void) state;
        assert_non_null(buf);

        /* key length: 63 fits the struct, 64 does not */
        memset(key, 'k', sizeof(key));
        key[63] = '\0';
        assert_int_equal(wire_control_add(c, key, "v"), 0);
        key[63] = 'k';
        key[64] = '\0';
        assert_int_equal(wire_control_add(c, key, "v"), -EINVAL);
        /* value length: 1023 fits, 1024 does not */
        memset(value, 'v', sizeof(value));
        value[1023] = '\0';
        assert_int_equal(wire_control_add(c, "long", value), 0);
        value[1023] = 'v';
        value[1024] = '\0';
        assert_int_equal(wire_control_add(c, "toolong", value), -EINVAL);
        assert_int_equal(c->n_fields, 2);

        /* the decoder has the same limits */
        n = 0;
        memcpy(buf + 5, key, 64);
        n = 64;
        memcpy(buf + 5 + n, "=v\n", 3);
        n += 3;
        buf[0] = WIRE_V_STATUS;
        put_be32(buf + 1, 1);
        assert_int_equal(wire_control_decode(buf, 5 + n, c), -EPROTO);
        memcpy(buf + 5, "a=", 2);
        memcpy(buf + 7, value, 1024);
        buf[7 + 1024] = '\n';
        assert_int_equal(wire_control_decode(buf, 5 + 1024 + 3, c), -EPROTO);
        assert_int_equal(wire_control_decode(buf + 0, 5 + 2, c), -EPROTO); /* "a=" without newline */
        buf[7 + 1023] = '\n';
        assert_int_equal(wire_control_decode(buf, 5 + 1023 + 3, c), 0);
        assert_int_equal(strlen(wire_control_get(c, "a")), 1023);
        free(c);

        /* field count: WIRE_CONTROL_MAX_FIELDS fit, one more does not */
        c = ctl_new(WIRE_V_EVENT, 1);
        for (unsigned i = 0; i < WIRE_CONTROL_MAX_FIELDS; i++) {
                snprintf(key, sizeof(key), "f%u", i);
                assert_int_equal(wire_control_add(c, key, "x"), 0);
        }
        assert_int_equal(wire_control_add(c, "one_more", "x"), -E2BIG);
        assert_int_equal(wire_control_add(c, "BAD", "x"), -EINVAL); /* validity is checked first */
        {
                ssize_t len = wire_control_encode(c, buf, 5 + WIRE_CONTROL_MAX_BODY);
                struct wire_control *back = ctl_new(0, 0);
                assert_true(len > 5);
                assert_int_equal(wire_control_decode(buf, (size_t) len, back), 0);
                assert_int_equal(back->n_fields, WIRE_CONTROL_MAX_FIELDS);
                /* append a 65th line by hand */
                memcpy(buf + len, "z=1\n", 4);
                assert_int_equal(wire_control_decode(buf, (size_t) len + 4, back), -EPROTO);
                free(back);
        }
        free(c);

        /* body size: exactly WIRE_CONTROL_MAX_BODY is fine, one more byte is not.
         * 15 lines of 63+1+1023+1 = 1088 bytes, then one line of 64 bytes. */
        c = ctl_new(WIRE_V_EVENT, 2);
        memset(value, 'v', 1023);
        value[1023] = '\0';
        for (unsigned i = 0; i < 15; i++) {
                memset(key, 'a' + (int) i, 63);
                key[63] = '\0';
                assert_int_equal(wire_control_add(c, key, value), 0);
        }
        value[61] = '\0';
        assert_int_equal(wire_control_add(c, "z", value), 0);
        {
                ssize_t len = wire_control_encode(c, buf, 5 + WIRE_CONTROL_MAX_BODY + 64);
                struct wire_control *back = ctl_new(0, 0);

                assert_int_equal(len, 5 + WIRE_CONTROL_MAX_BODY);
                assert_int_equal(wire_control_decode(buf, (size_t) len, back), 0);
                assert_int_equal(back->n_fields, 16);
                /* one more byte in the last value */
                value[61] = 'v';
                value[62] = '\0';
                strcpy(c->fields[15].value, value);
                assert_int_equal(wire_control_encode(c, buf, 5 + WIRE_CONTROL_MAX_BODY + 64), -E2BIG);
                /* and the decoder refuses such a body even when well formed */
                memcpy(buf + 5 + WIRE_CONTROL_MAX_BODY - 1, "v\n", 2);
                assert_int_equal(wire_control_decode(buf, 5 + WIRE_CONTROL_MAX_BODY + 1, back), -EPROTO);
                free(back);
        }
        free(c);
        free(buf);
}

static void test_control_add_refusals(void **state)
{
        struct wire_control *c = ctl_new(WIRE_V_REPLY, 1);

        (void) state;
        assert_int_equal(wire_control_add(c, "", "x"), -EINVAL);
        assert_int_equal(wire_control_add(c, "Upper", "x"), -EINVAL);
        assert_int_equal(wire_control_add(c, "with space", "x"), -EINVAL);
        assert_int_equal(wire_control_add(c, "a=b", "x"), -EINVAL);
        assert_int_equal(wire_control_add(c, "a\nb", "x"), -EINVAL);
        assert_int_equal(wire_control_add(c, "ok", "line\nbreak"), -EINVAL);
        assert_int_equal(wire_control_add(c, "ok", "\n"), -EINVAL);
        assert_int_equal(c->n_fields, 0);
        assert_int_equal(wire_control_add(c, "ok", "fine = yes"), 0);
        assert_int_equal(c->n_fields, 1);
        free(c);
}

static void test_control_encode_refusals(void **state)
{
        struct wire_control *c = ctl_new(WIRE_V_REPLY, 1);
        uint8_t buf[64];

        (void) state;
        assert_int_equal(wire_control_add(c, "ok", "1"), 0);
        assert_int_equal(wire_control_encode(c, buf, 4), -EINVAL);
        assert_int_equal(wire_control_encode(c, buf, 5), -E2BIG);
        assert_int_equal(wire_control_encode(c, buf, 5 + 4), -E2BIG);
        assert_int_equal(wire_control_encode(c, buf, 5 + 5), 10);
        c->verb = 0;
        assert_int_equal(wire_control_encode(c, buf, sizeof(buf)), -EINVAL);
        c->verb = 200;
        assert_int_equal(wire_control_encode(c, buf, sizeof(buf)), -EINVAL);
        free(c);
}

/* ---- fd helpers ---- */

static void test_control_text_roundtrip(void **state)
{
        static const size_t lens[] = { 0, 1, WIRE_TEXT_CHUNK - 1, WIRE_TEXT_CHUNK, WIRE_TEXT_CHUNK + 1,
                                       3 * WIRE_TEXT_CHUNK, WIRE_SETTINGS_TEXT_MAX };
        (void) state;
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
                struct wire_control *c = calloc(1, sizeof(*c)), *d = calloc(1, sizeof(*d));
                char *text = malloc(lens[i] + 1), *back = malloc(lens[i] + 1);
                uint8_t *buf = malloc(WIRE_CONTROL_MAX_BODY + 5);
                ssize_t n;

                for (size_t j = 0; j < lens[i]; j++)
                        text[j] = (char) ('{' + j % 40);
                text[lens[i]] = '\0';
                c->verb = WIRE_V_SETTINGS;
                assert_int_equal(wire_control_add(c, "digest", "ab"), 0);
                assert_int_equal(wire_control_add_text(c, "daemon_options", text), 0);
                n = wire_control_encode(c, buf, WIRE_CONTROL_MAX_BODY + 5);
                assert_true(n > 0);
                assert_int_equal(wire_control_decode(buf, (size_t) n, d), 0);
                assert_int_equal(wire_control_get_text(d, "daemon_options", back, lens[i] + 1), (ssize_t) lens[i]);
                assert_string_equal(back, text);
                if (lens[i] > 0)
                        assert_int_equal(wire_control_get_text(d, "daemon_options", back, lens[i]), -E2BIG);
                assert_int_equal(wire_control_get_text(d, "eci_json", back, lens[i] + 1), -ENOENT);
                free(c), free(d), free(text), free(back), free(buf);
        }
}

/* Each tampering of the chunks is caught, never read past. */
static void test_control_text_refusals(void **state)
{
        static const char *const bad[][4] = {
                { "t_len", "5", "t.0", "abc" },           /* short */
                { "t_len", "2", "t.0", "abc" },           /* long */
                { "t_len", "x", "t.0", "abc" },           /* not a number */
                { "t_len", "-3", "t.0", "abc" },          /* negative */
                { "t_len", "3", "t.1", "abc" },           /* chunk 0 missing */
                { "t_len", "0", "t.0", "abc" },           /* a chunk beyond the length */
                { "t_len", "3", "t.0", "" },              /* empty chunk */
                { "t_len", "99999999999999999999", "t.0", "a" }, /* overflow */
        };
        char out[64];

        (void) state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct wire_control *c = calloc(1, sizeof(*c));

                c->verb = WIRE_V_SETTINGS;
                assert_int_equal(wire_control_add(c, bad[i][0], bad[i][1]), 0);
                assert_int_equal(wire_control_add(c, bad[i][2], bad[i][3]), 0);
                assert_true(wire_control_get_text(c, "t", out, sizeof(out)) < 0);
                free(c);
        }
        {
                struct wire_control *c = calloc(1, sizeof(*c));
                assert_int_equal(wire_control_add_text(c, "t", "a\nb"), -EINVAL);
                assert_int_equal(wire_control_add_text(c, "BAD", "x"), -EINVAL);
                free(c);
        }
}

static void read_exact(int fd, uint8_t *p, size_t len)
{
        while (len > 0) {
                ssize_t n = read(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                assert_true(n > 0);
                p += n;
                len -= (size_t) n;
        }
}

static void test_write_frame_fd(void **state)
{
        int sv[2];
        uint8_t got[64];
        struct wire_frame f;
        struct wire_control *c = ctl_new(WIRE_V_BOOTED, 9), *back = ctl_new(0, 0);

        (void) state;
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(wire_write_frame_fd(sv[0], WIRE_DATA, 3, "xyz", 3), 0);
        read_exact(sv[1], got, WIRE_HEADER_SIZE + 3);
        assert_int_equal(wire_decode_header(got, &f), 0);
        assert_int_equal(f.type, WIRE_DATA);
        assert_int_equal(f.stream, 3);
        assert_memory_equal(got + WIRE_HEADER_SIZE, "xyz", 3);

        assert_int_equal(wire_write_frame_fd(sv[0], WIRE_OPEN, 4, NULL, 0), 0);
        read_exact(sv[1], got, WIRE_HEADER_SIZE);
        assert_int_equal(wire_decode_header(got, &f), 0);
        assert_int_equal(f.type, WIRE_OPEN);

        /* invalid frames are refused before anything is written */
        assert_int_equal(wire_write_frame_fd(sv[0], WIRE_DATA, 0, "x", 1), -EINVAL);
        assert_int_equal(wire_write_frame_fd(sv[0], WIRE_DATA, 1, NULL, 0), -EINVAL);
        assert_int_equal(wire_write_frame_fd(sv[0], 99, 1, NULL, 0), -EINVAL);

        assert_int_equal(wire_control_add(c, "kernel", "6.1"), 0);
        assert_int_equal(wire_send_control_fd(sv[0], c), 0);
        read_exact(sv[1], got, WIRE_HEADER_SIZE);
        assert_int_equal(wire_decode_header(got, &f), 0);
        assert_int_equal(f.type, WIRE_CONTROL);
        assert_true(f.length < sizeof(got));
        read_exact(sv[1], got, f.length);
        assert_int_equal(wire_control_decode(got, f.length, back), 0);
        assert_string_equal(wire_control_get(back, "kernel"), "6.1");
        c->verb = 0;
        assert_int_equal(wire_send_control_fd(sv[0], c), -EINVAL);

        /* the peer is gone: -EPIPE (SIGPIPE is ignored by main) */
        close(sv[1]);
        assert_int_equal(wire_write_frame_fd(sv[0], WIRE_OPEN, 4, NULL, 0), -EPIPE);
        close(sv[0]);
        free(c);
        free(back);
}

/* A non-blocking fd whose buffer is full: the writer waits for room rather
 * than leaving half a frame behind. */
static void test_write_frame_fd_waits(void **state)
{
        int sv[2];
        static uint8_t payload[WIRE_MAX_PAYLOAD], junk[65536];
        size_t filled = 0;
        pid_t pid;
        int status;

        (void) state;
        for (size_t i = 0; i < sizeof(payload); i++)
                payload[i] = (uint8_t) (i * 13);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
        for (;;) {
                ssize_t n = write(sv[0], junk, sizeof(junk));
                if (n < 0) {
                        assert_int_equal(errno, EAGAIN);
                        break;
                }
                filled += (size_t) n;
        }
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* child: drain slowly, then check the frame arrived whole */
                uint8_t *all = malloc(filled + WIRE_HEADER_SIZE + WIRE_MAX_PAYLOAD);
                size_t got = 0, want = filled + WIRE_HEADER_SIZE + WIRE_MAX_PAYLOAD;
                struct wire_frame f;
                int rc = 0;

                close(sv[0]);
                usleep(100 * 1000);
                while (rc == 0 && got < want) {
                        ssize_t n = read(sv[1], all + got, want - got);
                        if (n <= 0)
                                rc = 2;
                        else
                                got += (size_t) n;
                }
                if (rc == 0 && (wire_decode_header(all + filled, &f) < 0 || f.length != WIRE_MAX_PAYLOAD ||
                                memcmp(all + filled + WIRE_HEADER_SIZE, payload, WIRE_MAX_PAYLOAD) != 0))
                        rc = 3;
                free(all); /* valgrind checks the child too */
                _exit(rc);
        }
        close(sv[1]);
        assert_int_equal(wire_write_frame_fd(sv[0], WIRE_DATA, 1, payload, WIRE_MAX_PAYLOAD), 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        close(sv[0]);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_header_roundtrip),
                cmocka_unit_test(test_header_every_type_named),
                cmocka_unit_test(test_header_refusals),
                cmocka_unit_test(test_header_bad_prefix),
                cmocka_unit_test(test_decoder_whole),
                cmocka_unit_test(test_decoder_bytewise),
                cmocka_unit_test(test_decoder_random_chunks),
                cmocka_unit_test(test_decoder_frame_lifetime),
                cmocka_unit_test(test_decoder_sticky),
                cmocka_unit_test(test_decoder_max_payload),
                cmocka_unit_test(test_golden),
                cmocka_unit_test(test_verb_names),
                cmocka_unit_test(test_control_roundtrip),
                cmocka_unit_test(test_control_refusals),
                cmocka_unit_test(test_control_limits),
                cmocka_unit_test(test_control_text_roundtrip),
                cmocka_unit_test(test_control_text_refusals),
                cmocka_unit_test(test_control_add_refusals),
                cmocka_unit_test(test_control_encode_refusals),
                cmocka_unit_test(test_write_frame_fd),
                cmocka_unit_test(test_write_frame_fd_waits),
        };

        signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
