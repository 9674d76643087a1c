/* libvirt's event loop on GLib (vmm/libvirt-event.c), through libvirt's own
 * virEvent* calls: a 0 ms timeout (how libvirt dispatches stream events)
 * fires while a default-priority source stays ready, an update re-arms even
 * with the same interval, -1 disables, handles see their fd's events, and
 * the free callbacks run after removal, not inside it. */
#include "vmm-golden.h"

#include <unistd.h>

#include <libvirt/libvirt.h>

#include "libvirt-event.h"

typedef struct {
        int fired;
        gint64 last_mono;
        int freed;
} Counter;

static void on_timeout(int id G_GNUC_UNUSED, void *opaque)
{
        Counter *c = opaque;

        c->fired++;
        c->last_mono = g_get_monotonic_time();
}

static void on_free(void *opaque)
{
        ((Counter *)opaque)->freed++;
}

/* Always ready at G_PRIORITY_DEFAULT: the channels' fd sources while bulk
 * data flows.  An idle-priority source would never run beside it. */
static gboolean busy_prepare(GSource *s G_GNUC_UNUSED, gint *timeout)
{
        *timeout = 0;
        return TRUE;
}

static gboolean busy_dispatch(GSource *s G_GNUC_UNUSED, GSourceFunc f G_GNUC_UNUSED, gpointer d)
{
        (*(int *)d)++;
        return G_SOURCE_CONTINUE;
}

static GSourceFuncs busy_funcs = { .prepare = busy_prepare, .dispatch = busy_dispatch };

static void iterate_for_ms(int ms)
{
        gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;

        while (g_get_monotonic_time() < end)
                g_main_context_iteration(NULL, FALSE);
}

static void test_zero_timeout_beside_a_busy_source(void **state G_GNUC_UNUSED)
{
        Counter c = { 0 };
        int busy_runs = 0;
        GSource *busy = g_source_new(&busy_funcs, sizeof(GSource));
        int id;

        g_source_set_callback(busy, NULL, &busy_runs, NULL);
        g_source_attach(busy, NULL);
        id = virEventAddTimeout(0, on_timeout, &c, NULL);
        assert_true(id > 0);
        for (int i = 0; i < 100; i++)
                g_main_context_iteration(NULL, FALSE);
        g_source_destroy(busy); /* before asserting: the other tests need a quiet context */
        g_source_unref(busy);
        assert_int_equal(virEventRemoveTimeout(id), 0);
        assert_true(busy_runs >= 100);
        assert_true(c.fired >= 50); /* about once per iteration */
}

static void test_update_rearms(void **state G_GNUC_UNUSED)
{
        Counter c = { 0 };
        int id = virEventAddTimeout(300, on_timeout, &c, NULL);
        gint64 updated;

        iterate_for_ms(200);
        assert_int_equal(c.fired, 0);
        updated = g_get_monotonic_time();
        virEventUpdateTimeout(id, 300); /* same interval: the next expiry moves to now + 300 ms */
        for (int i = 0; i < 400 && c.fired == 0; i++)
                iterate_for_ms(5);
        assert_int_equal(c.fired, 1);
        assert_true(c.last_mono - updated >= 299 * 1000);
        assert_int_equal(virEventRemoveTimeout(id), 0);
}

static void test_disable_and_remove(void **state G_GNUC_UNUSED)
{
        Counter c = { 0 };
        int id = virEventAddTimeout(0, on_timeout, &c, on_free);

        iterate_for_ms(20);
        assert_true(c.fired > 0);
        virEventUpdateTimeout(id, -1);
        c.fired = 0;
        iterate_for_ms(50);
        assert_int_equal(c.fired, 0);
        assert_int_equal(virEventRemoveTimeout(id), 0);
        assert_int_equal(c.freed, 0); /* never from inside the remove call */
        iterate_for_ms(20);
        assert_int_equal(c.freed, 1);
        assert_int_equal(virEventRemoveTimeout(id), -1);
}

typedef struct {
        int events;
        int calls;
} HandleSeen;

static void on_handle(int watch G_GNUC_UNUSED, int fd G_GNUC_UNUSED, int events, void *opaque)
{
        HandleSeen *h = opaque;

        h->events |= events;
        h->calls++;
}

static void test_handle_events(void **state G_GNUC_UNUSED)
{
        HandleSeen seen = { 0 };
        int p[2];
        int watch;
        char byte;

        assert_int_equal(pipe(p), 0);
        watch = virEventAddHandle(p[0], VIR_EVENT_HANDLE_READABLE, on_handle, &seen, NULL);
        assert_true(watch > 0);
        iterate_for_ms(20);
        assert_int_equal(seen.calls, 0);
        assert_int_equal(write(p[1], "x", 1), 1);
        iterate_for_ms(20);
        assert_true(seen.calls > 0);
        assert_true(seen.events & VIR_EVENT_HANDLE_READABLE);
        virEventUpdateHandle(watch, 0); /* no interest: quiet though still readable */
        seen.calls = 0;
        iterate_for_ms(20);
        assert_int_equal(seen.calls, 0);
        assert_int_equal(read(p[0], &byte, 1), 1);
        assert_int_equal(virEventRemoveHandle(watch), 0);
        assert_int_equal(virEventRemoveHandle(watch), -1);
        close(p[0]);
        close(p[1]);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_zero_timeout_beside_a_busy_source),
                cmocka_unit_test(test_update_rearms),
                cmocka_unit_test(test_disable_and_remove),
                cmocka_unit_test(test_handle_events),
        };

        ecivm_libvirt_event_register();
        return cmocka_run_group_tests(tests, NULL, NULL);
}
