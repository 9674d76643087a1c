/* HTTP request latency against a Docker Engine unix socket, the way the
 * docker CLI talks to it: GET PATH, read the status line, headers and a
 * Content-Length (or chunked) body.  Each request on a new connection, or
 * all on one (-k).  Static, so it also runs in a container in the guest. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define RESP_MAX (256u * 1024u)
#define SAMPLES_MAX 100000

struct opts {
        const char *socket;
        const char *path;
        unsigned count, warmup;
        bool keepalive, print_body, print_samples;
};

struct response {
        char buf[RESP_MAX + 1];
        size_t len;       /* bytes read */
        size_t body_off;  /* start of the body in buf */
        size_t body_len;  /* decoded body length (chunked: decoded in place) */
        int status;
};

static double now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static int connect_unix(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, p, n);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -errno;
                p += w;
                n -= (size_t) w;
        }
        return 0;
}

static int read_more(int fd, struct response *r)
{
        ssize_t n;

        if (r->len == RESP_MAX)
                return -EMSGSIZE;
        do
                n = read(fd, r->buf + r->len, RESP_MAX - r->len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        if (n == 0)
                return -ECONNRESET;
        r->len += (size_t) n;
        r->buf[r->len] = '\0';
        return 0;
}

static const char *header_value(const char *headers, const char *name)
{
        size_t nl = strlen(name);

        for (const char *p = strstr(headers, "\r\n"); p && p[2] != '\r'; p = strstr(p + 2, "\r\n"))
                if (strncasecmp(p + 2, name, nl) == 0 && p[2 + nl] == ':')
                        return p + 3 + nl + strspn(p + 3 + nl, " \t");
        return NULL;
}

/* Walks the chunked body (decoding it in place if DECODE); -EAGAIN while
 * incomplete. */
static int dechunk(struct response *r, bool decode)
{
        size_t in = r->body_off, out = r->body_off;

        for (;;) {
                char *end;
                unsigned long size;
                char *line = strstr(r->buf + in, "\r\n");

                if (!line)
                        return -EAGAIN;
                size = strtoul(r->buf + in, &end, 16);
                if (end == r->buf + in)
                        return -EPROTO;
                in = (size_t) (line - r->buf) + 2;
                if (r->len < in + size + 2)
                        return -EAGAIN;
                if (size == 0)
                        break;
                if (decode)
                        memmove(r->buf + out, r->buf + in, size);
                out += size;
                in += size + 2;
        }
        r->body_len = out - r->body_off;
        return 0;
}

static int body_complete(struct response *r)
{
        const char *cl = header_value(r->buf, "Content-Length");
        const char *te = header_value(r->buf, "Transfer-Encoding");

        if (cl) {
                r->body_len = strtoul(cl, NULL, 10);
                if (r->body_off + r->body_len > RESP_MAX)
                        return -EMSGSIZE;
                return r->len >= r->body_off + r->body_len ? 0 : -EAGAIN;
        }
        if (te && strncasecmp(te, "chunked", 7) == 0) {
                int res = dechunk(r, false);
                return res < 0 ? res : dechunk(r, true);
        }
        return -EPROTO;
}

static int read_response(int fd, struct response *r)
{
        int res;

        r->len = 0;
        r->buf[0] = '\0';
        for (;;) {
                char *hdr_end = strstr(r->buf, "\r\n\r\n");

                if (hdr_end) {
                        r->body_off = (size_t) (hdr_end - r->buf) + 4;
                        res = body_complete(r);
                        if (res != -EAGAIN)
                                break;
                }
                res = read_more(fd, r);
                if (res < 0)
                        return res;
        }
        if (res < 0)
                return res;
        if (sscanf(r->buf, "HTTP/1.%*d %d", &r->status) != 1)
                return -EPROTO;
        return 0;
}

static int request(int fd, const char *path, struct response *r)
{
        char req[512];
        int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
        int res;

        if (n < 0 || (size_t) n >= sizeof(req))
                return -ENAMETOOLONG;
        res = send_all(fd, req, (size_t) n);
        return res < 0 ? res : read_response(fd, r);
}

/* One timed request; on a new connection unless *FD is already open. */
static int timed_request(const struct opts *o, int *fd, struct response *r, double *us)
{
        double t0 = now_us();
        int res = 0;

        if (*fd < 0)
                *fd = connect_unix(o->socket);
        if (*fd < 0)
                return *fd;
        res = request(*fd, o->path, r);
        *us = now_us() - t0;
        if (!o->keepalive || res < 0) {
                close(*fd);
                *fd = -1;
        }
        return res;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

static double percentile(const double *sorted, unsigned n, unsigned p)
{
        unsigned rank = (n * p + 99) / 100;
        return sorted[rank ? rank - 1 : 0];
}

static void print_summary(const struct opts *o, double *us, unsigned n, int status)
{
        double sum = 0;

        qsort(us, n, sizeof(*us), cmp_double);
        for (unsigned i = 0; i < n; i++)
                sum += us[i];
        printf("ping-bench: path=%s mode=%s n=%u status=%d p50_us=%.0f p99_us=%.0f mean_us=%.0f min_us=%.0f "
               "max_us=%.0f\n",
               o->path, o->keepalive ? "keepalive" : "new", n, status, percentile(us, n, 50), percentile(us, n, 99),
               sum / n, us[0], us[n - 1]);
}

static int run(const struct opts *o, double *us)
{
        static struct response r;
        int fd = -1, res = 0;

        for (unsigned i = 0; res == 0 && i < o->warmup + o->count; i++) {
                double t;

                res = timed_request(o, &fd, &r, &t);
                if (res == 0 && r.status != 200)
                        res = -EPROTO;
                if (res == 0 && i >= o->warmup)
                        us[i - o->warmup] = t;
                if (res == 0 && i >= o->warmup && o->print_samples)
                        printf("sample %.0f\n", t);
        }
        if (fd >= 0)
                close(fd);
        if (res < 0) {
                fprintf(stderr, "ping-bench: %s %s: %s (HTTP status %d)\n", o->socket, o->path, strerror(-res), r.status);
                return res;
        }
        if (o->print_body)
                printf("body %.*s\n", (int) r.body_len, r.buf + r.body_off);
        print_summary(o, us, o->count, r.status);
        return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
        int c;

        *o = (struct opts) { .path = "/_ping", .count = 100, .warmup = 5 };
        while ((c = getopt(argc, argv, "n:w:kp:bs")) != -1) {
                switch (c) {
                case 'n': o->count = (unsigned) strtoul(optarg, NULL, 10); break;
                case 'w': o->warmup = (unsigned) strtoul(optarg, NULL, 10); break;
                case 'k': o->keepalive = true; break;
                case 'p': o->path = optarg; break;
                case 'b': o->print_body = true; break;
                case 's': o->print_samples = true; break;
                default: return -EINVAL;
                }
        }
        if (optind + 1 != argc || o->count < 1 || o->count > SAMPLES_MAX || o->path[0] != '/')
                return -EINVAL;
        o->socket = argv[optind];
        return 0;
}

int main(int argc, char **argv)
{
        struct opts o;
        double *us;
        int res;

        if (parse_args(argc, argv, &o) < 0) {
                fprintf(stderr, "usage: %s [-n COUNT] [-w WARMUP] [-k] [-p PATH] [-b] [-s] SOCKET\n"
                                "  -k one keep-alive connection, -b print the last body, -s print each latency (us)\n",
                        argv[0]);
                return 2;
        }
        us = calloc(o.count, sizeof(*us));
        if (!us)
                return 1;
        res = run(&o, us);
        free(us);
        return res < 0;
}
