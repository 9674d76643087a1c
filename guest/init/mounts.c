#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "contract.h"
#include "mounts.h"
#include "util.h"

#define EXT4_MAGIC_OFFSET 1080
#define EXT4_MAGIC 0xEF53

struct mount_spec {
        const char *source, *target, *fstype;
        unsigned long flags;
        const char *options;
        bool mkdir;    /* the target lives on a writable fs we may create it on */
        bool optional; /* skip when the image has no such directory */
};

static int mount_one(const struct mount_spec *m)
{
        int r;

        if (m->mkdir) {
                r = mkdir_p(m->target, 0755);
                if (r < 0)
                        return r;
        }
        if (m->optional && !path_exists(m->target))
                return 0;
        return RET_NERRNO(mount(m->source, m->target, m->fstype, m->flags, m->options));
}

static int mount_all(const struct mount_spec *specs, size_t n, const char **what)
{
        for (size_t i = 0; i < n; i++) {
                int r = mount_one(&specs[i]);

                if (r < 0) {
                        *what = specs[i].target;
                        return r;
                }
        }
        return 0;
}

#define NOSUID_NODEV_NOEXEC (MS_NOSUID | MS_NODEV | MS_NOEXEC)

int mounts_early(const char **what)
{
        static const struct mount_spec specs[] = {
                { "devtmpfs", "/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755", true },
                { "proc", "/proc", "proc", NOSUID_NODEV_NOEXEC, NULL, true },
                { "sysfs", "/sys", "sysfs", NOSUID_NODEV_NOEXEC, NULL, true },
                { "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64m", true },
        };

        return mount_all(specs, ELEMENTSOF(specs), what);
}

int mounts_root(const char *dev, const char *fstype, const char **what)
{
        const struct mount_spec spec = { dev, INIT_NEWROOT, fstype, MS_RDONLY | MS_NOSUID | MS_NODEV, NULL, true };

        return mount_all(&spec, 1, what);
}

int mounts_has_ext4(const char *dev)
{
        _cleanup_close_ int fd = open(dev, O_RDONLY | O_CLOEXEC);
        uint8_t magic[2];
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = pread(fd, magic, sizeof(magic), EXT4_MAGIC_OFFSET);
        if (n < 0)
                return -errno;
        if (n != sizeof(magic))
                return 0;
        return (magic[0] | magic[1] << 8) == EXT4_MAGIC;
}

int mounts_data(const char *dev, const char **what)
{
        const struct mount_spec spec = { dev, INIT_NEWROOT "/data", "ext4", MS_NOATIME, NULL, false };

        return mount_all(&spec, 1, what);
}

static int bind_data_dir(const char *dir, const char *target, const char **what)
{
        int r = mkdir_p(dir, 0710);

        if (r < 0) {
                *what = dir;
                return r;
        }
        r = RET_NERRNO(mount(dir, target, NULL, MS_BIND, NULL));
        if (r < 0)
                *what = target;
        return r;
}

int mounts_stage2(const char **what)
{
        static const struct mount_spec specs[] = {
                { "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=256m", false },
                { "tmpfs", "/etc/docker", "tmpfs", NOSUID_NODEV_NOEXEC, "mode=0700,size=1m", false },
                { "tmpfs", "/var/log", "tmpfs", NOSUID_NODEV_NOEXEC, "mode=0755,size=64m", false },
                { "tmpfs", "/root", "tmpfs", NOSUID_NODEV_NOEXEC, "mode=0700,size=1m", false, true },
                { "cgroup2", "/sys/fs/cgroup", "cgroup2", NOSUID_NODEV_NOEXEC, "nsdelegate", false },
                { "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=0620,ptmxmode=0666", true },
                { "tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m", true },
        };
        int r = mount_all(specs, ELEMENTSOF(specs), what);

        if (r < 0)
                return r;
        r = bind_data_dir("/data/docker", WIRE_PATH_DOCKER_ROOT, what);
        if (r < 0)
                return r;
        r = bind_data_dir("/data/containerd", "/var/lib/containerd", what);
        if (r < 0)
                return r;
        /* a mount of its own, so dockerd's namespace can share just it */
        r = bind_data_dir(WIRE_PATH_DOCKER_EXEC_ROOT, WIRE_PATH_DOCKER_EXEC_ROOT, what);
        if (r < 0)
                return r;
        *what = "/ (make-rshared)";
        return RET_NERRNO(mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL));
}

static void unescape_octal(char *s)
{
        char *out = s;

        for (; *s; s++) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
                    s[3] <= '7') {
                        *out++ = (char) ((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
                        s += 3;
                } else {
                        *out++ = *s;
                }
        }
        *out = '\0';
}

static bool under(const char *path, const char *prefix)
{
        size_t n = strlen(prefix);

        return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static void umount_one(const char *path)
{
        if (umount2(path, UMOUNT_NOFOLLOW) == 0 || errno == EINVAL || errno == ENOENT)
                return;
        (void) mount(NULL, path, NULL, MS_REMOUNT | MS_RDONLY, NULL);
        (void) umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
}

void mounts_umount_tree(const char *prefix)
{
        static char text[256 * 1024];
        char *targets[512], *save = NULL;
        size_t n = 0;

        if (read_file("/proc/self/mountinfo", text, sizeof(text)) < 0)
                return;
        for (char *line = strtok_r(text, "\n", &save); line && n < ELEMENTSOF(targets);
             line = strtok_r(NULL, "\n", &save)) {
                char *target;

                /* "id parent major:minor root target ..." */
                if (sscanf(line, "%*s %*s %*s %*s %ms", &target) != 1)
                        continue;
                unescape_octal(target);
                if (under(target, prefix))
                        targets[n++] = target;
                else
                        free(target);
        }
        while (n > 0) {
                umount_one(targets[--n]);
                free(targets[n]);
        }
}

/* dockerd is root in the VM and mounts whatever path a volume or a
 * container's layer names, following symlinks.  In a mount namespace of its
 * own whose mounts are all slaves except its data and exec roots, a mount it
 * makes anywhere else (over the runtime, say) stays in that namespace:
 * containerd, the runtime and every other process never see it. */
int mounts_enter_dockerd_namespace(void)
{
        static char text[256 * 1024];
        char *save = NULL;

        if (unshare(CLONE_NEWNS) < 0)
                return -errno;
        if (read_file("/proc/self/mountinfo", text, sizeof(text)) < 0)
                return -EIO;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *target;

                if (sscanf(line, "%*s %*s %*s %*s %ms", &target) != 1)
                        continue;
                unescape_octal(target);
                if (!under(target, WIRE_PATH_DOCKER_ROOT) && !under(target, WIRE_PATH_DOCKER_EXEC_ROOT) &&
                    mount(NULL, target, NULL, MS_SLAVE, NULL) < 0 && errno != EINVAL && errno != ENOENT) {
                        int e = errno;

                        free(target);
                        return -e;
                }
                free(target);
        }
        return 0;
}
