/* Fuzz target for the wire module: everything a peer can send.
 *
 * (a) The bytes go through a wire_decoder in chunks (sizes derived from the
 *     input), every frame's header re-encodes to the same bytes, and CONTROL
 *     payloads go through wire_control_decode (a decoded message re-encodes
 *     to exactly the same payload).
 * (b) The same bytes are written into the channel of a guest-side mux
 *     (open_stream hands out one end of a fresh socketpair whose other end
 *     answers a little) and of a host-side mux with one stream open, and both
 *     are pumped until quiet.
 *
 * Built with -DECIVM_LIBFUZZER it is a libFuzzer target (make fuzz-wire);
 * otherwise main() replays every file or directory given as argv, which is
 * how `make check` runs the corpus. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mux.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                      \
        do {                                                                          \
                if (!(x)) {                                                           \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #x); \
                        abort();                                                      \
                }                                                                     \
        } while (0)

/* ---- (a) codecs ---- */

static void check_control(const struct wire_frame *f)
{
        static struct wire_control c;
        static uint8_t again[5 + WIRE_CONTROL_MAX_BODY];
        ssize_t n;

        if (wire_control_decode(f->payload, f->length, &c) < 0)
                return;
        CHECK(c.n_fields <= WIRE_CONTROL_MAX_FIELDS);
        for (unsigned i = 0; i < c.n_fields; i++)
                CHECK(wire_control_get(&c, c.fields[i].key) != NULL);
        n = wire_control_encode(&c, again, sizeof(again));
        CHECK(n == (ssize_t) f->length);
        CHECK(memcmp(again, f->payload, f->length) == 0);
}

static void fuzz_codecs(const uint8_t *data, size_t size)
{
        static struct wire_decoder d;
        size_t pos = 0;
        uint32_t rng = (uint32_t) size * 2654435761u ^ (size ? data[0] : 0);

        wire_decoder_init(&d);
        while (pos < size) {
                struct wire_frame f;
                int ready;
                size_t chunk;
                ssize_t n;

                rng = rng * 1103515245u + 12345u;
                chunk = 1 + (rng >> 16) % ((rng & 0x8000) ? 4096 : 16);
                if (chunk > size - pos)
                        chunk = size - pos;
                n = wire_decoder_feed(&d, data + pos, chunk, &f, &ready);
                if (n < 0) {
                        CHECK(n == -EPROTO || n == -EMSGSIZE);
                        CHECK(!ready);
                        /* sticky */
                        CHECK(wire_decoder_feed(&d, data, size, &f, &ready) == n);
                        return;
                }
                CHECK(n > 0 && (size_t) n <= chunk);
                pos += (size_t) n;
                if (ready) {
                        uint8_t hdr[WIRE_HEADER_SIZE];

                        CHECK(f.length <= WIRE_MAX_PAYLOAD);
                        CHECK(wire_frame_type_name(f.type) != NULL);
                        CHECK(wire_encode_header(hdr, f.type, f.stream, f.length) == 0);
                        CHECK(memcmp(hdr, f.payload - WIRE_HEADER_SIZE, WIRE_HEADER_SIZE) == 0);
                        if (f.type == WIRE_CONTROL)
                                check_control(&f);
                }
        }
}

/* ---- (b) the engine ---- */

#define MAX_FDS 4096

struct harness {
        wire_mux *m;
        struct wire_mux_ops ops;
        int raw;
        short events[MAX_FDS]; /* what the mux watches, by fd */
        int watched[MAX_FDS], n_watched;
        int servers[2 * WIRE_MAX_STREAMS + 8], n_servers;
        int down;
};

