/* ecivm-init: PID 1 of the ecivm guest.  Stage 1 runs in the initramfs and
 * ends with switch_root; stage 2 runs the Docker services and supervises
 * them.  Any failure prints a reason, tells the host and powers off: there
 * is no shell and no way to wait for input. */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "daemon-json.h"
#include "evidence.h"
#include "verity.h"
#include "init.h"
#include "log.h"
#include "modules.h"
#include "mounts.h"
#include "ports.h"
#include "switch-root.h"

#define BOOTED_WAIT_MS 2000u
#define PORTS_WAIT_MS 5000u
#define CONTAINERD_WAIT_MS 30000u
#define TEST_RUNTIME_MARKER "/etc/ecivm/test-runtime"
#define SETTINGS_WAIT_MS 10000u  /* the host answers BOOTED at once */
#define SETTINGS_NO_HOST_MS 3000u /* no host at all (a lab's virsh): defaults */

/* A bad command line is reported once the control port is up, so the host
 * gets the reason too; until then only the probe flag is trusted. */
static const char *read_cmdline(struct init_state *s, char *why, size_t cap)
{
        static char text[INIT_CMDLINE_BUF];
        struct init_cmdline_error err = { 0 };
        int r = read_file("/proc/cmdline", text, sizeof(text));
        size_t len;

        if (r < 0)
                init_fail(s, "cmdline", "read /proc/cmdline: %s", strerror(-r));
        if (init_cmdline_parse(text, &s->cmd, &err) == 0)
                return NULL;
        len = err.offset < strlen(text) ? strcspn(text + err.offset, " \t\n") : 0;
        if (len == 0)
                snprintf(why, cap, "kernel command line: %s", err.why);
        else
                snprintf(why, cap, "kernel command line: %s: %.*s", err.why, (int) (len > 64 ? 64 : len),
                         text + err.offset);
        return why;
}

static void read_identity(struct init_state *s)
{
        struct utsname u;
        int r;

        if (uname(&u) < 0)
                init_fail(s, "identity", "uname: %s", strerror(errno));
        copy_string(s->kernel, sizeof(s->kernel), u.release);
        r = read_line("/proc/sys/kernel/random/boot_id", s->boot_id, sizeof(s->boot_id));
        if (r < 0)
                init_fail(s, "identity", "read boot_id: %s", strerror(-r));
}

static void load_modules(struct init_state *s)
{
        char moddir[128], failed[256] = "";
        int r;

        snprintf(moddir, sizeof(moddir), "/lib/modules/%s", s->kernel);
        r = modules_load(INIT_MODULES_LIST, moddir, failed, sizeof(failed));
        if (r < 0)
                init_fail(s, "modules", "insmod %s: %s", failed, strerror(-r));
}

static void open_control(struct init_state *s)
{
        static const char *const ports[] = { WIRE_PORT_CONTROL, WIRE_PORT_DOCKER, NULL };
        int r = ports_wait(ports, PORTS_WAIT_MS);

        if (r < 0)
                init_fail(s, "ports", "virtio-serial ports %s and %s: %s", ports[0], ports[1], strerror(-r));
        r = control_open(&s->ctl, INIT_PORTS_DIR "/" WIRE_PORT_CONTROL);
        if (r < 0)
                init_fail(s, "ports", "open control port: %s", strerror(-r));
        if (control_wait_host(&s->ctl, BOOTED_WAIT_MS))
                send_booted(s);
        else
                log_msg("control: no host yet; BOOTED goes out when one connects");
}

