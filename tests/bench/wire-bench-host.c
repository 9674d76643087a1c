/* Throughput bench, host half: connects to QEMU's chardev socket of the
 * bench guest's port and times requests of the wire-bench protocol, either
 * on the raw byte stream or through a host-side wire_mux, one or several
 * streams at once.  One line per test on stdout. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "wire-bench-loop.h"

#define CONNECT_WAIT_S 30
#define QUIT_WAIT_MS 30000

struct test {
        uint32_t op;
        unsigned streams;
        uint64_t bytes;
        bool quiet;
};

struct host_run {
        unsigned done;
        int err;
};

static int qemu_pid; /* --qemu-pid: its CPU time is reported per test */

static void sleep_ms(unsigned ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
}

static int connect_once(const char *path)
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

static int connect_wait(const char *path)
{
        double deadline = wb_now() + CONNECT_WAIT_S;

        for (;;) {
                int fd = connect_once(path);

                if (fd >= 0 || (fd != -ENOENT && fd != -ECONNREFUSED) || wb_now() > deadline)
                        return fd;
                sleep_ms(20);
        }
}

/* utime + stime of PID in seconds, -1 if unknown. */
static double proc_cpu_seconds(int pid)
{
        char path[64], buf[1024], *p;
        unsigned long long utime, stime;
        FILE *f;
        size_t n;

        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        f = fopen(path, "re");
        if (!f)
                return -1;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        p = strrchr(buf, ')');
        if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
                return -1;
        return (double) (utime + stime) / (double) sysconf(_SC_CLK_TCK);
}

static double qemu_cpu(void)
{
        return qemu_pid > 0 ? proc_cpu_seconds(qemu_pid) : -1;
}

static void report(const char *mode, const struct test *t, double secs, double cpu0)
{
        double cpu1 = qemu_cpu();

        if (t->quiet)
                return;
        printf("wire-bench: mode=%s op=%s streams=%u bytes=%llu seconds=%.4f MBps=%.3f", mode,
               t->op == WB_PUT ? "put" : "get", t->streams, (unsigned long long) t->bytes, secs,
               (double) t->bytes / secs / 1e6);
        if (cpu0 >= 0 && cpu1 >= 0)
                printf(" qemu_cpu_ms_per_MB=%.2f", (cpu1 - cpu0) * 1e3 / ((double) t->bytes / 1e6));
        printf("\n");
        fflush(stdout);
}

/* ---- raw ---- */

static int raw_request(int fd, uint32_t op, uint64_t bytes)
{
        struct wb_endpoint e;
        int r;

        wb_client_init(&e, fd, op, bytes);
        r = wb_pump(&e);
        return r == 1 ? 0 : r < 0 ? r : -EPROTO;
}

static int raw_test(int fd, const char *mode, const struct test *t)
{
        double cpu0 = qemu_cpu(), t0 = wb_now();
        int r;

        if (t->streams != 1)
                return -EINVAL;
        r = raw_request(fd, t->op, t->bytes);
        if (r == 0)
                report(mode, t, wb_now() - t0, cpu0);
        return r;
}

static void raw_wait_eof(int fd)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };
        char c;

        if (poll(&p, 1, QUIT_WAIT_MS) > 0)
                (void) !read(fd, &c, 1);
}

static int run_raw(int fd, const char *mode, const struct test *tests, unsigned n, bool quit)
{
        int r = 0;

        for (unsigned i = 0; r == 0 && i < n; i++)
                r = raw_test(fd, mode, &tests[i]);
        if (r == 0 && quit) {
                r = raw_request(fd, WB_QUIT, 0);
                raw_wait_eof(fd);
        }
        close(fd);
        return r;
}

/* ---- mux ---- */

static void on_done(struct wb_loop *l, const struct wb_endpoint *e, int r)
{
        struct host_run *h = l->user;

        (void) e;
        h->done++;
        if (r < 0 && h->err == 0)
                h->err = r;
}

static int mux_wait(struct wb_loop *l, unsigned want)
{
        struct host_run *h = l->user;
        int r = 0;

        while (r == 0 && h->done < want && h->err == 0 && l->channel_up)
                r = wb_loop_run_once(l, -1);
        if (r == 0 && h->err)
                r = h->err;
        if (r == 0 && h->done < want)
                r = l->channel_err ? l->channel_err : -ECONNRESET;
        return r;
}

