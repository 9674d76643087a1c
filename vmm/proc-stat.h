/* /proc/<pid>/stat of a child (QEMU): its state and CPU time, for telling a
 * guest that stopped running (a paused or starved QEMU) from one that runs
 * but does not answer. */
#ifndef ECIVM_VMM_PROC_STAT_H
#define ECIVM_VMM_PROC_STAT_H

#include <glib.h>

typedef struct {
        char state;         /* R, S, D, T, Z... */
        guint64 cpu_ticks;  /* utime + stime, in clock ticks (sysconf(_SC_CLK_TCK)) */
        guint threads;
} EcivmProcStat;

/* TEXT is the file's content.  The command name may hold spaces and
 * parentheses: fields are counted from its last ')'.  Errors name the field. */
gboolean ecivm_proc_stat_parse(const char *text, EcivmProcStat *out, GError **error);

/* Reads /proc/PID/stat; FALSE (ECIVM_ERROR_IO) once the process is gone. */
gboolean ecivm_proc_stat_read(const char *pid, EcivmProcStat *out, GError **error);

/* " (QEMU ran 5.60 s of CPU in those 16 s, 0.02 s in the last 6 s; host
 * load 1.20)": what QEMU did while the guest was silent, and lately (the
 * silence began while it still ran).  CPU_MS -1: unknown; RECENT_CPU_MS -1:
 * no recent figure.  LOADAVG is /proc/loadavg's text or NULL. */
char *ecivm_proc_stat_silence_clause(gint64 cpu_ms, gint64 silent_s, gint64 recent_cpu_ms, gint64 recent_s,
                                     const char *loadavg);

/* Whether a guest silent for SILENT_S (heartbeats every HEARTBEAT_S) is hung.
 * Past 3 heartbeats it is when QEMU has hardly run lately (under a quarter of
 * a vCPU over RECENT_S; RECENT_CPU_MS -1: unknown, taken as not running).
 * While QEMU runs it gets up to 12 heartbeats: a guest kernel in a soft
 * lockup under TCG (26 s seen, both vCPUs busy) comes back by itself, and a
 * restart would lose its containers. */
#define ECIVM_SILENT_HEARTBEATS_IDLE 3
#define ECIVM_SILENT_HEARTBEATS_RUNNING 12
gboolean ecivm_guest_silence_is_hang(gint64 silent_s, guint heartbeat_s, gint64 recent_cpu_ms, gint64 recent_s);

/* The host's own main loop, not the guest: a check due every PERIOD_US that
 * ran GAP_US after the previous one was held up by the loop (a long dispatch,
 * a stopped or starved ecivmd) for the returned time (0 within a tolerance of
 * ECIVM_LOOP_LATE_TOLERANCE_US).  That time is taken off a guest's silence:
 * heartbeats may sit unread in the socket meanwhile. */
#define ECIVM_LOOP_LATE_TOLERANCE_US (G_USEC_PER_SEC / 4)
gint64 ecivm_loop_late_us(gint64 gap_us, gint64 period_us);
/* Seconds of guest silence at NOW: since LAST_HEARTBEAT, minus STALL_US of host stalls (never below 0). */
gint64 ecivm_guest_silent_s(gint64 now, gint64 last_heartbeat, gint64 stall_us);

#endif
