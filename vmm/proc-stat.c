#include "config.h"

#include <errno.h>
#include <string.h>

#include "error.h"
#include "proc-stat.h"

/* Fields after "pid (comm)": 3 state ... 14 utime 15 stime ... 20 num_threads. */
enum { F_STATE = 3, F_UTIME = 14, F_STIME = 15, F_THREADS = 20 };

static gboolean parse_u64(const char *tok, int field, guint64 *out, GError **error)
{
        const char *names[] = { [F_UTIME] = "utime", [F_STIME] = "stime", [F_THREADS] = "num_threads" };
        char *end = NULL;
        guint64 v;

        if (!g_ascii_isdigit(tok[0]))
                return ecivm_error_field(error, names[field], "not a number: \"%.32s\"", tok);
        errno = 0;
        v = g_ascii_strtoull(tok, &end, 10);
        if (errno != 0 || *end != '\0')
                return ecivm_error_field(error, names[field], "not a number: \"%.32s\"", tok);
        *out = v;
        return TRUE;
}

gboolean ecivm_proc_stat_parse(const char *text, EcivmProcStat *out, GError **error)
{
        const char *close = strrchr(text, ')');
        g_autofree char *rest = NULL;
        g_auto(GStrv) tok = NULL;
        guint64 utime = 0, stime = 0, threads = 0;

        if (strchr(text, '(') == NULL || close == NULL || close[1] != ' ')
                return ecivm_error_field(error, "comm", "no \"(name) \" after the pid");
        rest = g_strchomp(g_strdup(close + 2));
        tok = g_strsplit(rest, " ", -1);
        /* tok[0] is field 3 */
        if (g_strv_length(tok) < F_THREADS - 2)
                return ecivm_error_field(error, "stat", "%u fields after the name, want at least %d",
                                         g_strv_length(tok), F_THREADS - 2);
        if (strlen(tok[0]) != 1 || !g_ascii_isupper(tok[0][0]))
                return ecivm_error_field(error, "state", "not a state letter: \"%.32s\"", tok[0]);
        if (!parse_u64(tok[F_UTIME - 3], F_UTIME, &utime, error) ||
            !parse_u64(tok[F_STIME - 3], F_STIME, &stime, error) ||
            !parse_u64(tok[F_THREADS - 3], F_THREADS, &threads, error))
                return FALSE;
        if (utime > G_MAXUINT64 - stime || threads > G_MAXUINT)
                return ecivm_error_field(error, "stat", "utime + stime or num_threads out of range");
        out->state = tok[0][0];
        out->cpu_ticks = utime + stime;
        out->threads = (guint)threads;
        return TRUE;
}

gboolean ecivm_proc_stat_read(const char *pid, EcivmProcStat *out, GError **error)
{
        g_autofree char *path = g_strdup_printf("/proc/%s/stat", pid);
        g_autofree char *text = NULL;
        g_autoptr(GError) local = NULL;

        if (!g_file_get_contents(path, &text, NULL, &local)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s", local->message);
                return FALSE;
        }
        if (!ecivm_proc_stat_parse(text, out, error)) {
                g_prefix_error(error, "%s: ", path);
                return FALSE;
        }
        return TRUE;
}

static void append_seconds(GString *s, gint64 ms)
{
        g_string_append_printf(s, "%" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT " s", ms / 1000, (ms % 1000) / 10);
}

char *ecivm_proc_stat_silence_clause(gint64 cpu_ms, gint64 silent_s, gint64 recent_cpu_ms, gint64 recent_s,
                                     const char *loadavg)
{
        g_autofree char *load = NULL;
        GString *s = g_string_new(" (");

        if (cpu_ms >= 0) {
                g_string_append(s, "QEMU ran ");
                append_seconds(s, cpu_ms);
                g_string_append_printf(s, " of CPU in those %" G_GINT64_FORMAT " s", silent_s);
                if (recent_cpu_ms >= 0) {
                        g_string_append(s, ", ");
                        append_seconds(s, recent_cpu_ms);
                        g_string_append_printf(s, " in the last %" G_GINT64_FORMAT " s", recent_s);
                }
        } else {
                g_string_append(s, "QEMU's CPU time unknown");
        }
        /* /proc/loadavg: "0.52 0.58 0.59 1/467 12345": the first figure */
        if (loadavg && (load = g_strndup(loadavg, strcspn(loadavg, " \n")))[0] != '\0')
                g_string_append_printf(s, "; host load %s", load);
        g_string_append_c(s, ')');
        return g_string_free(s, FALSE);
}

gint64 ecivm_loop_late_us(gint64 gap_us, gint64 period_us)
{
        gint64 late = gap_us - period_us;

        return late > ECIVM_LOOP_LATE_TOLERANCE_US ? late : 0;
}

gint64 ecivm_guest_silent_s(gint64 now, gint64 last_heartbeat, gint64 stall_us)
{
        return MAX(0, now - last_heartbeat - MAX(0, stall_us)) / G_USEC_PER_SEC;
}

gboolean ecivm_guest_silence_is_hang(gint64 silent_s, guint heartbeat_s, gint64 recent_cpu_ms, gint64 recent_s)
{
        gboolean running = recent_cpu_ms >= 0 && recent_s > 0 && recent_cpu_ms * 4 >= recent_s * 1000;

        if (silent_s <= ECIVM_SILENT_HEARTBEATS_IDLE * (gint64)heartbeat_s)
                return FALSE;
        return !running || silent_s > ECIVM_SILENT_HEARTBEATS_RUNNING * (gint64)heartbeat_s;
}
