/* ecivm-init's kernel command line parser against golden cases. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "guest-golden.h"

#define SUBDIR "guest-cmdline"

static void format_result(char *out, size_t cap, int r, const struct init_cmdline *c,
                          const struct init_cmdline_error *err)
{
        if (r < 0) {
                snprintf(out, cap, "error: %s at offset %zu (%d)\n", err->why, err->offset, r);
                return;
        }
        snprintf(out, cap,
                 "root=%s\nrootfstype=%s\ndata=%s\nprobe=%d\ndockerd_iptables=%d\nheartbeat=%u\n"
                 "verity=%s\nverity_salt=%s\nverity_hash=%s\nverity_blocks=%llu\n",
                 c->root, c->rootfstype, c->data, c->probe, c->dockerd_iptables, c->heartbeat_s, c->verity_root_hash,
                 c->verity_salt, c->verity_hash_dev, c->verity_blocks);
}

static void golden_case(const char *subdir, const char *name)
{
        char rel[256], out[1024];
        struct init_cmdline c;
        struct init_cmdline_error err = { 0 };
        char *input;
        int r;

        snprintf(rel, sizeof(rel), "%s/%s.cmdline", subdir, name);
        input = guest_golden_read(rel);
        assert_non_null(input);
        r = init_cmdline_parse(input, &c, &err);
        free(input);
        if (strncmp(name, "refuse-", 7) == 0)
                assert_int_equal(r, -EINVAL);
        else if (r < 0)
                fail_msg("case %s must parse but failed: %s at %zu", name, err.why, err.offset);
        format_result(out, sizeof(out), r, &c, &err);
        snprintf(rel, sizeof(rel), "%s/%s.out", subdir, name);
        guest_golden_compare(rel, out);
}

static void test_too_long(void **state)
{
        char *text = malloc(WIRE_CMDLINE_MAX + 64);
        struct init_cmdline c;

        assert_non_null(text);
        memset(text, 'a', WIRE_CMDLINE_MAX + 63);
        memcpy(text, "ecivm.root=/dev/vda ecivm.data=/dev/vdb ", 40);
        text[WIRE_CMDLINE_MAX + 63] = '\0';
        assert_int_equal(init_cmdline_parse(text, &c, NULL), -EINVAL);
        free(text);
}

static void test_untouched_on_failure(void **state)
{
        struct init_cmdline c, before;

        memset(&c, 0x5a, sizeof(c));
        before = c;
        assert_int_equal(init_cmdline_parse("ecivm.root=/dev/vda ecivm.data=/dev/vdb ecivm.nope=1", &c, NULL),
                         -EINVAL);
        assert_memory_equal(&c, &before, sizeof(c));
}

static void test_every_known_key_once(void **state)
{
        static const char text[] = "ecivm.root=/dev/vda ecivm.rootfstype=ext4 ecivm.data=/dev/vdb ecivm.probe=0 "
                                   "ecivm.dockerd_iptables=1 ecivm.heartbeat=3600 ecivm.verity="
                                   "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b ecivm.verity_salt="
                                   "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b "
                                   "ecivm.verity_hash=/dev/vdc ecivm.verity_blocks=1073741824";
        struct init_cmdline c;

        assert_int_equal(init_cmdline_parse(text, &c, NULL), 0);
        assert_string_equal(c.rootfstype, "ext4");
        assert_true(c.dockerd_iptables);
        assert_int_equal(c.heartbeat_s, 3600);
        assert_string_equal(c.verity_hash_dev, "/dev/vdc");
        assert_true(c.verity_blocks == 1073741824ULL);
}

int main(void)
{
        static const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_too_long),
                cmocka_unit_test(test_untouched_on_failure),
                cmocka_unit_test(test_every_known_key_once),
        };

        return guest_golden_run("guest-cmdline", fixed, sizeof(fixed) / sizeof(fixed[0]), SUBDIR, ".cmdline",
                                golden_case, 20);
}