static void h_watch(void *user, int fd, short events)
{
        struct harness *h = user;

        CHECK(fd >= 0 && fd < MAX_FDS);
        CHECK((events & ~(POLLIN | POLLOUT)) == 0);
        if (events && !h->events[fd])
                h->watched[h->n_watched++] = fd;
        if (!events && h->events[fd])
                for (int i = 0; i < h->n_watched; i++)
                        if (h->watched[i] == fd) {
                                h->watched[i] = h->watched[--h->n_watched];
                                break;
                        }
        h->events[fd] = events;
}

static int h_open_stream(void *user, uint32_t id)
{
        struct harness *h = user;
        int sv[2];

        if (h->n_servers == (int) (sizeof(h->servers) / sizeof(h->servers[0])) || (id & 0xff) == 0xee)
                return -ECONNREFUSED;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        if (sv[0] >= MAX_FDS || sv[1] >= MAX_FDS) {
                close(sv[0]);
                close(sv[1]);
                return -EMFILE;
        }
        /* the local service answers at once, and sometimes hangs up */
        CHECK(write(sv[0], "HTTP/1.1 200 OK\r\n\r\n", 19) == 19);
        if ((id & 3) == 3)
                shutdown(sv[0], SHUT_WR);
        if ((id & 7) == 6) {
                close(sv[0]);
                return sv[1];
        }
        h->servers[h->n_servers++] = sv[0];
        return sv[1];
}

static void h_channel_down(void *user, int err)
{
        struct harness *h = user;

        CHECK(err < 0);
        h->down++;
}

static void h_control(void *user, const struct wire_control *c)
{
        (void) user;
        CHECK(wire_verb_name(c->verb) != NULL);
}

/* Poll everything the mux watches (and read what the local ends get). */
static int h_pump(struct harness *h)
{
        struct pollfd pfd[MAX_FDS];
        int n = h->n_watched, r, busy = 0;
        uint8_t sink[65536];

        for (int i = 0; i < n; i++)
                pfd[i] = (struct pollfd) { .fd = h->watched[i], .events = h->events[h->watched[i]] };
        /* libFuzzer's -timeout timer interrupts poll() */
        do
                r = poll(pfd, (nfds_t) n, 0);
        while (r < 0 && errno == EINTR);
        CHECK(r >= 0);
        for (int i = 0; i < n && r > 0; i++) {
                short rev = pfd[i].revents;

                if (!rev || !h->events[pfd[i].fd])
                        continue;
                CHECK(!(rev & POLLNVAL));
                wire_mux_handle(h->m, pfd[i].fd, rev);
                busy++;
        }
        /* drain what the mux sent, so it never backs up */
        while (read(h->raw, sink, sizeof(sink)) > 0)
                busy++;
        for (int i = 0; i < h->n_servers; i++)
                while (read(h->servers[i], sink, sizeof(sink)) > 0)
                        busy++;
        return busy;
}

static void h_feed(struct harness *h, const uint8_t *data, size_t size)
{
        size_t pos = 0;
        int idle = 0;

        while (pos < size && h->m && wire_mux_has_channel(h->m)) {
                ssize_t n = write(h->raw, data + pos, size - pos);

                if (n > 0)
                        pos += (size_t) n;
                else if (n < 0 && errno != EAGAIN)
                        break; /* the mux hung up */
                if (h_pump(h) == 0 && n <= 0 && ++idle > 1000)
                        break;
        }
        for (int i = 0; i < 100000 && h_pump(h) > 0; i++)
                ;
}

