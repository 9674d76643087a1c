/* ecivm-agent's decision on a peer of the engine-socket stand-in: the
 * peer's uid and gid (as the VM sees them) against the allocator's ranges
 * and the grants ecivm-runc wrote. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "engine-peer.h"

#define HDR "ecivm-runc-ranges 1 100000 65536\n"
/* range 0 (100000…165535): "granted", given the stand-in
 * range 1 (165536…231071): "plain", not given it
 * range 2 (231072…296607): released by "gone", whose grant was left behind
 * range 3 (296608…362143): "moved", whose grant names range 0 */
static const char ranges[] = HDR "0 used granted /run/docker/runtime-runc/moby 1765000000\n"
                                 "1 used plain /run/docker/runtime-runc/moby 1765000001\n"
                                 "2 free gone /run/docker/runtime-runc/moby 1765000002\n"
                                 "3 used moved /run/docker/runtime-runc/moby 1765000003\n";

struct grant {
        const char *id, *text;
};
static const struct grant grants[] = {
        { "granted", "100000 65536\n" },
        { "gone", "231072 65536\n" },
        { "moved", "100000 65536\n" },
        { NULL, NULL },
};

static const char *lookup(void *user, const char *id)
{
        const struct grant *g = user;

        for (; g->id; g++)
                if (strcmp(g->id, id) == 0)
                        return g->text;
        return NULL;
}

static enum engine_peer_verdict decide_in(const char *table, const struct grant *g, unsigned long uid,
                                          unsigned long gid, char *id)
{
        memset(id, 0, ENGINE_GRANT_MAX_ID + 1);
        return engine_peer_decide(uid, gid, table, lookup, (void *) g, id);
}

static enum engine_peer_verdict decide(unsigned long uid, unsigned long gid, char *id)
{
        return decide_in(ranges, grants, uid, gid, id);
}

static void granted_range_is_answered(void **state)
{
        char id[ENGINE_GRANT_MAX_ID + 1];

        /* its root, an ordinary user, its last ID */
        assert_int_equal(decide(100000, 100000, id), ENGINE_PEER_ALLOW);
        assert_string_equal(id, "granted");
        assert_int_equal(decide(101000, 101000, id), ENGINE_PEER_ALLOW);
        assert_int_equal(decide(165535, 100000, id), ENGINE_PEER_ALLOW);
        assert_string_equal(id, "granted");
}

static void vm_users_are_refused(void **state)
{
        char id[ENGINE_GRANT_MAX_ID + 1];

        assert_int_equal(decide(0, 0, id), ENGINE_PEER_OUTSIDE); /* the VM's root */
        assert_int_equal(decide(65534, 65534, id), ENGINE_PEER_OUTSIDE);
        assert_int_equal(decide(99999, 100000, id), ENGINE_PEER_OUTSIDE);
        /* IDs past every listed range */
        assert_int_equal(decide(4294967294UL, 4294967294UL, id), ENGINE_PEER_NO_CONTAINER);
        assert_int_equal(decide(100000UL + 4096UL * 65536UL, 100000UL + 4096UL * 65536UL, id),
                         ENGINE_PEER_NO_CONTAINER);
}

static void container_not_given_the_socket(void **state)
{
        char id[ENGINE_GRANT_MAX_ID + 1];

        assert_int_equal(decide(165536, 165536, id), ENGINE_PEER_NOT_GRANTED);
        assert_string_equal(id, "plain");
        assert_int_equal(decide(200000, 200000, id), ENGINE_PEER_NOT_GRANTED);
}

static void released_range_stops_answering(void **state)
{
        char id[ENGINE_GRANT_MAX_ID + 1];

        /* the grant of "gone" is still there, but the range is free */
        assert_int_equal(decide(231072, 231072, id), ENGINE_PEER_NO_CONTAINER);
        /* never handed out */
        assert_int_equal(decide(362144, 362144, id), ENGINE_PEER_NO_CONTAINER);
}

