#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "evidence.h"
#include "init.h"
#include "log.h"
#include "verity.h"

#define LOCKDOWN "/sys/kernel/security/lockdown"
#define DAEMON_JSON "/etc/docker/daemon.json"

static void add_file_line(struct init_state *s, const char *key, const char *path)
{
        char buf[1024];

        if (read_line(path, buf, sizeof(buf)) < 0)
                snprintf(buf, sizeof(buf), "unavailable");
        control_add(&s->ctl, key, "%s", buf);
}

static void add_lockdown(struct init_state *s)
{
        if (access(LOCKDOWN, R_OK) < 0)
                (void) mount("securityfs", "/sys/kernel/security", "securityfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                             NULL);
        add_file_line(s, "lockdown", LOCKDOWN);
}

static void add_cmdline(struct init_state *s)
{
        static char text[INIT_CMDLINE_MAX + 1];
        size_t n;

        if (read_file("/proc/cmdline", text, sizeof(text)) < 0)
                snprintf(text, sizeof(text), "unavailable");
        n = strcspn(text, "\n");
        text[n] = '\0';
        control_add(&s->ctl, "cmdline", "%s", text);
}

static void add_daemon_json(struct init_state *s)
{
        static char text[WIRE_EVIDENCE_DAEMON_JSON_MAX + 1];
        static const char digits[] = "0123456789abcdef";
        char hex[WIRE_EVIDENCE_HEX_CHUNK + 1], key[32];
        int r = read_file(DAEMON_JSON, text, sizeof(text));
        size_t len, chunk = 0, h = 0;

        if (r < 0) {
                control_add(&s->ctl, "daemon_json_len", "-1");
                return;
        }
        len = strlen(text);
        control_add(&s->ctl, "daemon_json_len", "%zu", len);
        for (size_t i = 0; i < len; i++) {
                hex[h++] = digits[(unsigned char) text[i] >> 4];
                hex[h++] = digits[(unsigned char) text[i] & 15];
                if (h == WIRE_EVIDENCE_HEX_CHUNK || i + 1 == len) {
                        hex[h] = '\0';
                        snprintf(key, sizeof(key), "daemon_json.%zu", chunk++);
                        control_add(&s->ctl, key, "%s", hex);
                        h = 0;
                }
        }
}

static void add_root_ro(struct init_state *s)
{
        struct statvfs st;

        control_add(&s->ctl, "root_ro", "%d", statvfs("/", &st) == 0 && (st.f_flag & ST_RDONLY) ? 1 : 0);
}

/* Every way to a login or a shell the image could carry: none of them may
 * exist (images/root-drop.txt), and this shows it on the running VM. */
static void add_login_paths(struct init_state *s)
{
        static const char *const paths[] = {
                "/bin/sh",        "/bin/bash",         "/bin/dash",      "/bin/busybox",  "/bin/login",
                "/sbin/getty",    "/sbin/agetty",      "/usr/sbin/sshd", "/usr/sbin/dropbear", "/bin/su",
                "/usr/bin/sudo",
        };
        char list[512] = "";
        size_t used = 0;

        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
                int n;

                if (access(paths[i], F_OK) < 0)
                        continue;
                n = snprintf(list + used, sizeof(list) - used, "%s%s", used ? "," : "", paths[i]);
                if (n > 0 && (size_t) n < sizeof(list) - used)
                        used += (size_t) n;
        }
        control_add(&s->ctl, "login_paths", "%s", used ? list : "none");
}

void evidence_reply(struct init_state *s, const struct wire_control *request)
{
        const char *nonce = wire_control_get(request, "nonce");
        int v = verity_status();

        control_begin(&s->ctl, WIRE_V_EVIDENCE_REPLY, request->id);
        control_add(&s->ctl, "nonce", "%s", nonce ? nonce : "");
        control_add(&s->ctl, "kernel", "%s", s->kernel);
        add_cmdline(s);
        add_file_line(s, "boot_id", "/proc/sys/kernel/random/boot_id");
        add_lockdown(s);
        add_file_line(s, "modules_disabled", "/proc/sys/kernel/modules_disabled");
        add_file_line(s, "kptr_restrict", "/proc/sys/kernel/kptr_restrict");
        add_file_line(s, "dmesg_restrict", "/proc/sys/kernel/dmesg_restrict");
        add_file_line(s, "unprivileged_bpf_disabled", "/proc/sys/kernel/unprivileged_bpf_disabled");
        add_file_line(s, "kexec_load_disabled", "/proc/sys/kernel/kexec_load_disabled");
        add_root_ro(s);
        add_login_paths(s);
        control_add(&s->ctl, "settings_digest", "%s", s->settings.received ? s->settings.digest : "none");
        add_file_line(s, "tainted", "/proc/sys/kernel/tainted");
        control_add(&s->ctl, "verity", "%s", v == 'V' ? "V" : v == 'C' ? "C" : "none");
        add_daemon_json(s);
        if (control_send(&s->ctl, 500) < 0)
                log_msg("control: EVIDENCE reply not sent");
}

void verity_fail_if_corrupted(struct init_state *s)
{
        if (s->cmd.verity_root_hash[0] != '\0' && verity_status() == 'C')
                init_fail(s, "verity",
                          "root image corrupted: dm-verity refused a modified block (root hash %.16s…)",
                          s->cmd.verity_root_hash);
}