static void mount_disks(struct init_state *s)
{
        const char *what = NULL, *root = VERITY_DEV;
        int r = verity_setup(&s->cmd, &what);

        if (r < 0)
                init_fail(s, "verity", "dm-verity root on %s (hash %s): %s: %s", s->cmd.root,
                          s->cmd.verity_hash_dev, what, r == -EBADMSG ? "superblock does not match" : strerror(-r));
        log_msg("dm-verity root %s over %s ready", VERITY_DEV, s->cmd.root);
        r = mounts_root(root, s->cmd.rootfstype, &what);
        if (r < 0)
                verity_fail_if_corrupted(s);
        if (r < 0)
                init_fail(s, "mount-root", "mount %s (%s, dm-verity over %s) read-only: %s", root,
                          s->cmd.rootfstype, s->cmd.root, strerror(-r));
        r = mounts_has_ext4(s->cmd.data);
        if (r < 0)
                init_fail(s, "mount-data", "read data disk %s: %s", s->cmd.data, strerror(-r));
        if (r == 0)
                init_fail(s, "mount-data", "data disk %s has no ext4 filesystem (the host must create it)",
                          s->cmd.data);
        r = mounts_data(s->cmd.data, &what);
        if (r < 0)
                init_fail(s, "mount-data", "mount data disk %s: %s", s->cmd.data, strerror(-r));
}

static void stage1(struct init_state *s)
{
        const char *what = NULL, *bad_cmdline;
        char why[256];
        int r = mounts_early(&what);

        (void) log_open_console();
        if (r < 0)
                init_fail(s, "mount-early", "mount %s: %s", what, strerror(-r));
        log_msg("started at %llu ms", (unsigned long long) now_ms());
        bad_cmdline = read_cmdline(s, why, sizeof(why));
        if (s->cmd.probe) {
                log_raw("ECIVM-PROBE-OK\n");
                init_power_off();
        }
        read_identity(s);
        load_modules(s);
        log_msg("modules loaded at %llu ms", (unsigned long long) now_ms());
        open_control(s);
        if (bad_cmdline)
                init_fail(s, "cmdline", "%s", bad_cmdline);
        mount_disks(s);
        r = switch_root(INIT_NEWROOT, &what);
        if (r < 0)
                init_fail(s, "switch-root", "switch_root (%s): %s", what, strerror(-r));
        s->stage = "root";
        log_msg("switched root at %llu ms", (unsigned long long) now_ms());
}

/* The host pushes the effective settings in answer to BOOTED.  Without a
 * host (a domain started by hand) the defaults are the strictest: ECI, no
 * socket-mount allow-list, no extra dockerd options. */
static void wait_for_settings(struct init_state *s)
{
        uint64_t start = now_ms();

        while (!s->settings.received) {
                uint64_t waited = now_ms() - start;
                struct pollfd p = { .fd = s->ctl.fd, .events = POLLIN };

                if (waited >= (s->booted_sent ? SETTINGS_WAIT_MS : SETTINGS_NO_HOST_MS))
                        break;
                if (control_refresh(&s->ctl, now_ms()) && !s->booted_sent)
                        send_booted(s);
                if (!s->ctl.connected) {
                        sleep_ms(50);
                        continue;
                }
                if (poll(&p, 1, 100) > 0)
                        control_read(&s->ctl, on_control, s);
        }
        if (!s->settings.received) {
                log_msg("no settings from the host: defaults (ECI, no socket-mount allow-list, no dockerd options)");
                memcpy(s->settings.daemon_options, "{}", 3);
                memcpy(s->settings.eci_json, "{}", 3);
        } else {
                log_msg("settings %.16s… from the host at %llu ms", s->settings.digest,
                        (unsigned long long) now_ms());
        }
        s->settings.applied = true;
}

static void write_eci_json(struct init_state *s)
{
        int r = mkdir_p(WIRE_PATH_ECI_DIR, 0700);

        if (r == 0)
                r = write_file(WIRE_PATH_ECI_JSON, s->settings.eci_json, 0600);
        if (r < 0)
                init_fail(s, "settings", "write %s: %s", WIRE_PATH_ECI_JSON, strerror(-r));
}

