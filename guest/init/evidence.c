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

static void add_file_line(struct init_state *s, const char *key, const char *path)
{
        char buf[1024];

        if (read_line(path, buf, sizeof(buf)) < 0)
                snprintf(buf, sizeof(buf), "unavailable");
        control_add(&s->ctl, key, "%s", buf);
}

static void add_lockdown(struct init_state *s, const char *key)
{
        if (access(LOCKDOWN, R_OK) < 0)
                (void) mount("securityfs", "/sys/kernel/security", "securityfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                             NULL);
        add_file_line(s, key, LOCKDOWN);
}

static void add_cmdline(struct init_state *s, const char *key)
{
        static char text[INIT_CMDLINE_BUF];
        size_t n;

        if (read_file("/proc/cmdline", text, sizeof(text)) < 0)
                snprintf(text, sizeof(text), "unavailable");
        n = strcspn(text, "\n");
        text[n] = '\0';
        control_add(&s->ctl, key, "%s", text);
}

static void add_daemon_json(struct init_state *s, const char *name)
{
        static char text[WIRE_EVIDENCE_DAEMON_JSON_MAX + 1];
        static const char digits[] = "0123456789abcdef";
        char hex[WIRE_EVIDENCE_HEX_CHUNK + 1], key[64];
        int r = read_file(WIRE_PATH_DAEMON_JSON, text, sizeof(text));
        size_t len, chunk = 0, h = 0;

        if (wire_evidence_hex_key(key, sizeof(key), name, 0, 0) < 0)
                return;
        if (r < 0) {
                control_add(&s->ctl, key, "-1");
                return;
        }
        len = strlen(text);
        control_add(&s->ctl, key, "%zu", len);
        for (size_t i = 0; i < len; i++) {
                hex[h++] = digits[(unsigned char) text[i] >> 4];
                hex[h++] = digits[(unsigned char) text[i] & 15];
                if (h == WIRE_EVIDENCE_HEX_CHUNK || i + 1 == len) {
                        hex[h] = '\0';
                        if (wire_evidence_hex_key(key, sizeof(key), name, (unsigned) chunk++, 1) == 0)
                                control_add(&s->ctl, key, "%s", hex);
                        h = 0;
                }
        }
}

static void add_root_ro(struct init_state *s, const char *key)
{
        struct statvfs st;

        control_add(&s->ctl, key, "%d", statvfs("/", &st) == 0 && (st.f_flag & ST_RDONLY) ? 1 : 0);
}

/* Every way to a login or a shell the image could carry: none of them may
 * exist (images/root-drop.txt), and this shows it on the running VM. */
static void add_login_paths(struct init_state *s, const char *key)
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
        control_add(&s->ctl, key, "%s", used ? list : "none");
}

static void add_field(struct init_state *s, enum wire_evidence_member f, const char *nonce)
{
        const char *key = wire_evidence_members[f].key;
        int v;

        switch (f) {
        case WIRE_EVIDENCE_NONCE:
                control_add(&s->ctl, key, "%s", nonce ? nonce : "");
                return;
        case WIRE_EVIDENCE_KERNEL:
                control_add(&s->ctl, key, "%s", s->kernel);
                return;
        case WIRE_EVIDENCE_CMDLINE:
                add_cmdline(s, key);
                return;
        case WIRE_EVIDENCE_BOOT_ID:
                add_file_line(s, key, "/proc/sys/kernel/random/boot_id");
                return;
        case WIRE_EVIDENCE_LOCKDOWN:
                add_lockdown(s, key);
                return;
        case WIRE_EVIDENCE_MODULES_DISABLED:
                add_file_line(s, key, "/proc/sys/kernel/modules_disabled");
                return;
        case WIRE_EVIDENCE_TAINTED:
                add_file_line(s, key, "/proc/sys/kernel/tainted");
                return;
        case WIRE_EVIDENCE_VERITY:
                v = verity_status();
                control_add(&s->ctl, key, "%s", v == 'V' ? "V" : v == 'C' ? "C" : "none");
                return;
        case WIRE_EVIDENCE_KPTR_RESTRICT:
                add_file_line(s, key, "/proc/sys/kernel/kptr_restrict");
                return;
        case WIRE_EVIDENCE_DMESG_RESTRICT:
                add_file_line(s, key, "/proc/sys/kernel/dmesg_restrict");
                return;
        case WIRE_EVIDENCE_UNPRIVILEGED_BPF_DISABLED:
                add_file_line(s, key, "/proc/sys/kernel/unprivileged_bpf_disabled");
                return;
        case WIRE_EVIDENCE_KEXEC_LOAD_DISABLED:
                add_file_line(s, key, "/proc/sys/kernel/kexec_load_disabled");
                return;
        case WIRE_EVIDENCE_ROOT_RO:
                add_root_ro(s, key);
                return;
        case WIRE_EVIDENCE_LOGIN_PATHS:
                add_login_paths(s, key);
                return;
        case WIRE_EVIDENCE_SETTINGS_DIGEST:
                control_add(&s->ctl, key, "%s", s->settings.received ? s->settings.digest : "none");
                return;
        case WIRE_EVIDENCE_DAEMON_JSON:
                add_daemon_json(s, key);
                return;
        case WIRE_EVIDENCE_DAEMON_JSON_SHA256:
        case WIRE_EVIDENCE_RUNTIMES:
        case WIRE_EVIDENCE_DEFAULT_RUNTIME:
        case WIRE_EVIDENCE_N_MEMBERS:
                break; /* the host's */
        }
}

/* Every field of WIRE_EVIDENCE_FIELDS, in the table's order. */
void evidence_reply(struct init_state *s, const struct wire_control *request)
{
        const char *nonce = wire_control_get(request, WIRE_EVIDENCE_KEY(NONCE));

        control_begin(&s->ctl, WIRE_V_EVIDENCE_REPLY, request->id);
        for (int f = 0; f < WIRE_EVIDENCE_N_FIELDS; f++)
                add_field(s, (enum wire_evidence_member) f, nonce);
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
