/* Kernel settings that close the VM once ecivm-init no longer needs what
 * they take away (module loading, kexec): each is written, then read back,
 * and one that did not stick fails the boot rather than run a weaker VM. */
#include "config.h"

#include <string.h>

#include "init.h"
#include "log.h"

static const struct {
        const char *path, *value;
} hardening[] = {
        { "/proc/sys/kernel/kptr_restrict", "2" },
        { "/proc/sys/kernel/dmesg_restrict", "1" },
        { "/proc/sys/kernel/unprivileged_bpf_disabled", "1" },
        { "/proc/sys/kernel/kexec_load_disabled", "1" },
        { "/proc/sys/kernel/modules_disabled", "1" }, /* last: every module is in by now */
};

void harden_kernel(struct init_state *s)
{
        for (size_t i = 0; i < sizeof(hardening) / sizeof(hardening[0]); i++) {
                char now[16];
                int r = write_file(hardening[i].path, hardening[i].value, 0644);

                if (r == 0)
                        r = read_line(hardening[i].path, now, sizeof(now));
                if (r < 0)
                        init_fail(s, "harden", "%s: %s", hardening[i].path, strerror(-r));
                if (strcmp(now, hardening[i].value) != 0)
                        init_fail(s, "harden", "%s is %s after writing %s", hardening[i].path, now,
                                  hardening[i].value);
        }
        log_msg("kernel hardened: modules, kexec and unprivileged BPF closed, kernel pointers and dmesg hidden");
}
