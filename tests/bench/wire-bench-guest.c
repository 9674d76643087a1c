/* Throughput bench, guest half: PID 1 of a bench initramfs.  Loads the
 * virtio-serial modules, finds the org.ecivm.docker port and serves the
 * wire-bench protocol on it in the mode bench.mode= names: raw, on the port
 * itself; mux, behind the real wire_mux engine, each stream a socketpair
 * whose other end the same poll loop serves; relay, the port copied without
 * framing to such a socketpair (wire-bench-relay.h).
 *
 * Off the guest, `wire-bench-guest --listen PATH raw|relay|mux` serves one
 * connection on a unix socket instead, to profile the engine on the host. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "wire-bench-loop.h"
#include "wire-bench-relay.h"

#define MODULES_LIST "/etc/bench-modules"
#define PORTS_DIR "/sys/class/virtio-ports"
#define PORT_WAIT_MS 10000
#define REOPEN_MS 20

static void sleep_ms(unsigned ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
}

static int mount_one(const char *type, const char *dir)
{
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        if (mount(type, dir, type, 0, NULL) < 0 && errno != EBUSY)
                return -errno;
        return 0;
}

static int setup_console(void)
{
        int r = mount_one("devtmpfs", "/dev");
        int fd;

        if (r < 0)
                return r;
        fd = open("/dev/console", O_WRONLY | O_NOCTTY);
        if (fd < 0)
                return -errno;
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO)
                close(fd);
        setvbuf(stdout, NULL, _IOLBF, 0);
        return 0;
}

static int load_module(const char *path)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        int r = 0;

        if (fd < 0)
                return -errno;
        if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
                r = -errno;
        close(fd);
        return r;
}

static int load_modules(void)
{
        FILE *f = fopen(MODULES_LIST, "re");
        char line[512];
        int r = 0;

        if (!f)
                return -errno;
        while (r == 0 && fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = '\0';
                if (line[0] == '\0')
                        continue;
                r = load_module(line);
                if (r < 0)
                        fprintf(stderr, "wire-bench-guest: module %s: %s\n", line, strerror(-r));
        }
        fclose(f);
        return r;
}

static int read_small(const char *path, char *buf, size_t cap)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = read(fd, buf, cap - 1);
        close(fd);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        return 0;
}

static int cmdline_mode(char *mode, size_t cap)
{
        char line[4096];
        const char *p;
        int r = read_small("/proc/cmdline", line, sizeof(line));

        if (r < 0)
                return r;
        p = strstr(line, "bench.mode=");
        if (!p)
                return -ENOENT;
        p += strlen("bench.mode=");
        snprintf(mode, cap, "%.*s", (int) strcspn(p, " "), p);
        return 0;
}

static int find_port_once(char *dev, size_t cap)
{
        DIR *d = opendir(PORTS_DIR);
        struct dirent *de;
        int r = -ENOENT;

        if (!d)
                return -errno;
        while (r < 0 && (de = readdir(d))) {
                char path[300], name[128];

                if (de->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), PORTS_DIR "/%s/name", de->d_name);
                if (read_small(path, name, sizeof(name)) == 0 && strcmp(name, WIRE_PORT_DOCKER) == 0) {
                        snprintf(dev, cap, "/dev/%s", de->d_name);
                        r = 0;
                }
        }
        closedir(d);
        return r;
}

static int find_port(char *dev, size_t cap)
{
        for (unsigned waited = 0;; waited += REOPEN_MS) {
                if (find_port_once(dev, cap) == 0 && access(dev, R_OK | W_OK) == 0)
                        return 0;
                if (waited >= PORT_WAIT_MS)
                        return -ETIMEDOUT;
                sleep_ms(REOPEN_MS);
        }
}

/* ---- raw: the protocol straight on the port ---- */

static void print_raw_stats(const struct wb_endpoint *e)
{
        printf("wire-bench-guest: raw reads=%llu bytes_read=%llu per_read=%.0f writes=%llu bytes_written=%llu "
               "per_write=%.0f\n",
               (unsigned long long) e->reads, (unsigned long long) e->bytes_read,
               e->reads ? (double) e->bytes_read / (double) e->reads : 0.0, (unsigned long long) e->writes,
               (unsigned long long) e->bytes_written,
               e->writes ? (double) e->bytes_written / (double) e->writes : 0.0);
}

static int serve_raw_fd(int fd)
{
        struct wb_endpoint e;
        int r;

        wb_server_init(&e, fd);
        r = wb_pump(&e);
        if (e.reads + e.writes > 0)
                print_raw_stats(&e);
        if (r == 1 && e.op == WB_QUIT)
                return 1;
        return r == -ECONNRESET ? 0 : r;
}

