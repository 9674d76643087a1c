/* What the guest tells us on the control port, and the Docker port's life. */
#define ECIVM_VM_PRIV_ALLOW
#include <errno.h>
#include <unistd.h>

#include "error.h"
#include "proc-stat.h"
#include "settings-guest.h"
#include "vm-priv.h"

static void replace(char **field, const char *value)
{
        g_free(*field);
        *field = g_strdup(value ? value : "");
}

/* QEMU's CPU time in ms, -1 if not known.  With libvirt, QEMU runs on the
 * hypervisor host (not necessarily this one): libvirt reports it. */
static gint64 qemu_cpu_ms(EcivmVm *vm)
{
        const char *pid = vm->qemu ? ecivm_child_get_identifier(vm->qemu) : NULL;
        long hz = sysconf(_SC_CLK_TCK);
        EcivmProcStat st;

        if (vm->libvirt)
                return ecivm_vm_libvirt_cpu_ms(vm);
        if (pid == NULL || hz <= 0 || !ecivm_proc_stat_read(pid, &st, NULL))
                return -1;
        return (gint64)(st.cpu_ticks * 1000 / (guint64)hz);
}

static void heard_heartbeat(EcivmVm *vm)
{
        gint64 now = g_get_monotonic_time();

        if (vm->late_waiting)
                g_message("vm: the guest's heartbeat is back after %" G_GINT64_FORMAT " s of silence",
                          (now - vm->last_heartbeat_mono) / G_USEC_PER_SEC);
        vm->last_heartbeat_mono = now;
        vm->heartbeat_cpu_ms = qemu_cpu_ms(vm);
        vm->late_mono = 0;
        vm->late_waiting = FALSE;
        vm->loop_stall_us = 0;
}

static gint64 cpu_since(gint64 now_ms, gint64 then_ms)
{
        return now_ms >= 0 && then_ms >= 0 ? now_ms - then_ms : -1;
}

/* What QEMU did during a silence: CPU since the last heartbeat, and since
 * a heartbeat was first overdue (the silence may begin while QEMU still
 * runs).  Lately ~0 s is a paused or starved QEMU (see the host load); a
 * vCPU's worth or more, a guest that runs but does not answer. */
typedef struct {
        gint64 silent_s;
        gint64 total_ms;  /* -1: unknown */
        gint64 recent_ms; /* -1: unknown or no overdue sample yet */
        gint64 recent_s;
} Silence;

static Silence measure_silence(EcivmVm *vm, gint64 now)
{
        gint64 cpu_ms = qemu_cpu_ms(vm); /* one libvirt round trip at most */
        Silence s = { .silent_s = ecivm_guest_silent_s(now, vm->last_heartbeat_mono, vm->loop_stall_us),
                      .recent_ms = -1 };

        s.total_ms = cpu_since(cpu_ms, vm->heartbeat_cpu_ms);
        if (vm->late_mono != 0) {
                s.recent_ms = cpu_since(cpu_ms, vm->late_cpu_ms);
                s.recent_s = (now - vm->late_mono) / G_USEC_PER_SEC;
        }
        return s;
}

static char *hang_reason(const Silence *s)
{
        g_autofree char *loadavg = NULL;
        g_autofree char *clause = NULL;

        (void)g_file_get_contents("/proc/loadavg", &loadavg, NULL, NULL);
        clause = ecivm_proc_stat_silence_clause(s->total_ms, s->silent_s, s->recent_ms, s->recent_s, loadavg);
        return g_strdup_printf("guest hung: no heartbeat for %" G_GINT64_FORMAT " s%s", s->silent_s, clause);
}