static void write_daemon_json(struct init_state *s)
{
        static char members[WIRE_SETTINGS_TEXT_MAX + 1];
        struct daemon_json cfg;
        char text[WIRE_EVIDENCE_DAEMON_JSON_MAX];
        ssize_t n;
        int r;

        daemon_json_defaults(&cfg);
        cfg.iptables = s->cmd.dockerd_iptables;
        /* test images only (images/build.sh --test-runtime): the real runc
         * beside ecivm-runc, so tests can show what ECI prevents */
        if (path_exists(TEST_RUNTIME_MARKER)) {
                cfg.runtime_name = "plain-runc";
                cfg.runtime_path = WIRE_PATH_REAL_RUNC;
                cfg.runtime_extra = true;
        }
        cfg.extra_members = settings_object_members(s->settings.daemon_options, members, sizeof(members));
        if (!cfg.extra_members)
                init_fail(s, "daemon-json", "dockerd options from the host are not a JSON object");
        n = daemon_json_build(&cfg, text, sizeof(text));
        if (n < 0)
                init_fail(s, "daemon-json", "build daemon.json: %s", strerror((int) -n));
        r = write_file(WIRE_PATH_DAEMON_JSON, text, 0600);
        if (r < 0)
                init_fail(s, "daemon-json", "write %s: %s", WIRE_PATH_DAEMON_JSON, strerror(-r));
}

void start_service(struct init_state *s, enum service_id id)
{
        struct service *svc = &s->svc[id];
        int r = service_spawn(svc);

        if (r < 0)
                init_fail(s, "services", "start %s (%s): %s", svc->name, svc->argv[0], strerror(-r));
        if (id != SVC_DOCKERD)
                svc->state = SVC_RUNNING; /* only dockerd has a readiness probe */
}

static void start_services(struct init_state *s)
{
        int r;

        /* dockerd starts beside containerd, not once its socket is there:
         * its containerd client keeps dialing while the socket is missing
         * (60 s), and paging in and starting the two Go binaries, most of
         * the boot under TCG, then overlaps on the two vCPUs. */
        start_service(s, SVC_CONTAINERD);
        start_service(s, SVC_DOCKERD);
        r = service_wait_socket(&s->svc[SVC_CONTAINERD], WIRE_PATH_CONTAINERD_SOCKET, CONTAINERD_WAIT_MS);
        if (r < 0) {
                log_tail("containerd", s->svc[SVC_CONTAINERD].log_path, s->svc[SVC_CONTAINERD].log_start, 10);
                init_fail(s, "services", "containerd socket %s: %s", WIRE_PATH_CONTAINERD_SOCKET,
                          r == -ECHILD ? "containerd exited" : strerror(-r));
        }
        log_msg("containerd up at %llu ms", (unsigned long long) now_ms());
        start_service(s, SVC_AGENT);
        s->next_ping = now_ms();
}

static void stage2(struct init_state *s)
{
        const char *what = NULL;
        int r = mounts_stage2(&what);

        if (r < 0)
                init_fail(s, "mounts", "mount %s: %s", what, strerror(-r));
        if (sethostname("ecivm", 5) < 0)
                init_fail(s, "hostname", "sethostname: %s", strerror(errno));
        wait_for_settings(s);
        write_eci_json(s);
        write_daemon_json(s);
        harden_kernel(s);
        protect_working_set();
        r = loop_setup(s);
        if (r < 0)
                init_fail(s, "loop", "signalfd/timerfd: %s", strerror(-r));
        start_services(s);
        s->next_heartbeat = now_ms() + (uint64_t) s->cmd.heartbeat_s * 1000u;
}

int main(void)
{
        static struct init_state s = { .stage = "initramfs", .sigfd = -1, .timerfd = -1, .powerfd = -1 };

        if (getpid() != 1) {
                fprintf(stderr, "ecivm-init: must run as PID 1\n");
                return 1;
        }
        control_init(&s.ctl);
        docker_ping_init(&s.ping);
        services_init(s.svc);
        stage1(&s);
        stage2(&s);
        loop_run(&s);
        init_shutdown(&s);
}
