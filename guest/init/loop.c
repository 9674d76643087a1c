#include "config.h"

#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "evidence.h"
#include "init.h"
#include "log.h"

enum { P_SIGNAL, P_TIMER, P_CONTROL, P_POWER, P_PING, P_COUNT };

int loop_setup(struct init_state *s)
{
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGPWR);
        signal(SIGPIPE, SIG_IGN);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        s->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        if (s->sigfd < 0)
                return -errno;
        s->timerfd = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC);
        if (s->timerfd < 0)
                return -errno;
        /* Ctrl-Alt-Del becomes SIGINT to us instead of an instant reboot. */
        (void) reboot(RB_DISABLE_CAD);
        s->powerfd = power_button_open();
        if (s->powerfd < 0)
                log_errno(s->powerfd, "no ACPI power button device; power-off requests need SIGPWR or SHUTDOWN");
        return 0;
}

static void on_service_exit(struct init_state *s, struct service *svc, int status)
{
        char st[32];

        exit_status_string(status, st, sizeof(st));
        if (s->stop_requested) {
                svc->pid = 0;
                svc->state = SVC_STOPPED;
                return;
        }
        log_msg("%s (pid %d) exited: %s", svc->name, (int) svc->pid, st);
        log_tail(svc->name, svc->log_path, svc->log_start, 10);
        verity_fail_if_corrupted(s);
        if (service_exited(svc, status, now_ms()) < 0)
                init_fail(s, "supervise", "%s exited %d times within %u s (last exit %s)", svc->name,
                          SERVICE_MAX_RESTARTS + 1, SERVICE_RESTART_WINDOW_MS / 1000, st);
}