static void grant_must_name_the_range_held(void **state)
{
        char id[ENGINE_GRANT_MAX_ID + 1];
        static const char handed_on[] = HDR "0 used other /r 1\n";
        static const struct grant wrong_size[] = { { "granted", "100000 65535\n" }, { NULL, NULL } };
        static const struct grant junk[] = { { "granted", "100000 65536\nx" }, { NULL, NULL } };
        static const struct grant empty[] = { { "granted", "" }, { NULL, NULL } };

        /* "moved" holds range 3; its grant names range 0 */
        assert_int_equal(decide(296608, 296608, id), ENGINE_PEER_NOT_GRANTED);
        assert_string_equal(id, "moved");
        /* range 0 handed to another container: the old grant answers nobody */
        assert_int_equal(decide_in(handed_on, grants, 100000, 100000, id), ENGINE_PEER_NOT_GRANTED);
        assert_string_equal(id, "other");
        assert_int_equal(decide_in(ranges, wrong_size, 100000, 100000, id), ENGINE_PEER_NOT_GRANTED);
        assert_int_equal(decide_in(ranges, junk, 100000, 100000, id), ENGINE_PEER_NOT_GRANTED);
        assert_int_equal(decide_in(ranges, empty, 100000, 100000, id), ENGINE_PEER_NOT_GRANTED);
}

static void gid_must_be_in_the_same_range(void **state)
{
        char id[ENGINE_GRANT_MAX_ID + 1];

        assert_int_equal(decide(100000, 0, id), ENGINE_PEER_GID);
        assert_int_equal(decide(100000, 165536, id), ENGINE_PEER_GID);
        assert_int_equal(decide(100000, 99999, id), ENGINE_PEER_GID);
}

static void unreadable_tables_refuse(void **state)
{
        char id[ENGINE_GRANT_MAX_ID + 1];
        static const char *const bad[] = {
                "",
                "ecivm-runc-ranges 2 100000 65536\n0 used granted /r 1\n",
                "ecivm-runc-ranges 1 0 65536\n0 used granted /r 1\n",
                "ecivm-runc-ranges 1 100000 0\n0 used granted /r 1\n",
                "ecivm-runc-ranges 1 100000 65536 1\n0 used granted /r 1\n",
                "ecivm-runc-ranges 1 100000 99999999999999999999999\n0 used granted /r 1\n",
                HDR "0 used granted /r 1\n0 used granted /r 1\n", /* listed twice */
                HDR "0 free granted /r 1\n0 used granted /r 1\n",
                HDR "0 used granted /r 1",                          /* cut short */
                HDR "x used granted /r 1\n",
                HDR "-0 used granted /r 1\n",
                NULL,
        };

        assert_int_equal(decide_in(NULL, grants, 100000, 100000, id), ENGINE_PEER_NO_TABLE);
        for (int i = 0; bad[i]; i++)
                assert_int_equal(decide_in(bad[i], grants, 100000, 100000, id), ENGINE_PEER_NO_TABLE);
}

static void ids_that_cannot_name_a_grant(void **state)
{
        char id[ENGINE_GRANT_MAX_ID + 1];
        static const char dots[] = HDR "0 used .. /r 1\n";
        static const char slash[] = HDR "0 used a/b /r 1\n";
        static const struct grant g[] = { { "..", "100000 65536\n" }, { "a/b", "100000 65536\n" }, { NULL, NULL } };

        assert_int_equal(decide_in(dots, g, 100000, 100000, id), ENGINE_PEER_NO_CONTAINER);
        assert_int_equal(decide_in(slash, g, 100000, 100000, id), ENGINE_PEER_NO_CONTAINER);
        assert_true(engine_grant_id_valid("0123456789abcdef"));
        assert_true(engine_grant_id_valid("buildkit_step-1.x"));
        assert_false(engine_grant_id_valid(""));
        assert_false(engine_grant_id_valid(".hidden"));
        assert_false(engine_grant_id_valid("a/b"));
        assert_false(engine_grant_id_valid("a b"));
        {
                char longest[ENGINE_GRANT_MAX_ID + 2];

                memset(longest, 'a', sizeof(longest) - 1);
                longest[ENGINE_GRANT_MAX_ID + 1] = '\0';
                assert_false(engine_grant_id_valid(longest));
                longest[ENGINE_GRANT_MAX_ID] = '\0';
                assert_true(engine_grant_id_valid(longest));
        }
}

static void verdicts_have_words(void **state)
{
        for (int v = ENGINE_PEER_ALLOW; v <= ENGINE_PEER_NOT_GRANTED; v++)
                assert_string_not_equal(engine_peer_verdict_str((enum engine_peer_verdict) v), "?");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(granted_range_is_answered),
                cmocka_unit_test(vm_users_are_refused),
                cmocka_unit_test(container_not_given_the_socket),
                cmocka_unit_test(released_range_stops_answering),
                cmocka_unit_test(grant_must_name_the_range_held),
                cmocka_unit_test(gid_must_be_in_the_same_range),
                cmocka_unit_test(unreadable_tables_refuse),
                cmocka_unit_test(ids_that_cannot_name_a_grant),
                cmocka_unit_test(verdicts_have_words),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
