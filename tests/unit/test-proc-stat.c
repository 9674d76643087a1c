/* /proc/<pid>/stat parser and the "guest hung" clause (vmm/proc-stat.c).
 *   golden/proc-stat/<case>.stat -> <case>.out: state, CPU ticks, threads
 *   or "error: <message>" for refuse-* cases. */
#include "config.h"

#include <unistd.h>

#include "vmm-golden.h"

#include "error.h"
#include "proc-stat.h"

static void run_stat_case(const char *base, const char *name)
{
        g_autofree char *in_rel = g_strconcat(base, ".stat", NULL);
        g_autofree char *out_rel = g_strconcat(base, ".out", NULL);
        g_autofree char *text = golden_read(in_rel, NULL);
        g_autofree char *actual = NULL;
        g_autoptr(GError) error = NULL;
        EcivmProcStat st = { 0 };
        gboolean ok = ecivm_proc_stat_parse(text, &st, &error);

        golden_assert_outcome(name, ok, error);
        actual = ok ? g_strdup_printf("state %c\ncpu_ticks %" G_GUINT64_FORMAT "\nthreads %u\n", st.state,
                                      st.cpu_ticks, st.threads)
                    : golden_error_text(error);
        golden_compare(out_rel, actual);
}

static void test_clause(void **state G_GNUC_UNUSED)
{
        g_autofree char *paused = ecivm_proc_stat_silence_clause(5600, 16, 20, 6, "1.20 0.90 0.70 2/300 4242\n");
        g_autofree char *busy = ecivm_proc_stat_silence_clause(15990, 16, 6010, 6, "2.05 1.00 0.50 3/301 4243\n");
        g_autofree char *no_recent = ecivm_proc_stat_silence_clause(30, 16, -1, 0, "0.10 0 0 1/1 1");
        g_autofree char *unknown = ecivm_proc_stat_silence_clause(-1, 16, 20, 6, NULL);
        g_autofree char *no_load = ecivm_proc_stat_silence_clause(1005, 17, 0, 7, "");

        assert_string_equal(paused, " (QEMU ran 5.60 s of CPU in those 16 s, 0.02 s in the last 6 s; host load 1.20)");
        assert_string_equal(busy, " (QEMU ran 15.99 s of CPU in those 16 s, 6.01 s in the last 6 s; host load 2.05)");
        assert_string_equal(no_recent, " (QEMU ran 0.03 s of CPU in those 16 s; host load 0.10)");
        assert_string_equal(unknown, " (QEMU's CPU time unknown)");
        assert_string_equal(no_load, " (QEMU ran 1.00 s of CPU in those 17 s, 0.00 s in the last 7 s)");
}

static void test_silence_verdict(void **state G_GNUC_UNUSED)
{
        static const struct {
                gint64 silent_s, recent_cpu_ms, recent_s;
                gboolean hang;
        } cases[] = {
                { 15, 0, 5, FALSE },      /* within 3 heartbeats: never */
                { 16, 0, 6, TRUE },       /* paused vCPUs (QMP stop, virsh suspend) */
                { 16, 20, 6, TRUE },      /* QEMU's own threads only */
                { 16, -1, 6, TRUE },      /* CPU time unknown */
                { 16, 1499, 6, TRUE },    /* just under a quarter of a vCPU */
                { 16, 1500, 6, FALSE },   /* a quarter: running, wait */
                { 16, 11090, 6, FALSE },  /* CI's soft lockup: both vCPUs busy */
                { 60, 50000, 50, FALSE }, /* 12 heartbeats: the limit */
                { 61, 50000, 51, TRUE },  /* past it: hung although running */
                { 16, 5000, 0, TRUE },    /* no recent window */
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
                assert_int_equal(ecivm_guest_silence_is_hang(cases[i].silent_s, 5, cases[i].recent_cpu_ms,
                                                             cases[i].recent_s),
                                 cases[i].hang);
}

/* The issue-22 flood: one dispatch held ecivmd's loop for 11 s while the
 * guest sent heartbeats every 5 s; its silence is the time the loop ran. */
static void test_loop_stall(void **state G_GNUC_UNUSED)
{
        const gint64 s = G_USEC_PER_SEC;
        gint64 stall = 0, last_check = 0;
        /* heartbeat check times: on time up to 5 s, then the loop stalls 11 s */
        const gint64 checks[] = { 1 * s, 2 * s, 3 * s, 4 * s, 5 * s, 16 * s, 17 * s, 18 * s };

        assert_int_equal(ecivm_loop_late_us(s, s), 0);
        assert_int_equal(ecivm_loop_late_us(s + ECIVM_LOOP_LATE_TOLERANCE_US, s), 0); /* timer jitter */
        assert_int_equal(ecivm_loop_late_us(12 * s, s), 11 * s);
        for (gsize i = 0; i < G_N_ELEMENTS(checks); i++) {
                stall += last_check ? ecivm_loop_late_us(checks[i] - last_check, s) : 0;
                last_check = checks[i];
        }
        assert_int_equal(stall, 10 * s);
        /* the last heartbeat was read at 0 s: 18 s of wall time, 8 s of silence the guest answers for */
        assert_int_equal(ecivm_guest_silent_s(18 * s, 0, stall), 8);
        assert_false(ecivm_guest_silence_is_hang(ecivm_guest_silent_s(18 * s, 0, stall), 5, 0, 5));
        /* without the correction the same figures read as a hang (the VM was restarted) */
        assert_true(ecivm_guest_silence_is_hang(ecivm_guest_silent_s(18 * s, 0, 0), 5, 0, 5));
        assert_int_equal(ecivm_guest_silent_s(5 * s, 0, 7 * s), 0); /* never negative */
}

static void test_read_self(void **state G_GNUC_UNUSED)
{
        g_autofree char *pid = g_strdup_printf("%d", (int)getpid());
        g_autoptr(GError) error = NULL;
        EcivmProcStat st = { 0 };

        assert_true(ecivm_proc_stat_read(pid, &st, &error));
        assert_int_equal(st.state, 'R');
        assert_true(st.threads >= 1);
        assert_false(ecivm_proc_stat_read("0", &st, &error)); /* no /proc/0 */
        assert_int_equal(error->code, ECIVM_ERROR_IO);
}

int main(void)
{
        const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_clause),
                cmocka_unit_test(test_silence_verdict),
                cmocka_unit_test(test_read_self),
                cmocka_unit_test(test_loop_stall),
        };

        return golden_run("proc-stat", fixed, G_N_ELEMENTS(fixed), "proc-stat", ".stat", run_stat_case, 10);
}
