/* ecivm-init's daemon.json builder against golden files. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon-json.h"
#include "guest-golden.h"

static void check(const struct daemon_json *c, const char *golden)
{
        char out[4096], rel[128];
        ssize_t n = daemon_json_build(c, out, sizeof(out));

        assert_true(n > 0);
        assert_int_equal((size_t) n, strlen(out));
        snprintf(rel, sizeof(rel), "daemon-json/%s", golden);
        guest_golden_compare(rel, out);
}

static void test_default(void **state)
{
        struct daemon_json c;

        daemon_json_defaults(&c);
        check(&c, "default.json");
}

static void test_iptables(void **state)
{
        struct daemon_json c;

        daemon_json_defaults(&c);
        c.iptables = true;
        check(&c, "iptables.json");
}

static void test_runtime(void **state)
{
        struct daemon_json c;

        daemon_json_defaults(&c);
        c.runtime_name = "ecivm";
        c.runtime_path = "/usr/libexec/ecivm/ecivm-runc";
        check(&c, "runtime.json");
}

static void test_runtime_extra(void **state)
{
        struct daemon_json c;

        daemon_json_defaults(&c);
        c.runtime_name = "plain-runc";
        c.runtime_path = "/usr/libexec/ecivm/runc";
        c.runtime_extra = true;
        check(&c, "runtime-extra.json");
}

static void test_extra_members(void **state)
{
        struct daemon_json c;

        daemon_json_defaults(&c);
        c.runtime_name = "plain-runc";
        c.runtime_path = "/usr/libexec/ecivm/runc";
        c.runtime_extra = true;
        c.extra_members = "\"debug\":true,\"labels\":[\"a=b\"]";
        check(&c, "extra-members.json");
        c.extra_members = "";
        check(&c, "runtime-extra.json");
}

static void test_escaping(void **state)
{
        struct daemon_json c;

        daemon_json_defaults(&c);
        c.data_root = "/var/lib/\"docker\"\\x\n\t\x01";
        check(&c, "escaping.json");
}

static void test_too_small(void **state)
{
        struct daemon_json c;
        char out[4096];
        ssize_t n;

        daemon_json_defaults(&c);
        n = daemon_json_build(&c, out, sizeof(out));
        assert_true(n > 0);
        assert_int_equal(daemon_json_build(&c, out, (size_t) n), -E2BIG);
        assert_int_equal(daemon_json_build(&c, out, (size_t) n + 1), n);
        assert_int_equal(daemon_json_build(&c, out, 0), -EINVAL);
}

static void test_incomplete(void **state)
{
        struct daemon_json c;
        char out[4096];

        daemon_json_defaults(&c);
        c.host = NULL;
        assert_int_equal(daemon_json_build(&c, out, sizeof(out)), -EINVAL);
        daemon_json_defaults(&c);
        c.runtime_name = "ecivm";
        assert_int_equal(daemon_json_build(&c, out, sizeof(out)), -EINVAL);
}

int main(void)
{
        static const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_default),  cmocka_unit_test(test_iptables),
                cmocka_unit_test(test_runtime), cmocka_unit_test(test_runtime_extra), cmocka_unit_test(test_extra_members),
                cmocka_unit_test(test_escaping),
                cmocka_unit_test(test_too_small), cmocka_unit_test(test_incomplete),
        };

        return cmocka_run_group_tests_name("daemon-json", tests, NULL, NULL);
}
