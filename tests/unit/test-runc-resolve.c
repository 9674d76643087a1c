/* ecivm-runc's resolution of bind sources (guest/runc/facts.c) on a tree
 * laid out like the VM's: a plain volume, volumes whose _data a container
 * replaced by a symlink or dockerd bound elsewhere, tmpfs volumes, the
 * container's own files, and a volume a second process keeps swapping for
 * a symlink while the resolver runs.  The mounts need root; the test runs in
 * a mount namespace of its own. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "facts.h"
#include "mount-sources.h"

#define SWAPS 3000

static char *root;
static int root_fd = -1;

static void put(const char *rel, const char *text)
{
        g_autofree char *p = g_build_filename(root, rel, NULL);
        g_autofree char *dir = g_path_get_dirname(p);

        assert_int_equal(g_mkdir_with_parents(dir, 0755), 0);
        assert_true(g_file_set_contents(p, text, -1, NULL));
}

static void dir(const char *rel)
{
        g_autofree char *p = g_build_filename(root, rel, NULL);

        assert_int_equal(g_mkdir_with_parents(p, 0755), 0);
}

static void link_to(const char *rel, const char *target)
{
        g_autofree char *p = g_build_filename(root, rel, NULL);
        g_autofree char *d = g_path_get_dirname(p);

        assert_int_equal(g_mkdir_with_parents(d, 0755), 0);
        assert_int_equal(symlink(target, p), 0);
}

static void mount_at(const char *rel, const char *src_rel, const char *fstype)
{
        g_autofree char *p = g_build_filename(root, rel, NULL);
        g_autofree char *src = src_rel ? g_build_filename(root, src_rel, NULL) : NULL;

        assert_int_equal(mount(src ? src : "tmpfs", p, src ? NULL : fstype, src ? MS_BIND : 0, NULL), 0);
}

static int setup(void **state)
{
        (void) state;
        if (geteuid() != 0)
                return 0;
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -1;
        root = g_dir_make_tmp("ecivm-resolve-XXXXXX", NULL);
        /* mounts below need a mount of the tree's own (NO_XDEV compares mounts) */
        if (root == NULL || mount("tmpfs", root, "tmpfs", 0, "mode=0755") < 0)
                return -1;
        put("usr/libexec/ecivm/runc", "the real runc");
        dir("var/lib/docker/volumes/v/_data");
        link_to("var/lib/docker/volumes/vlink/_data", "/usr/libexec/ecivm/runc");
        link_to("var/lib/docker/volumes/vrel/_data", "../v/_data");
        dir("var/lib/docker/volumes/vbind/_data");
        mount_at("var/lib/docker/volumes/vbind/_data", "usr", NULL);
        dir("var/lib/docker/volumes/vtmp/_data");
        put("var/lib/docker/volumes/vtmp/opts.json",
            "{\"MountType\":\"tmpfs\",\"MountOpts\":\"size=1m\",\"MountDevice\":\"tmpfs\",\"Quota\":{}}");
        mount_at("var/lib/docker/volumes/vtmp/_data", NULL, "tmpfs");
        dir("var/lib/docker/volumes/vtmpbind/_data");
        put("var/lib/docker/volumes/vtmpbind/opts.json",
            "{\"MountType\":\"none\",\"MountOpts\":\"bind\",\"MountDevice\":\"/run\",\"Quota\":{}}");
        mount_at("var/lib/docker/volumes/vtmpbind/_data", NULL, "tmpfs");
        put("var/lib/docker/containers/c1/hosts", "127.0.0.1 localhost\n");
        link_to("var/lib/docker/containers/c1/hostname", "/usr/libexec/ecivm/runc");
        dir("var/lib/docker/containers/c1/mounts/shm");
        mount_at("var/lib/docker/containers/c1/mounts/shm", NULL, "tmpfs");
        dir("var/lib/docker/volumes/race/_data");
        link_to("var/lib/docker/volumes/race/_alt", "/usr/libexec/ecivm/runc");
        link_to("run/docker.sock", "/run/real.sock");
        put("run/real.sock", "");
        link_to("var/run", "/run");
        root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return root_fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
        (void) state;
        if (root != NULL) {
                (void) umount2(root, MNT_DETACH);
                (void) g_rmdir(root);
        }
        return 0;
}

#define NEED_ROOT()                                                              \
        do {                                                                     \
                if (geteuid() != 0) {                                            \
                        print_message("# SKIP the resolver's tree needs root (mounts)\n"); \
                        skip();                                                  \
                }                                                                \
        } while (0)