static gboolean on_heartbeat_check(gpointer user)
{
        EcivmVm *vm = user;
        gint64 now = g_get_monotonic_time();
        gint64 late = vm->check_mono ? ecivm_loop_late_us(now - vm->check_mono, G_USEC_PER_SEC) : 0;
        gint64 silent;
        Silence s;

        vm->check_mono = now;
        if (late > 0) {
                /* our loop, not the guest, was late: heartbeats may have waited unread
                 * (the control port is dispatched ahead of this check) */
                vm->loop_stall_us += late;
                if (late >= 2 * G_USEC_PER_SEC)
                        g_warning("vm: ecivmd's main loop ran %.1f s late: not counted as guest silence",
                                  (double) late / G_USEC_PER_SEC);
        }
        silent = ecivm_guest_silent_s(now, vm->last_heartbeat_mono, vm->loop_stall_us);

        if (silent >= 2 * (gint64)vm->heartbeat_s && vm->late_mono == 0) {
                vm->late_mono = now;
                vm->late_cpu_ms = qemu_cpu_ms(vm);
        }
        if (silent <= ECIVM_SILENT_HEARTBEATS_IDLE * (gint64)vm->heartbeat_s)
                return G_SOURCE_CONTINUE;
        s = measure_silence(vm, now);
        if (!ecivm_guest_silence_is_hang(s.silent_s, vm->heartbeat_s, s.recent_ms, s.recent_s)) {
                if (!vm->late_waiting)
                        g_message("vm: no heartbeat for %" G_GINT64_FORMAT " s, but QEMU ran %" G_GINT64_FORMAT
                                  " ms of CPU in the last %" G_GINT64_FORMAT " s: waiting up to %u s", s.silent_s,
                                  s.recent_ms, s.recent_s, ECIVM_SILENT_HEARTBEATS_RUNNING * vm->heartbeat_s);
                vm->late_waiting = TRUE;
                return G_SOURCE_CONTINUE;
        }
        vm->heartbeat_timer = 0;
        g_autofree char *why = hang_reason(&s);
        ecivm_vm_kill(vm, why);
        return G_SOURCE_REMOVE;
}

void ecivm_vm_watch_heartbeat(EcivmVm *vm)
{
        vm->late_waiting = FALSE; /* a new run */
        vm->check_mono = 0;
        heard_heartbeat(vm);
        g_clear_handle_id(&vm->heartbeat_timer, g_source_remove);
        vm->heartbeat_timer = g_timeout_add_seconds(1, on_heartbeat_check, vm);
}

static void on_ready(EcivmVm *vm)
{
        g_autofree char *path = g_build_filename(vm->config.run_dir, "docker.sock", NULL);
        g_autoptr(GError) error = NULL;

        if (vm->state != ECIVM_VM_BOOTING)
                return;
        vm->docker_socket = ecivm_docker_socket_new(path, vm->config.socket_group,
                                                    ecivm_mux_source_get_mux(vm->docker), &error);
        if (!vm->docker_socket) {
                ecivm_vm_fail(vm, "docker socket: %s", error->message);
                return;
        }
        if (vm->settings) {
                EcivmApiPolicy policy;
                ecivm_api_policy_from_settings(&policy, vm->settings);
                ecivm_docker_socket_set_policy(vm->docker_socket, &policy);
        }
        vm->ready_mono = g_get_monotonic_time();
        g_clear_handle_id(&vm->timer, g_source_remove);
        ecivm_vm_watch_heartbeat(vm);
        ecivm_vm_set_state(vm, ECIVM_VM_READY, vm->accel_reason);
}

/* A full data disk stops image pulls and container writes, not the VM:
 * report it (degraded, with the figures) and recover when space returns. */
static void on_data_disk(EcivmVm *vm, const struct wire_control *c)
{
        const char *free_s = wire_control_get(c, "data_free_mib");
        const char *total_s = wire_control_get(c, "data_total_mib");
        gboolean full;

        if (!free_s || !total_s)
                return;
        vm->data_free_mib = g_ascii_strtoull(free_s, NULL, 10);
        vm->data_total_mib = g_ascii_strtoull(total_s, NULL, 10);
        full = vm->data_free_mib < MAX(64, vm->data_total_mib / 100);
        if (full == vm->data_full)
                return;
        vm->data_full = full;
        if (full && vm->state == ECIVM_VM_READY) {
                g_autofree char *why = g_strdup_printf("data disk full: %" G_GUINT64_FORMAT " MiB free of %"
                                                       G_GUINT64_FORMAT " MiB", vm->data_free_mib, vm->data_total_mib);
                ecivm_vm_set_state(vm, ECIVM_VM_DEGRADED, why);
        } else if (!full && vm->state == ECIVM_VM_DEGRADED && vm->qemu) {
                ecivm_vm_set_state(vm, ECIVM_VM_READY, "data disk has space again");
        }
}

