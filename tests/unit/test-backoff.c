/* Restart backoff and crash-loop limit (vmm/backoff.c). */
#include "vmm-golden.h"

#include "backoff.h"

#define S(x) ((gint64) (x) * G_USEC_PER_SEC)

static void test_doubling_and_cap(void **state)
{
        EcivmBackoff b;
        const gint64 want[] = { 1000, 2000, 4000, 8000, 16000, 30000, 30000 };

        ecivm_backoff_init(&b, 1000, 30000, 10, 600);
        for (guint i = 0; i < G_N_ELEMENTS(want); i++)
                assert_int_equal(ecivm_backoff_failure(&b, S(100 + i)), want[i]);
}

static void test_crash_loop_limit(void **state)
{
        EcivmBackoff b;

        ecivm_backoff_init(&b, 1000, 30000, 3, 60);
        assert_true(ecivm_backoff_failure(&b, S(1)) > 0);
        assert_true(ecivm_backoff_failure(&b, S(2)) > 0);
        assert_true(ecivm_backoff_failure(&b, S(3)) > 0);
        assert_int_equal(ecivm_backoff_failure(&b, S(4)), -1);
        assert_int_equal(ecivm_backoff_recent(&b, S(4)), 4);
}

static void test_window_forgets(void **state)
{
        EcivmBackoff b;

        ecivm_backoff_init(&b, 500, 8000, 3, 60);
        ecivm_backoff_failure(&b, S(0));
        ecivm_backoff_failure(&b, S(10));
        ecivm_backoff_failure(&b, S(20));
        /* the first two are older than the window: delay starts over */
        assert_int_equal(ecivm_backoff_failure(&b, S(75)), 1000);
        assert_int_equal(ecivm_backoff_recent(&b, S(75)), 2);
        assert_int_equal(ecivm_backoff_recent(&b, S(200)), 0);
}

static void test_reset(void **state)
{
        EcivmBackoff b;

        ecivm_backoff_init(&b, 1000, 30000, 2, 600);
        ecivm_backoff_failure(&b, S(1));
        ecivm_backoff_failure(&b, S(2));
        ecivm_backoff_reset(&b);
        assert_int_equal(ecivm_backoff_failure(&b, S(3)), 1000);
}

static void test_limit_clamped(void **state)
{
        EcivmBackoff b;
        gint64 r = 0;

        /* a limit above the event store still ends in a crash loop */
        ecivm_backoff_init(&b, 1, 1, 1000, 600);
        for (guint i = 0; i < 100 && r >= 0; i++)
                r = ecivm_backoff_failure(&b, S(1) + i);
        assert_int_equal(r, -1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_doubling_and_cap), cmocka_unit_test(test_crash_loop_limit),
                cmocka_unit_test(test_window_forgets),   cmocka_unit_test(test_reset),
                cmocka_unit_test(test_limit_clamped),
        };
        return cmocka_run_group_tests_name("backoff", tests, NULL, NULL);
}
