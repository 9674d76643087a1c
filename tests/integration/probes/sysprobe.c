/* sysprobe SYSCALL...: tries each privileged syscall a container must not
 * get under ECI and prints "<name> ok" or "<name> <errno name>".  Static, for
 * the busybox test image (tests/integration/eci-*.sh). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long try_bpf(void)
{
        union bpf_attr a;

        memset(&a, 0, sizeof(a));
        a.map_type = BPF_MAP_TYPE_ARRAY;
        a.key_size = 4;
        a.value_size = 4;
        a.max_entries = 1;
        return syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
}

static long try_finit_module(void)
{
        int fd = open("/bin/busybox", O_RDONLY | O_CLOEXEC);

        /* not a module: ENOEXEC when allowed to try, EPERM when not */
        return syscall(SYS_finit_module, fd, "", 0);
}

static long try_kexec(void)
{
        /* no segments: EINVAL/ENOSYS when allowed to try, EPERM when not */
        return syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0UL);
}

#ifndef KEXEC_FILE_UNLOAD
#define KEXEC_FILE_UNLOAD 0x00000001
#endif
static long try_kexec_file(void)
{
        /* unload whatever kernel is loaded: needs CAP_SYS_BOOT in the VM, and
         * unlike kexec_load not refused by the VM's lockdown */
        return syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL, (unsigned long) KEXEC_FILE_UNLOAD);
}

static long try_keyctl(void)
{
        /* the VM's user keyring, not a new session one */
        return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);
}

static long try_open_by_handle(void)
{
        struct {
                unsigned int bytes;
                int type;
                unsigned char h[8];
        } fh = { 8, 1, { 2, 0, 0, 0, 0, 0, 0, 0 } };

        return syscall(SYS_open_by_handle_at, AT_FDCWD, &fh, O_RDONLY);
}

int main(int argc, char **argv)
{
        static const struct {
                const char *name;
                long (*fn)(void);
        } probes[] = {
                { "bpf", try_bpf },     { "finit_module", try_finit_module },        { "kexec_load", try_kexec },
                { "kexec_file_load", try_kexec_file },
                { "keyctl", try_keyctl }, { "open_by_handle_at", try_open_by_handle },
        };

        for (int i = 1; i < argc; i++)
                for (size_t p = 0; p < sizeof(probes) / sizeof(probes[0]); p++) {
                        long r;

                        if (strcmp(argv[i], probes[p].name) != 0)
                                continue;
                        errno = 0;
                        r = probes[p].fn();
                        if (r >= 0)
                                printf("%s ok\n", argv[i]);
                        else
                                printf("%s %s\n", argv[i], strerrorname_np(errno));
                }
        return 0;
}
