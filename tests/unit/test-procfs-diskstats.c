/* ecivm-procfs's pure part: a container's /proc/diskstats from its cgroup's
 * io.stat, and its cgroup from /proc/<pid>/cgroup, against golden cases. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskstats.h"
#include "guest-golden.h"

static char *read_case(const char *subdir, const char *name, const char *suffix)
{
        char rel[256];
        char *text;

        snprintf(rel, sizeof(rel), "%s/%s%s", subdir, name, suffix);
        text = guest_golden_read(rel);
        assert_non_null(text);
        return text;
}

static void compare_out(const char *subdir, const char *name, const char *out)
{
        char rel[256];

        snprintf(rel, sizeof(rel), "%s/%s.out", subdir, name);
        guest_golden_compare(rel, out);
}

/* NAME.io.stat seen against the VM's NAME.diskstats */
static void diskstats_case(const char *subdir, const char *name)
{
        char *io = read_case(subdir, name, ".io.stat");
        char *vm = read_case(subdir, name, ".diskstats");
        char *out = diskstats_render(vm, io);

        assert_non_null(out);
        compare_out(subdir, name, out);
        free(out);
        free(vm);
        free(io);
}

static void cgroup_case(const char *subdir, const char *name)
{
        char *text = read_case(subdir, name, ".cgroup");
        char *path, out[512];

        errno = 0;
        path = diskstats_cgroup_path(text);
        if (strncmp(name, "refuse-", 7) == 0) {
                assert_null(path);
                assert_int_equal(errno, EINVAL);
                snprintf(out, sizeof(out), "error: EINVAL\n");
        } else {
                if (path == NULL)
                        fail_msg("case %s must give a path", name);
                snprintf(out, sizeof(out), "path=%s\n", path);
        }
        compare_out(subdir, name, out);
        free(path);
        free(text);
}

/* A device line per counter position: io.stat's counters land in
 * /proc/diskstats's fields 4 (reads), 6 (sectors read), 8 (writes), 10
 * (sectors written), 15 (discards), 17 (sectors discarded), as the kernel's
 * Documentation/admin-guide/iostats.rst numbers them; 20 fields in all. */
static void test_field_positions(void **state)
{
        char *out = diskstats_render(" 254 16 vdb 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9\n",
                                     "254:16 rios=1 rbytes=1024 wios=3 wbytes=2048 dios=5 dbytes=3072\n");
        unsigned long f[21] = { 0 }, sum = 0;
        char *p, *end;
        int n = 0;

        (void) state;
        assert_non_null(out);
        assert_non_null(strstr(out, " vdb "));
        p = strstr(out, " vdb ") + 5;
        for (int i = 4; i <= 20; i++, n++) {
                f[i] = strtoul(p, &end, 10);
                assert_true(end > p);
                p = end;
        }
        assert_string_equal(p, "\n");
        assert_int_equal(n, 17);
        assert_int_equal(f[4], 1);
        assert_int_equal(f[6], 2);
        assert_int_equal(f[8], 3);
        assert_int_equal(f[10], 4);
        assert_int_equal(f[15], 5);
        assert_int_equal(f[17], 6);
        for (int i = 4; i <= 20; i++)
                sum += f[i];
        assert_int_equal(sum, 1 + 2 + 3 + 4 + 5 + 6);
        free(out);
}

/* more devices than it keeps: the rest are not shown, nothing overflows */
static void test_many_devices(void **state)
{
        size_t cap = 600 * 64;
        char *io = malloc(cap), *vm = malloc(cap), *out;
        size_t li = 0, lv = 0;

        (void) state;
        assert_non_null(io);
        assert_non_null(vm);
        for (unsigned i = 0; i < 600; i++) {
                li += (size_t) snprintf(io + li, cap - li, "7:%u rbytes=512 rios=1\n", i);
                lv += (size_t) snprintf(vm + lv, cap - lv, "7 %u loop%u 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", i, i);
        }
        out = diskstats_render(vm, io);
        assert_non_null(out);
        assert_non_null(strstr(out, " loop0 1 0 1 "));
        assert_non_null(strstr(out, " loop255 1 0 1 "));
        assert_null(strstr(out, " loop256 "));
        free(out);
        free(vm);
        free(io);
}

static void test_null_inputs(void **state)
{
        char *out = diskstats_render(NULL, NULL);

        (void) state;
        assert_non_null(out);
        assert_string_equal(out, "");
        free(out);
        errno = 0;
        assert_null(diskstats_cgroup_path(NULL));
        assert_int_equal(errno, EINVAL);
}

int main(void)
{
        const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_field_positions),
                cmocka_unit_test(test_many_devices),
                cmocka_unit_test(test_null_inputs),
        };
        int failed = guest_golden_run("procfs-diskstats", fixed, sizeof(fixed) / sizeof(fixed[0]),
                                      "procfs-diskstats", ".io.stat", diskstats_case, 10);

        failed += guest_golden_run("procfs-cgroup", fixed, 0, "procfs-cgroup", ".cgroup", cgroup_case, 10);
        return failed;
}