/* SERVE_FD: 1 after WB_QUIT, 0 when the host hung up, or -errno. */
static int serve_port(const char *dev, int fd, bool reopen, int (*serve_fd)(int))
{
        int r;

        if (fd >= 0) {
                r = serve_fd(fd);
                return r < 0 ? r : 0;
        }
        for (;;) {
                fd = open(dev, O_RDWR | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return -errno;
                r = serve_fd(fd);
                close(fd);
                if (r != 0 || !reopen)
                        return r < 0 ? r : 0;
                sleep_ms(REOPEN_MS);
        }
}

/* ---- mux: the protocol behind wire_mux, one socketpair per stream ---- */

static void on_done(struct wb_loop *l, const struct wb_endpoint *e, int r)
{
        bool *quit = l->user;

        if (r == 1 && e->op == WB_QUIT)
                *quit = true;
        if (r < 0)
                fprintf(stderr, "wire-bench-guest: stream: %s\n", strerror(-r));
}

static int attach(struct wb_loop *l, const char *dev, int fd)
{
        if (fd < 0)
                fd = open(dev, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return wb_loop_attach(l, fd, false);
}

static int mux_loop(struct wb_loop *l, const char *dev, int fd, bool reopen)
{
        bool *quit = l->user;
        int r = attach(l, dev, fd);

        while (r == 0 && !*quit) {
                if (l->channel_up) {
                        r = wb_loop_run_once(l, -1);
                        continue;
                }
                if (l->channel_err != -ECONNRESET)
                        fprintf(stderr, "wire-bench-guest: channel down: %s\n", strerror(-l->channel_err));
                if (!reopen)
                        break;
                sleep_ms(REOPEN_MS);
                r = attach(l, dev, -1);
        }
        return r;
}

static int serve_mux(const char *dev, int fd, bool reopen)
{
        bool quit = false;
        struct wb_loop *l = wb_loop_new(on_done, &quit);
        int r;

        if (l)
                wire_mux_set_guest_side(l->mux);

        if (!l) {
                if (fd >= 0)
                        close(fd);
                return -ENOMEM;
        }
        r = mux_loop(l, dev, fd, reopen);
        wb_loop_print_stats(l, "wire-bench-guest", stdout);
        wb_loop_free(l);
        return r;
}

static int serve(const char *mode, const char *dev, int fd, bool reopen)
{
        if (strcmp(mode, "raw") == 0)
                return serve_port(dev, fd, reopen, serve_raw_fd);
        if (strcmp(mode, "relay") == 0)
                return serve_port(dev, fd, reopen, wb_relay_serve);
        if (strcmp(mode, "mux") == 0)
                return serve_mux(dev, fd, reopen);
        return -EINVAL;
}

/* ---- PID 1 ---- */

static int guest_setup(char *mode, size_t mode_cap, char *dev, size_t dev_cap)
{
        int r = setup_console();

        if (r == 0)
                r = mount_one("proc", "/proc");
        if (r == 0)
                r = mount_one("sysfs", "/sys");
        if (r == 0)
                r = load_modules();
        if (r == 0)
                r = cmdline_mode(mode, mode_cap);
        if (r == 0)
                r = find_port(dev, dev_cap);
        return r;
}

static int run_pid1(void)
{
        char mode[16], dev[300];
        int r = guest_setup(mode, sizeof(mode), dev, sizeof(dev));

        if (r == 0) {
                printf("wire-bench-guest: serving %s on %s\n", mode, dev);
                r = serve(mode, dev, -1, true);
        }
        printf("wire-bench-guest: %s\n", r < 0 ? strerror(-r) : "quit");
        sync();
        reboot(RB_POWER_OFF);
        return 1;
}

/* ---- host-side profiling ---- */

static int accept_one(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int lfd, fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (lfd < 0)
                return -errno;
        unlink(path);
        if (bind(lfd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0) {
                int r = -errno;
                close(lfd);
                return r;
        }
        fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        close(lfd);
        return fd < 0 ? -errno : fd;
}

static int run_listen(const char *path, const char *mode)
{
        int fd = accept_one(path);
        int r;

        if (fd < 0)
                return fd;
        if (strcmp(mode, "mux") != 0) {
                r = serve(mode, NULL, fd, false);
                close(fd);
                return r;
        }
        r = wb_set_nonblock(fd);
        return r < 0 ? r : serve(mode, NULL, fd, false);
}

int main(int argc, char **argv)
{
        int r;

        if (getpid() == 1)
                return run_pid1();
        if (argc != 4 || strcmp(argv[1], "--listen") != 0) {
                fprintf(stderr, "usage: %s --listen SOCKET raw|relay|mux   (as PID 1: bench.mode= on the cmdline)\n", argv[0]);
                return 2;
        }
        r = run_listen(argv[2], argv[3]);
        if (r < 0)
                fprintf(stderr, "wire-bench-guest: %s\n", strerror(-r));
        return r < 0;
}