static void on_signals(struct init_state *s)
{
        struct signalfd_siginfo si;
        int status;
        pid_t pid;

        while (read(s->sigfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                if (si.ssi_signo == SIGCHLD)
                        continue;
                log_msg("signal %s: shutting down", strsignal((int) si.ssi_signo));
                s->stop_requested = true;
        }
        while ((pid = reap_one(&status)) > 0) {
                struct service *svc = services_by_pid(s->svc, pid);

                if (svc)
                        on_service_exit(s, svc, status);
        }
}

static void restart_due(struct init_state *s, uint64_t now)
{
        char st[32];

        for (int i = 0; i < SVC_COUNT; i++) {
                struct service *svc = &s->svc[i];

                if (svc->state != SVC_BACKOFF || now < svc->restart_at_ms)
                        continue;
                start_service(s, (enum service_id) i);
                send_event(s, svc->name, "restarted", exit_status_string(svc->last_status, st, sizeof(st)));
                if (i == SVC_DOCKERD)
                        s->next_ping = now;
        }
}

static void dockerd_ready(struct init_state *s)
{
        struct service *d = &s->svc[SVC_DOCKERD];

        docker_ping_stop(&s->ping);
        d->state = SVC_RUNNING;
        if (s->ready_ms) {
                log_msg("dockerd ready again");
                send_event(s, "dockerd", "ready", NULL);
                return;
        }
        s->ready_ms = now_ms();
        log_msg("dockerd ready at %llu ms (started at %llu ms)", (unsigned long long) s->ready_ms,
                (unsigned long long) d->started_ms);
        send_ready(s);
}

static void on_ping(struct init_state *s)
{
        int r = docker_ping_read(&s->ping);

        if (r > 0) {
                dockerd_ready(s);
        } else if (r < 0) {
                docker_ping_stop(&s->ping);
                s->next_ping = now_ms() + DOCKER_PING_INTERVAL_MS;
        }
}

static void check_dockerd(struct init_state *s, uint64_t now)
{
        struct service *d = &s->svc[SVC_DOCKERD];

        if (d->state != SVC_STARTING) {
                docker_ping_stop(&s->ping);
                return;
        }
        if (now > d->started_ms + DOCKER_READY_TIMEOUT_MS)
                init_fail(s, "dockerd-ready", "dockerd did not answer /_ping within %u s",
                          DOCKER_READY_TIMEOUT_MS / 1000);
        if (s->ping.fd >= 0 && now >= s->ping.deadline)
                docker_ping_stop(&s->ping);
        if (s->ping.fd >= 0 || now < s->next_ping)
                return;
        if (docker_ping_start(&s->ping, WIRE_PATH_DOCKER_SOCKET, now + DOCKER_PING_ATTEMPT_MS) < 0)
                s->next_ping = now + DOCKER_PING_INTERVAL_MS;
}

static void on_tick(struct init_state *s, uint64_t now)
{
        if (control_refresh(&s->ctl, now)) {
                log_msg("control: host connected");
                if (!s->booted_sent) {
                        send_booted(s);
                        if (s->ready_ms)
                                send_ready(s);
                }
        }
        restart_due(s, now);
        check_dockerd(s, now);
        now = now_ms();
        if (now >= s->next_heartbeat) {
                verity_fail_if_corrupted(s);
                s->next_heartbeat = now + (uint64_t) s->cmd.heartbeat_s * 1000u;
                if (s->ctl.connected)
                        send_heartbeat(s);
        }
}

static uint64_t next_deadline(const struct init_state *s)
{
        uint64_t t = s->next_heartbeat;

        if (!s->ctl.connected && s->ctl.fd >= 0 && s->ctl.retry_at < t)
                t = s->ctl.retry_at;
        if (s->svc[SVC_DOCKERD].state == SVC_STARTING) {
                uint64_t ping = s->ping.fd >= 0 ? s->ping.deadline : s->next_ping;
                if (ping < t)
                        t = ping;
        }
        for (int i = 0; i < SVC_COUNT; i++)
                if (s->svc[i].state == SVC_BACKOFF && s->svc[i].restart_at_ms < t)
                        t = s->svc[i].restart_at_ms;
        return t;
}

static void arm_timer(struct init_state *s)
{
        uint64_t t = next_deadline(s);
        struct itimerspec its = {
                .it_value = { .tv_sec = (time_t) (t / 1000), .tv_nsec = (long) (t % 1000) * 1000000L },
        };

        if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
                its.it_value.tv_nsec = 1;
        (void) timerfd_settime(s->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void on_power_button(struct init_state *s, short revents)
{
        if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
                close(s->powerfd);
                s->powerfd = -1;
                return;
        }
        if (power_button_pressed(s->powerfd)) {
                log_msg("power button: shutting down");
                s->stop_requested = true;
        }
}

static int fill_pollfds(const struct init_state *s, struct pollfd p[P_COUNT])
{
        p[P_SIGNAL] = (struct pollfd){ .fd = s->sigfd, .events = POLLIN };
        p[P_TIMER] = (struct pollfd){ .fd = s->timerfd, .events = POLLIN };
        p[P_CONTROL] = (struct pollfd){ .fd = s->ctl.connected ? s->ctl.fd : -1, .events = POLLIN };
        p[P_POWER] = (struct pollfd){ .fd = s->powerfd, .events = POLLIN };
        p[P_PING] = (struct pollfd){ .fd = s->ping.fd, .events = POLLIN };
        return P_COUNT;
}

void loop_run(struct init_state *s)
{
        while (!s->stop_requested) {
                struct pollfd p[P_COUNT];
                uint64_t expirations;
                int n = fill_pollfds(s, p);

                arm_timer(s);
                if (poll(p, (nfds_t) n, -1) < 0) {
                        if (errno != EINTR)
                                init_fail(s, "loop", "poll: %s", strerror(errno));
                        continue;
                }
                if (p[P_SIGNAL].revents)
                        on_signals(s);
                if (p[P_TIMER].revents)
                        (void) read(s->timerfd, &expirations, sizeof(expirations));
                if (p[P_CONTROL].revents)
                        control_read(&s->ctl, on_control, s);
                if (p[P_POWER].revents)
                        on_power_button(s, p[P_POWER].revents);
                if (p[P_PING].revents)
                        on_ping(s);
                on_tick(s, now_ms());
        }
}
