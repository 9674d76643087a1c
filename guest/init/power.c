#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <linux/input.h>

#include "init.h"
#include "log.h"
#include "mounts.h"

#define FAILURE_SEND_TIMEOUT_MS 1000u

static void kill_leftovers(void)
{
        uint64_t deadline = now_ms() + 2000;
        int status;

        kill(-1, SIGKILL);
        for (;;) {
                pid_t pid = waitpid(-1, &status, WNOHANG);

                if (pid > 0 || (pid < 0 && errno == EINTR))
                        continue;
                if (pid < 0 || now_ms() >= deadline)
                        return;
                sleep_ms(20);
        }
}

_noreturn_ void init_power_off(void)
{
        sync();
        reboot(RB_POWER_OFF);
        reboot(RB_HALT_SYSTEM);
        _exit(1);
}

_noreturn_ static void teardown_and_power_off(void)
{
        kill_leftovers();
        sync();
        mounts_umount_tree(WIRE_PATH_DOCKER_ROOT);
        mounts_umount_tree("/var/lib/containerd");
        mounts_umount_tree("/data");
        log_msg("power off");
        init_power_off();
}

_noreturn_ void init_fail(struct init_state *s, const char *step, const char *fmt, ...)
{
        char reason[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(reason, sizeof(reason), fmt, ap);
        va_end(ap);
        log_msg("FAILED: %s", reason);
        if (s && s->ctl.fd >= 0) {
                control_wait_host(&s->ctl, FAILURE_SEND_TIMEOUT_MS);
                control_begin(&s->ctl, WIRE_V_FAILURE, 0);
                control_add(&s->ctl, "reason", "%s", reason);
                control_add(&s->ctl, "step", "%s", step);
                (void) control_send(&s->ctl, FAILURE_SEND_TIMEOUT_MS);
        }
        teardown_and_power_off();
}

_noreturn_ void init_shutdown(struct init_state *s)
{
        static const struct {
                enum service_id id;
                unsigned timeout_ms;
        } order[] = { { SVC_DOCKERD, 20000 }, { SVC_CONTAINERD, 10000 }, { SVC_AGENT, 2000 },
                      { SVC_LXCFS, 2000 }, { SVC_PROCFS, 2000 } };

        log_msg("shutting down");
        send_event(s, "init", "stopping", NULL);
        for (size_t i = 0; i < ELEMENTSOF(order); i++)
                service_stop(s->svc, &s->svc[order[i].id], order[i].timeout_ms);
        teardown_and_power_off();
}

static bool is_power_button(const char *event)
{
        char path[300], name[128];

        snprintf(path, sizeof(path), "/sys/class/input/%s/device/name", event);
        return read_line(path, name, sizeof(name)) == 0 && strcmp(name, "Power Button") == 0;
}

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

int power_button_open(void)
{
        _cleanup_(closedirp) DIR *d = opendir("/sys/class/input");
        struct dirent *de;
        char dev[300];

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                if (strncmp(de->d_name, "event", 5) != 0 || !is_power_button(de->d_name))
                        continue;
                snprintf(dev, sizeof(dev), "/dev/input/%s", de->d_name);
                return RET_NERRNO(open(dev, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
        }
        return -ENODEV;
}

bool power_button_pressed(int fd)
{
        struct input_event ev[16];
        ssize_t n = read(fd, ev, sizeof(ev));

        for (ssize_t i = 0; n > 0 && i < n / (ssize_t) sizeof(ev[0]); i++)
                if (ev[i].type == EV_KEY && ev[i].code == KEY_POWER && ev[i].value == 1)
                        return true;
        return false;
}
