#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "mounts.h"
#include "services.h"
#include "wire.h"
#include "util.h"

static const char *const containerd_argv[] = { "/usr/bin/containerd", NULL };
static const char *const dockerd_argv[] = { "/usr/sbin/dockerd", "--config-file", WIRE_PATH_DAEMON_JSON, NULL };
static const char *const agent_argv[] = { "/usr/libexec/ecivm/ecivm-agent", NULL };
/* the containers' /proc views (ecivm-runc binds /var/lib/lxcfs/proc/...);
 * -l: per-container load averages */
static const char *const lxcfs_argv[] = { "/usr/bin/lxcfs", "-l", "/var/lib/lxcfs", NULL };
/* the containers' /proc/diskstats, from their cgroup's io.stat */
static const char *const procfs_argv[] = { "/usr/libexec/ecivm/ecivm-procfs", WIRE_PATH_PROCFS_DIR, NULL };
static const char *const service_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LANG=C.UTF-8", NULL };

void services_init(struct service svc[SVC_COUNT])
{
        static const struct service defaults[SVC_COUNT] = {
                [SVC_CONTAINERD] = { .name = "containerd", .argv = containerd_argv,
                                     .log_path = "/var/log/containerd.log", .to_host = 1,
                                     .oom_score_adj = SERVICE_OOM_SCORE_ADJ },
                [SVC_DOCKERD] = { .name = "dockerd", .argv = dockerd_argv, .log_path = "/var/log/dockerd.log",
                                  .to_host = 1, .oom_score_adj = SERVICE_OOM_SCORE_ADJ, .own_mount_ns = 1 },
                [SVC_AGENT] = { .name = "agent", .argv = agent_argv, .log_path = "/var/log/ecivm-agent.log",
                                .oom_score_adj = SERVICE_OOM_SCORE_ADJ },
                [SVC_LXCFS] = { .name = "lxcfs", .argv = lxcfs_argv, .log_path = "/var/log/lxcfs.log",
                                .optional = 1, .mount_point = "/var/lib/lxcfs",
                                .oom_score_adj = SERVICE_OOM_SCORE_ADJ },
                [SVC_PROCFS] = { .name = "ecivm-procfs", .argv = procfs_argv, .log_path = "/var/log/ecivm-procfs.log",
                                 .optional = 1, .mount_point = WIRE_PATH_PROCFS_DIR,
                                 .oom_score_adj = SERVICE_OOM_SCORE_ADJ },
        };

        memcpy(svc, defaults, sizeof(defaults));
        /* before dockerd, so the first containers get the emulated views */
        svc[SVC_CONTAINERD].companion = &svc[SVC_LXCFS];
        svc[SVC_LXCFS].companion = &svc[SVC_PROCFS];
}

const char *service_state_name(enum service_state s)
{
        switch (s) {
        case SVC_STARTING: return "starting";
        case SVC_RUNNING: return "running";
        case SVC_BACKOFF: return "restarting";
        default: return "stopped";
        }
}

/* best effort: a kernel without it still runs the service */
static void set_oom_score_adj(int adj)
{
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

        if (fd >= 0) {
                (void) dprintf(fd, "%d\n", adj);
                close(fd);
        }
}

_noreturn_ static void child_exec(const struct service *s, int log_fd)
{
        sigset_t none;
        int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

        if (s->oom_score_adj != 0)
                set_oom_score_adj(s->oom_score_adj);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        setsid();
        umask(022);
        if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(log_fd, STDOUT_FILENO) < 0 ||
            dup2(log_fd, STDERR_FILENO) < 0 || chdir("/") < 0)
                _exit(126);
        if (s->own_mount_ns) {
                int r = mounts_enter_dockerd_namespace();

                if (r < 0) {
                        dprintf(STDERR_FILENO, "ecivm-init: %s: mount namespace: %s\n", s->name, strerror(-r));
                        _exit(126);
                }
        }
        close_range(3, ~0u, 0);
        execve(s->argv[0], (char *const *) s->argv, (char *const *) service_env);
        dprintf(STDERR_FILENO, "ecivm-init: exec %s: %s\n", s->argv[0], strerror(errno));
        _exit(127);
}

