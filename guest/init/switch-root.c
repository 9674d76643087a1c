#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "switch-root.h"
#include "util.h"

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

static void remove_tree(int dfd, dev_t rootdev);

static void remove_entry(int dfd, const char *name, dev_t rootdev)
{
        struct stat st;
        int fd;

        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != rootdev)
                return;
        if (!S_ISDIR(st.st_mode)) {
                (void) unlinkat(dfd, name, 0);
                return;
        }
        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return;
        remove_tree(fd, rootdev); /* takes fd */
        (void) unlinkat(dfd, name, AT_REMOVEDIR);
}

/* Like util-linux switch_root: never crosses into another filesystem. */
static void remove_tree(int dfd, dev_t rootdev)
{
        _cleanup_(closedirp) DIR *d = fdopendir(dfd);
        struct dirent *de;

        if (!d) {
                close(dfd);
                return;
        }
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        remove_entry(dirfd(d), de->d_name, rootdev);
}

static int move_api_mounts(const char *newroot, const char **what)
{
        static const char *const api[] = { "/dev", "/proc", "/sys", "/run" };
        char target[256];

        for (size_t i = 0; i < ELEMENTSOF(api); i++) {
                snprintf(target, sizeof(target), "%s%s", newroot, api[i]);
                if (mount(api[i], target, NULL, MS_MOVE, NULL) < 0) {
                        *what = api[i];
                        return -errno;
                }
        }
        return 0;
}

static int is_initramfs(int fd)
{
        struct statfs sfs;

        if (fstatfs(fd, &sfs) < 0)
                return -errno;
        return sfs.f_type == RAMFS_MAGIC || sfs.f_type == TMPFS_MAGIC;
}

int switch_root(const char *newroot, const char **what)
{
        _cleanup_close_ int oldroot = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat st;
        int r;

        *what = "open /";
        if (oldroot < 0 || fstat(oldroot, &st) < 0)
                return -errno;
        r = move_api_mounts(newroot, what);
        if (r < 0)
                return r;
        *what = newroot;
        if (chdir(newroot) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0)
                return -errno;
        if (is_initramfs(oldroot) > 0)
                remove_tree(TAKE_FD(oldroot), st.st_dev);
        return 0;
}
