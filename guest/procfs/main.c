/* ecivm-procfs: the containers' /proc/diskstats.  A one-file FUSE file
 * system (mounted at its argument, /run/ecivm-procfs) that ecivm-runc binds
 * over each container's /proc/diskstats; every open renders the counters of
 * the opener's own cgroup (io.stat), so a container sees its own I/O, not
 * the VM's.  lxcfs serves the other /proc views, but builds diskstats only
 * from cgroup v1 blkio files and the VM runs cgroup v2.  After mounting it
 * runs as nobody: all it reads is world-readable. */
#define FUSE_USE_VERSION 31
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diskstats.h"

#define FILE_NAME "diskstats"
#define READ_MAX (1u << 20)
#define NOBODY 65534

struct rendered {
        size_t len;
        char data[];
};

/* all of a small file (/proc and cgroup files have no size), or NULL with
 * errno */
static char *read_small(const char *path)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        size_t len = 0, cap = 4096;
        char *buf;

        if (fd < 0)
                return NULL;
        buf = malloc(cap + 1);
        while (buf != NULL) {
                ssize_t r = read(fd, buf + len, cap - len);

                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0) {
                        if (r < 0) {
                                free(buf);
                                buf = NULL;
                        }
                        break;
                }
                len += (size_t) r;
                if (len == cap) {
                        char *bigger = cap < READ_MAX ? realloc(buf, cap * 2 + 1) : NULL;

                        if (bigger == NULL) {
                                free(buf);
                                buf = NULL;
                                errno = EFBIG;
                                break;
                        }
                        buf = bigger;
                        cap *= 2;
                }
        }
        if (buf != NULL)
                buf[len] = '\0';
        close(fd);
        return buf;
}

/* what PID's cgroup sees as /proc/diskstats; -errno on failure */
static int render_for(pid_t pid, char **ret)
{
        char path[64];
        char *cg, *cgroup, *vm, *io, *io_path;

        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        cg = read_small(path);
        cgroup = cg ? diskstats_cgroup_path(cg) : NULL;
        free(cg);
        if (cgroup == NULL)
                return -errno;
        vm = read_small("/proc/diskstats");
        if (vm == NULL || strcmp(cgroup, "/") == 0) {
                free(cgroup);
                *ret = vm; /* the VM itself (not a container) */
                return vm ? 0 : -EIO;
        }
        if (asprintf(&io_path, "/sys/fs/cgroup%s/io.stat", cgroup) < 0)
                io_path = NULL;
        io = io_path ? read_small(io_path) : NULL;
        free(io_path);
        free(cgroup);
        /* no io.stat: the io controller is not on for it, so no I/O to show */
        *ret = diskstats_render(vm, io ? io : "");
        free(vm);
        free(io);
        return *ret ? 0 : -ENOMEM;
}

static int pfs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
        (void) fi;
        memset(st, 0, sizeof(*st));
        if (strcmp(path, "/") == 0) {
                st->st_mode = S_IFDIR | 0555;
                st->st_nlink = 2;
                return 0;
        }
        if (strcmp(path, "/" FILE_NAME) == 0) {
                st->st_mode = S_IFREG | 0444;
                st->st_nlink = 1;
                return 0;
        }
        return -ENOENT;
}

static int pfs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
                       enum fuse_readdir_flags flags)
{
        (void) off;
        (void) fi;
        (void) flags;
        if (strcmp(path, "/") != 0)
                return -ENOTDIR;
        fill(buf, ".", NULL, 0, 0);
        fill(buf, "..", NULL, 0, 0);
        fill(buf, FILE_NAME, NULL, 0, 0);
        return 0;
}

static int pfs_open(const char *path, struct fuse_file_info *fi)
{
        struct rendered *r;
        char *text = NULL;
        size_t len;
        int e;

        if (strcmp(path, "/" FILE_NAME) != 0)
                return -ENOENT;
        if ((fi->flags & O_ACCMODE) != O_RDONLY)
                return -EACCES;
        e = render_for(fuse_get_context()->pid, &text);
        if (e < 0 || text == NULL)
                return e < 0 ? e : -EIO;
        len = strlen(text);
        r = malloc(sizeof(*r) + len);
        if (r == NULL) {
                free(text);
                return -ENOMEM;
        }
        r->len = len;
        memcpy(r->data, text, len);
        free(text);
        fi->fh = (uint64_t) (uintptr_t) r;
        fi->direct_io = 1; /* no size to announce: reads go on to EOF */
        return 0;
}

static int pfs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
        const struct rendered *r = (const struct rendered *) (uintptr_t) fi->fh;

        (void) path;
        if (r == NULL || off < 0)
                return -EINVAL;
        if ((size_t) off >= r->len)
                return 0;
        if (size > r->len - (size_t) off)
                size = r->len - (size_t) off;
        memcpy(buf, r->data + off, size);
        return (int) size;
}

static int pfs_release(const char *path, struct fuse_file_info *fi)
{
        (void) path;
        free((void *) (uintptr_t) fi->fh);
        fi->fh = 0;
        return 0;
}

static const struct fuse_operations ops = {
        .getattr = pfs_getattr,
        .readdir = pfs_readdir,
        .open = pfs_open,
        .read = pfs_read,
        .release = pfs_release,
};

static int drop_privileges(void)
{
        if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 || setresuid(NOBODY, NOBODY, NOBODY) < 0 ||
            prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        return 0;
}

int main(int argc, char **argv)
{
        struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
        struct fuse *fuse;
        int r;

        if (argc != 2 || argv[1][0] != '/') {
                fprintf(stderr, "usage: ecivm-procfs MOUNTPOINT (an absolute path)\n");
                return 2;
        }
        if (mkdir(argv[1], 0755) < 0 && errno != EEXIST) {
                fprintf(stderr, "ecivm-procfs: mkdir %s: %s\n", argv[1], strerror(errno));
                return 1;
        }
        if (fuse_opt_add_arg(&args, argv[0]) < 0 ||
            fuse_opt_add_arg(&args, "-oallow_other,ro,nosuid,nodev,noexec,fsname=ecivm-procfs,subtype=ecivm-procfs") < 0)
                return 1;
        fuse = fuse_new(&args, &ops, sizeof(ops), NULL);
        if (fuse == NULL || fuse_mount(fuse, argv[1]) != 0) {
                fprintf(stderr, "ecivm-procfs: cannot mount %s\n", argv[1]);
                return 1;
        }
        r = drop_privileges();
        if (r < 0) {
                fprintf(stderr, "ecivm-procfs: dropping privileges: %s\n", strerror(-r));
                fuse_unmount(fuse);
                return 1;
        }
        if (fuse_set_signal_handlers(fuse_get_session(fuse)) != 0)
                return 1;
        fprintf(stderr, "ecivm-procfs: serving %s/" FILE_NAME "\n", argv[1]);
        r = fuse_loop(fuse);
        fuse_remove_signal_handlers(fuse_get_session(fuse));
        fuse_destroy(fuse);
        fuse_opt_free_args(&args);
        return r == 0 ? 0 : 1;
}