static void fuzz_mux(const uint8_t *data, size_t size, int guest)
{
        static struct harness h;
        int sv[2];

        memset(&h, 0, sizeof(h));
        h.ops.watch = h_watch;
        h.ops.channel_down = h_channel_down;
        if (guest) {
                h.ops.open_stream = h_open_stream;
                h.ops.control = h_control;
        }
        h.m = wire_mux_new(&h.ops, &h);
        CHECK(h.m != NULL);
        if (guest)
                wire_mux_set_guest_side(h.m);
        CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
        h.raw = sv[0];
        CHECK(wire_mux_attach_channel(h.m, sv[1], !guest) == 0);
        if (!guest) {
                /* the host has stream 1 open, with a client that talks */
                int c[2];
                CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, c) == 0);
                CHECK(write(c[0], "GET /_ping HTTP/1.1\r\n\r\n", 23) == 23);
                CHECK(wire_mux_open_stream(h.m, c[1]) == 1);
                h.servers[h.n_servers++] = c[0];
        }
        h_feed(&h, data, size);

        /* the peer goes away: the channel dies cleanly, once */
        close(h.raw);
        h.raw = -1;
        for (int i = 0; i < 1000 && h.n_watched > 0; i++) {
                struct pollfd pfd[MAX_FDS];
                int n = h.n_watched, r;

                for (int k = 0; k < n; k++)
                        pfd[k] = (struct pollfd) { .fd = h.watched[k], .events = h.events[h.watched[k]] };
                do
                        r = poll(pfd, (nfds_t) n, 0);
                while (r < 0 && errno == EINTR);
                if (r <= 0)
                        break;
                for (int k = 0; k < n; k++)
                        if (pfd[k].revents && h.events[pfd[k].fd])
                                wire_mux_handle(h.m, pfd[k].fd, pfd[k].revents);
        }
        CHECK(h.down <= 1);
        if (!wire_mux_has_channel(h.m)) {
                struct wire_mux_stats st;
                wire_mux_get_stats(h.m, &st);
                CHECK(st.streams_live == 0);
                CHECK(st.streams_opened == st.streams_closed);
        }
        h.m = wire_mux_free(h.m);
        CHECK(h.n_watched == 0);
        for (int i = 0; i < h.n_servers; i++)
                close(h.servers[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static int once;

        if (!once) {
                signal(SIGPIPE, SIG_IGN);
                once = 1;
        }
        if (size > 1024 * 1024)
                return 0;
        fuzz_codecs(data, size);
        fuzz_mux(data, size, 1);
        fuzz_mux(data, size, 0);
        return 0;
}

#ifndef ECIVM_LIBFUZZER
static int replay_file(const char *path)
{
        FILE *fp = fopen(path, "re");
        uint8_t *buf = NULL;
        size_t len = 0, cap = 0;

        if (!fp) {
                fprintf(stderr, "fuzz-wire: %s: %s\n", path, strerror(errno));
                return -1;
        }
        for (;;) {
                size_t n;

                if (len == cap) {
                        cap = cap ? 2 * cap : 4096;
                        buf = realloc(buf, cap);
                        CHECK(buf != NULL);
                }
                n = fread(buf + len, 1, cap - len, fp);
                if (n == 0)
                        break;
                len += n;
        }
        fclose(fp);
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        return 0;
}

static int replay(const char *path, unsigned *count)
{
        struct stat st;
        DIR *d;
        struct dirent *de;
        int r = 0;

        if (stat(path, &st) < 0) {
                fprintf(stderr, "fuzz-wire: %s: %s\n", path, strerror(errno));
                return -1;
        }
        if (!S_ISDIR(st.st_mode)) {
                if (replay_file(path) < 0)
                        return -1;
                (*count)++;
                return 0;
        }
        d = opendir(path);
        if (!d)
                return -1;
        while ((de = readdir(d))) {
                char sub[4096];

                if (de->d_name[0] == '.')
                        continue;
                snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
                if (replay(sub, count) < 0)
                        r = -1;
        }
        closedir(d);
        return r;
}

int main(int argc, char **argv)
{
        unsigned count = 0;
        int failed = 0;

        if (argc < 2) {
                fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
                return 2;
        }
        for (int i = 1; i < argc; i++)
                if (replay(argv[i], &count) < 0)
                        failed = 1;
        printf("fuzz-wire: replayed %u inputs\n", count);
        if (count == 0) {
                fprintf(stderr, "fuzz-wire: no inputs found\n");
                return 1;
        }
        return failed;
}
#endif