/* The host keeps the service logs (ecivm logs): the log port is a file on
 * the host side that the guest can only write to.  A virtio port opens only
 * once (EBUSY after), so init keeps it and hands out duplicates. */
static int open_service_log(const struct service *s)
{
        static int port = -1;

        if (s->to_host && port < 0)
                port = open("/dev/virtio-ports/" WIRE_PORT_LOG, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (s->to_host && port >= 0)
                return fcntl(port, F_DUPFD_CLOEXEC, 3);
        return open(s->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
}

int service_spawn(struct service *s)
{
        _cleanup_close_ int log_fd = open_service_log(s);
        pid_t pid;
        off_t end;

        if (log_fd < 0)
                return -errno;
        if (access(s->argv[0], X_OK) < 0)
                return -errno;
        if (s->mount_point)
                (void) umount2(s->mount_point, MNT_DETACH);
        end = lseek(log_fd, 0, SEEK_END);
        s->log_start = end < 0 ? 0 : end; /* the port does not seek */
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                child_exec(s, log_fd);
        s->pid = pid;
        s->state = SVC_STARTING;
        s->started_ms = now_ms();
        if (s->companion && s->companion->pid <= 0 && s->companion->restarts == 0 &&
            service_spawn(s->companion) == 0)
                s->companion->state = SVC_RUNNING; /* no readiness probe */
        return 0;
}

struct service *services_by_pid(struct service svc[SVC_COUNT], pid_t pid)
{
        for (int i = 0; i < SVC_COUNT; i++)
                if (svc[i].pid == pid && pid > 0)
                        return &svc[i];
        return NULL;
}

static unsigned recent_restarts(const struct service *s, uint64_t now)
{
        unsigned n = 0;

        for (int i = 0; i < SERVICE_MAX_RESTARTS; i++)
                if (s->recent[i] && now < s->recent[i] + SERVICE_RESTART_WINDOW_MS)
                        n++;
        return n;
}

int service_exited(struct service *s, int status, uint64_t now)
{
        unsigned n = recent_restarts(s, now);

        s->pid = 0;
        s->last_status = status;
        s->state = SVC_STOPPED;
        if (n >= SERVICE_MAX_RESTARTS)
                return s->optional ? 0 : -EMLINK;
        s->recent[s->restarts % SERVICE_MAX_RESTARTS] = now;
        s->restarts++;
        s->state = SVC_BACKOFF;
        s->restart_at_ms = now + (250u << n);
        return 0;
}

pid_t reap_one(int *status)
{
        pid_t pid;

        do
                pid = waitpid(-1, status, WNOHANG);
        while (pid < 0 && errno == EINTR);
        return pid > 0 ? pid : 0;
}

static bool wait_gone(struct service svc[SVC_COUNT], struct service *s, uint64_t deadline)
{
        while (s->pid > 0) {
                int status;
                pid_t pid = reap_one(&status);
                struct service *who = pid ? services_by_pid(svc, pid) : NULL;

                if (who) {
                        who->pid = 0;
                        who->last_status = status;
                        who->state = SVC_STOPPED;
                }
                if (pid)
                        continue;
                if (now_ms() >= deadline)
                        return false;
                sleep_ms(50);
        }
        return true;
}

void service_stop(struct service svc[SVC_COUNT], struct service *s, unsigned timeout_ms)
{
        s->state = SVC_STOPPED;
        if (s->pid <= 0)
                return;
        kill(s->pid, SIGTERM);
        if (wait_gone(svc, s, now_ms() + timeout_ms))
                return;
        kill(s->pid, SIGKILL);
        wait_gone(svc, s, now_ms() + 2000);
}

int service_wait_socket(struct service *s, const char *path, unsigned timeout_ms)
{
        uint64_t deadline = now_ms() + timeout_ms;

        while (!path_exists(path)) {
                int status;

                if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
                        s->pid = 0;
                        s->last_status = status;
                        s->state = SVC_STOPPED;
                        return -ECHILD;
                }
                if (now_ms() >= deadline)
                        return -ETIMEDOUT;
                sleep_ms(20);
        }
        s->state = SVC_RUNNING;
        return 0;
}