static void expect(const char *source, const char *realpath, EciSourceShape shape)
{
        g_autoptr(EciBindFact) b = eci_bind_fact_resolve_at(root_fd, root, source);

        if (b->shape != shape || g_strcmp0(b->realpath, realpath) != 0)
                fail_msg("%s: want %s %s, got %s %s", source, eci_source_shape_name(shape),
                         realpath ? realpath : "(none)", eci_source_shape_name(b->shape),
                         b->realpath ? b->realpath : "(none)");
        /* only what may be mounted keeps a descriptor to mount from */
        assert_int_equal(b->fd >= 0, shape == ECI_SOURCE_PLAIN || shape == ECI_SOURCE_TMPFS_ROOT);
}

static void test_volumes(void **state)
{
        (void) state;
        NEED_ROOT();
        expect("/var/lib/docker/volumes/v/_data", "/var/lib/docker/volumes/v/_data", ECI_SOURCE_PLAIN);
        /* a container replaced _data by a symlink: it names the runc */
        expect("/var/lib/docker/volumes/vlink/_data", "/usr/libexec/ecivm/runc", ECI_SOURCE_PLAIN);
        /* ... or by one to another volume: not the path dockerd gave */
        expect("/var/lib/docker/volumes/vrel/_data", "/var/lib/docker/volumes/v/_data", ECI_SOURCE_FOREIGN);
        /* dockerd bound a VM path at _data (type=none, o=bind) */
        expect("/var/lib/docker/volumes/vbind/_data", "/var/lib/docker/volumes/vbind/_data", ECI_SOURCE_FOREIGN);
        expect("/var/lib/docker/volumes/vtmp/_data", "/var/lib/docker/volumes/vtmp/_data", ECI_SOURCE_TMPFS_ROOT);
        /* a tmpfs at _data, but its options say it is a bind */
        expect("/var/lib/docker/volumes/vtmpbind/_data", "/var/lib/docker/volumes/vtmpbind/_data",
               ECI_SOURCE_FOREIGN);
        expect("/var/lib/docker/volumes/none/_data", NULL, ECI_SOURCE_UNRESOLVED);
        expect("/var/lib/docker/volumes/v/_data/../../../containers/c1/hosts", "/var/lib/docker/containers/c1/hosts",
               ECI_SOURCE_FOREIGN);
}

static void test_container_files(void **state)
{
        (void) state;
        NEED_ROOT();
        expect("/var/lib/docker/containers/c1/hosts", "/var/lib/docker/containers/c1/hosts", ECI_SOURCE_PLAIN);
        expect("/var/lib/docker/containers/c1/hostname", "/usr/libexec/ecivm/runc", ECI_SOURCE_PLAIN);
        expect("/var/lib/docker/containers/c1/mounts/shm", "/var/lib/docker/containers/c1/mounts/shm",
               ECI_SOURCE_TMPFS_ROOT);
        /* the VM's own symlinks (/var/run) are followed; the socket is named by its real path */
        expect("/var/run/docker.sock", "/run/real.sock", ECI_SOURCE_PLAIN);
}

/* A second process swaps race/_data (a directory) and race/_alt (a symlink
 * to the runc) as fast as it can; every accepted resolution must hold the
 * directory, never the runc. */
static void test_swap_race(void **state)
{
        g_autofree char *vol = NULL, *data = NULL;
        struct stat dir_st;
        int accepted = 0, refused = 0;
        pid_t pid;

        (void) state;
        NEED_ROOT();
        vol = g_build_filename(root, "var/lib/docker/volumes/race", NULL);
        data = g_build_filename(vol, "_data", NULL);
        assert_int_equal(stat(data, &dir_st), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                int d = open(vol, O_PATH | O_DIRECTORY);

                for (;;)
                        (void) renameat2(d, "_data", d, "_alt", RENAME_EXCHANGE);
        }
        for (int i = 0; i < SWAPS; i++) {
                g_autoptr(EciBindFact) b =
                        eci_bind_fact_resolve_at(root_fd, root, "/var/lib/docker/volumes/race/_data");
                g_auto(EciSource) s = { 0 };
                struct stat st;

                eci_source_classify(b->realpath, &s);
                if (s.cls == ECI_SOURCE_VOLUME && b->shape == ECI_SOURCE_PLAIN) {
                        assert_int_equal(fstat(b->fd, &st), 0);
                        if (st.st_ino != dir_st.st_ino || !S_ISDIR(st.st_mode))
                                fail_msg("accepted a volume whose descriptor is not its directory");
                        accepted++;
                } else {
                        refused++;
                }
        }
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        print_message("# %d resolutions: %d accepted (the directory), %d refused\n", SWAPS, accepted, refused);
        /* both outcomes happened: the swaps did race the resolver */
        if (accepted == 0 || refused == 0)
                fail_msg("the swap never raced the resolver (%d accepted, %d refused)", accepted, refused);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_volumes),
                cmocka_unit_test(test_container_files),
                cmocka_unit_test(test_swap_race),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