static void on_event(EcivmVm *vm, const struct wire_control *c)
{
        const char *service = wire_control_get(c, "service");
        const char *state = wire_control_get(c, "state");

        if (g_strcmp0(service, "heartbeat") == 0) {
                heard_heartbeat(vm);
                on_data_disk(vm, c);
                return;
        }
        g_message("guest: %s %s", service ? service : "?", state ? state : "?");
        if (g_strcmp0(service, "dockerd") != 0)
                return;
        if (g_strcmp0(state, "restarted") == 0) {
                g_autofree char *why = g_strdup_printf("dockerd exited (%s); the guest restarted it",
                                                       wire_control_get(c, "exit") ? wire_control_get(c, "exit") : "?");
                vm->dockerd_restarts++;
                if (vm->state == ECIVM_VM_READY)
                        ecivm_vm_set_state(vm, ECIVM_VM_DEGRADED, why);
        } else if (g_strcmp0(state, "ready") == 0 && vm->state == ECIVM_VM_DEGRADED && vm->qemu) {
                ecivm_vm_set_state(vm, ECIVM_VM_READY, "dockerd back after a restart inside the guest");
        }
}

/* Every session starts with BOOTED: the guest gets the settings of this
 * boot (it applies them before dockerd starts, and refuses others later). */
static void push_settings(EcivmVm *vm)
{
        g_autofree struct wire_control *m = g_new0(struct wire_control, 1);
        g_autoptr(GError) error = NULL;

        if (!vm->settings)
                return;
        if (!ecivm_settings_guest_message(vm->settings, m, &error)) {
                ecivm_vm_fail(vm, "settings: %s", error->message); /* checked at start: not reached */
                return;
        }
        if (!ecivm_vm_send_request(vm, m))
                g_warning("settings: could not send them to the guest");
        vm->settings_request = m->id;
}

static void on_reply(EcivmVm *vm, const struct wire_control *c)
{
        const char *error = wire_control_get(c, "error");

        if (c->id == 0 || c->id != vm->settings_request)
                return;
        vm->settings_request = 0;
        if (g_strcmp0(wire_control_get(c, "ok"), "1") == 0) {
                g_message("settings: applied by the guest");
                return;
        }
        ecivm_vm_fail(vm, "the guest refused the settings: %s", error ? error : "no reason given");
}

static void on_control(gpointer user, const struct wire_control *c)
{
        EcivmVm *vm = user;

        switch (c->verb) {
        case WIRE_V_BOOTED:
                vm->booted_mono = vm->booted_mono ? vm->booted_mono : g_get_monotonic_time();
                replace(&vm->guest_kernel, wire_control_get(c, "kernel"));
                replace(&vm->guest_boot_id, wire_control_get(c, "boot_id"));
                push_settings(vm);
                break;
        case WIRE_V_READY:
                on_ready(vm);
                break;
        case WIRE_V_FAILURE:
                replace(&vm->guest_failure, wire_control_get(c, "reason"));
                g_warning("guest reported a failure: %s (step %s)", vm->guest_failure,
                          wire_control_get(c, "step") ? wire_control_get(c, "step") : "?");
                break;
        case WIRE_V_EVENT:
                on_event(vm, c);
                break;
        case WIRE_V_REPLY:
                on_reply(vm, c);
                break;
        case WIRE_V_EVIDENCE_REPLY:
                ecivm_vm_attest_evidence_reply(vm, c);
                break;
        default:
                g_warning("guest sent a host-only verb %s: ignored", wire_verb_name(c->verb));
                break;
        }
}

static void on_control_down(gpointer user, int err)
{
        EcivmVm *vm = user;

        /* QEMU closed its end: the exit handler reports why. */
        if (err != -ECONNRESET)
                g_warning("control channel: %s", g_strerror(-err));
        (void) vm;
}

static void on_docker_down(gpointer user, int err)
{
        EcivmVm *vm = user;

        if (err != -ECONNRESET)
                g_warning("docker channel: %s", g_strerror(-err));
        (void) vm;
}

const EcivmMuxCallbacks ecivm_vm_control_callbacks = {
        .channel_down = on_control_down,
        .control = on_control,
};

static int on_docker_open(gpointer user, guint32 id)
{
        EcivmVm *vm = user;

        return vm->docker_socket ? ecivm_docker_socket_open_guest_stream(vm->docker_socket, id) : -ECONNREFUSED;
}

const EcivmMuxCallbacks ecivm_vm_docker_callbacks = {
        .open_stream = on_docker_open,
        .channel_down = on_docker_down,
};

gboolean ecivm_vm_send_request(EcivmVm *vm, struct wire_control *c)
{
        c->id = ++vm->next_request;
        if (!vm->control || !wire_mux_has_channel(ecivm_mux_source_get_mux(vm->control)))
                return FALSE;
        return wire_mux_send_control(ecivm_mux_source_get_mux(vm->control), c) == 0;
}

gboolean ecivm_vm_send_control(EcivmVm *vm, guint8 verb)
{
        struct wire_control c = { .verb = verb };

        return ecivm_vm_send_request(vm, &c);
}