static int mux_test(struct wb_loop *l, const struct test *t)
{
        struct host_run *h = l->user;
        uint64_t each = t->bytes / t->streams;
        double cpu0 = qemu_cpu(), t0 = wb_now();
        int r = 0;

        h->done = 0;
        for (unsigned i = 0; r == 0 && i < t->streams; i++)
                r = wb_loop_open_client(l, t->op, i + 1 < t->streams ? each : t->bytes - each * i);
        if (r == 0)
                r = mux_wait(l, t->streams);
        if (r == 0)
                report("mux", t, wb_now() - t0, cpu0);
        return r;
}

static void mux_quit(struct wb_loop *l)
{
        double deadline = wb_now() + QUIT_WAIT_MS / 1000.0;

        if (wb_loop_open_client(l, WB_QUIT, 0) < 0)
                return;
        while (l->channel_up && wb_now() < deadline)
                if (wb_loop_run_once(l, 100) < 0)
                        return;
}

static int run_mux(int fd, const struct test *tests, unsigned n, bool quit)
{
        struct host_run h = { 0 };
        struct wb_loop *l = wb_loop_new(on_done, &h);
        int r = l ? wb_set_nonblock(fd) : -ENOMEM;

        if (r < 0) {
                close(fd);
                wb_loop_free(l);
                return r;
        }
        r = wb_loop_attach(l, fd, true);
        for (unsigned i = 0; r == 0 && i < n; i++)
                r = mux_test(l, &tests[i]);
        if (r == 0 && quit)
                mux_quit(l);
        wb_loop_print_stats(l, "wire-bench-host", stdout);
        wb_loop_free(l);
        return r;
}

/* ---- command line ---- */

static int parse_test(const char *s, struct test *t)
{
        char op[8];
        unsigned streams, mib;
        int used = 0;

        *t = (struct test) { .quiet = s[0] == '~' };
        if (t->quiet)
                s++;
        if (sscanf(s, "%7[a-z]:%u:%u%n", op, &streams, &mib, &used) != 3 || s[used] != '\0')
                return -EINVAL;
        if (streams < 1 || streams > 64 || mib < 1 || mib > 65536)
                return -EINVAL;
        t->streams = streams;
        t->bytes = (uint64_t) mib << 20;
        if (strcmp(op, "put") == 0)
                t->op = WB_PUT;
        else if (strcmp(op, "get") == 0)
                t->op = WB_GET;
        else
                return -EINVAL;
        return 0;
}

static void usage(const char *argv0)
{
        fprintf(stderr,
                "usage: %s [--timeout=S] [--qemu-pid=PID] SOCKET raw|relay|mux TEST... [quit]\n"
                "  (relay: the guest's relay mode; the host side is the raw one)\n"
                "  TEST = put|get:STREAMS:MiB (put = host to guest); a leading ~ runs it unreported\n"
                "  --qemu-pid: also report that process's CPU time per MB of each test\n",
                argv0);
}

int main(int argc, char **argv)
{
        struct test tests[64];
        unsigned n = 0, timeout = 600;
        bool quit = false;
        int argi = 1, fd, r;

        for (; argi < argc && strncmp(argv[argi], "--", 2) == 0; argi++)
                if (sscanf(argv[argi], "--timeout=%u", &timeout) != 1 &&
                    sscanf(argv[argi], "--qemu-pid=%d", &qemu_pid) != 1) {
                        usage(argv[0]);
                        return 2;
                }
        if (argc - argi < 2 || (strcmp(argv[argi + 1], "raw") != 0 && strcmp(argv[argi + 1], "relay") != 0 &&
                                strcmp(argv[argi + 1], "mux") != 0)) {
                usage(argv[0]);
                return 2;
        }
        for (int i = argi + 2; i < argc; i++) {
                if (strcmp(argv[i], "quit") == 0)
                        quit = true;
                else if (n == 64 || parse_test(argv[i], &tests[n++]) < 0) {
                        fprintf(stderr, "wire-bench-host: bad test '%s'\n", argv[i]);
                        return 2;
                }
        }
        signal(SIGPIPE, SIG_IGN);
        alarm(timeout);
        fd = connect_wait(argv[argi]);
        if (fd < 0) {
                fprintf(stderr, "wire-bench-host: %s: %s\n", argv[argi], strerror(-fd));
                return 1;
        }
        r = strcmp(argv[argi + 1], "mux") == 0 ? run_mux(fd, tests, n, quit) : run_raw(fd, argv[argi + 1], tests, n, quit);
        if (r < 0)
                fprintf(stderr, "wire-bench-host: %s\n", strerror(-r));
        return r < 0;
}
