#define ECIVM_VM_PRIV_ALLOW
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "settings-guest.h"
#include "vm-priv.h"
#include "vm-settings.h"

void ecivm_vm_config_init_defaults(EcivmVmConfig *c)
{
        *c = (EcivmVmConfig) {
                .image_dir = g_strdup(ECIVM_DATADIR "/images"),
                .state_dir = g_strdup(ECIVM_LOCALSTATEDIR "/lib/ecivm"),
                .run_dir = g_strdup("/run/ecivm"),
                .qemu_binary = g_strdup(QEMU_BINARY),
                .accel_mode = ECIVM_ACCEL_MODE_AUTO,
                .cpus = 2,
                .memory_mib = 1536,
                .data_disk_gib = 16,
                .socket_group = g_strdup("ecivm"),
                .boot_timeout_s = 120,
                .stop_timeout_s = 30,
                .probe_timeout_s = 6,
        };
}

void ecivm_vm_config_clear(EcivmVmConfig *c)
{
        g_clear_pointer(&c->image_dir, g_free);
        g_clear_pointer(&c->state_dir, g_free);
        g_clear_pointer(&c->run_dir, g_free);
        g_clear_pointer(&c->qemu_binary, g_free);
        g_clear_pointer(&c->socket_group, g_free);
        g_clear_pointer(&c->trusted_keys, g_strfreev);
        g_clear_pointer(&c->attest_key, g_free);
        g_clear_pointer(&c->libvirt_uri, g_free);
}

EcivmVm *ecivm_vm_new(const EcivmVmConfig *config)
{
        EcivmVm *vm = g_new0(EcivmVm, 1);

        vm->config = *config;
        vm->config.image_dir = g_strdup(config->image_dir);
        vm->config.state_dir = g_strdup(config->state_dir);
        vm->config.run_dir = g_strdup(config->run_dir);
        vm->config.qemu_binary = g_strdup(config->qemu_binary);
        vm->config.socket_group = g_strdup(config->socket_group);
        vm->config.trusted_keys = g_strdupv(config->trusted_keys);
        vm->config.attest_key = g_strdup(config->attest_key);
        vm->config.libvirt_uri = g_strdup(config->libvirt_uri);
        vm->state = ECIVM_VM_STOPPED;
        vm->state_since = g_get_real_time();
        ecivm_backoff_init(&vm->backoff, 1000, 30000, 5, 600);
        return vm;
}

void ecivm_vm_free(EcivmVm *vm)
{
        if (!vm)
                return;
        ecivm_child_kill(vm->qemu, SIGKILL);
        ecivm_vm_libvirt_end(vm);
        ecivm_child_kill(vm->probe, SIGKILL);
        ecivm_vm_release_run(vm);
        ecivm_vm_attest_free(vm);
        g_clear_pointer(&vm->qemu, ecivm_child_free);
        g_clear_pointer(&vm->probe, ecivm_child_free);
        ecivm_vm_config_clear(&vm->config);
        g_free(vm->reason);
        g_free(vm->accel_reason);
        g_free(vm->accel_override);
        g_free(vm->guest_kernel);
        g_free(vm->guest_boot_id);
        g_free(vm->guest_failure);
        g_free(vm->kill_reason);
        ecivm_settings_free(vm->settings);
        g_free(vm);
}

void ecivm_vm_set_state_callback(EcivmVm *vm, EcivmVmStateFunc func, gpointer user)
{
        vm->state_func = func;
        vm->state_user = user;
}

static gboolean on_restart_requested(gpointer user)
{
        EcivmVm *vm = user;
        g_autoptr(GError) error = NULL;

        vm->restart_requested = FALSE;
        if (!ecivm_vm_start(vm, vm->accel_override, &error))
                g_warning("vm: restart: %s", error->message);
        return G_SOURCE_REMOVE;
}

void ecivm_vm_set_state(EcivmVm *vm, EcivmVmState state, const char *reason)
{
        if (!ecivm_vm_state_transition_allowed(vm->state, state)) {
                g_warning("vm: ignoring transition %s -> %s", ecivm_vm_state_name(vm->state),
                          ecivm_vm_state_name(state));
                return;
        }
        /* with stderr on the journal, GLib sends these as structured fields */
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "ECIVM_STATE", ecivm_vm_state_name(state),
                         "ECIVM_PREVIOUS_STATE", ecivm_vm_state_name(vm->state), "ECIVM_REASON", reason ? reason : "",
                         "MESSAGE", "vm: %s -> %s%s%s", ecivm_vm_state_name(vm->state), ecivm_vm_state_name(state),
                         reason ? ": " : "", reason ? reason : "");
        vm->state = state;
        vm->state_since = g_get_real_time();
        g_free(vm->reason);
        vm->reason = g_strdup(reason);
        if (vm->state_func)
                vm->state_func(vm, state, vm->state_user);
        if (state == ECIVM_VM_STOPPED && vm->restart_requested)
                g_idle_add(on_restart_requested, vm);
}

void ecivm_vm_release_run(EcivmVm *vm)
{
        ecivm_vm_attest_cancel_all(vm, "the VM stopped before the guest answered");
        g_clear_handle_id(&vm->timer, g_source_remove);
        g_clear_handle_id(&vm->heartbeat_timer, g_source_remove);
        g_clear_pointer(&vm->docker_socket, ecivm_docker_socket_free);
        g_clear_pointer(&vm->control, ecivm_mux_source_free);
        g_clear_pointer(&vm->docker, ecivm_mux_source_free);
        g_clear_pointer(&vm->image, ecivm_measured_image_free);
}

void ecivm_vm_fail(EcivmVm *vm, const char *fmt, ...)
{
        g_autofree char *reason = NULL;
        va_list ap;

        va_start(ap, fmt);
        reason = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        ecivm_child_kill(vm->qemu, SIGKILL);
        ecivm_vm_libvirt_end(vm);
        ecivm_child_kill(vm->probe, SIGKILL);
        ecivm_vm_release_run(vm);
        ecivm_vm_set_state(vm, ECIVM_VM_FAILED, reason);
}

static gboolean ensure_dir(const char *path, mode_t mode, GError **error)
{
        if (g_mkdir_with_parents(path, mode) < 0 || chmod(path, mode) < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s: %s", path, g_strerror(errno));
                return FALSE;
        }
        return TRUE;
}

static gboolean prepare_dirs(EcivmVm *vm, GError **error)
{
        return ensure_dir(vm->config.state_dir, 0700, error) && ensure_dir(vm->config.run_dir, 0755, error);
}

static gboolean measure(EcivmVm *vm, GError **error)
{
        EcivmCmdlineParams params;

        ecivm_cmdline_params_init(&params);
        vm->heartbeat_s = params.heartbeat_seconds;
        vm->image = ecivm_measure_image(vm->config.image_dir, (const char *const *) vm->config.trusted_keys, &params,
                                        error);
        g_autofree char *effective = vm->settings ? ecivm_settings_canonical(vm->settings) : NULL;
        g_autofree char *eci = vm->settings ? ecivm_settings_eci_json(vm->settings) : NULL;

        return vm->image != NULL && ecivm_measured_image_log(vm->image, &vm->config, effective, eci, error);
}

void ecivm_vm_begin(EcivmVm *vm)
{
        g_autoptr(GError) local = NULL;

        g_clear_pointer(&vm->guest_failure, g_free);
        g_clear_pointer(&vm->guest_kernel, g_free);
        g_clear_pointer(&vm->guest_boot_id, g_free);
        g_clear_pointer(&vm->kill_reason, g_free);
        vm->booted_mono = vm->ready_mono = vm->qemu_exec_mono = 0;
        vm->start_mono = g_get_monotonic_time();
        ecivm_vm_attest_new_boot(vm);
        ecivm_vm_set_state(vm, ECIVM_VM_MEASURING, vm->restarts ? "automatic restart" : NULL);
        g_clear_pointer(&vm->settings, ecivm_settings_free);
        if (!prepare_dirs(vm, &local) || !(vm->settings = ecivm_vm_settings_read(vm, &local)) ||
            !measure(vm, &local)) {
                ecivm_vm_fail(vm, "%s", local->message);
                return;
        }
        ecivm_vm_choose_accel_then_launch(vm);
}

static gboolean on_restart_due(gpointer user)
{
        EcivmVm *vm = user;

        vm->timer = 0;
        ecivm_vm_begin(vm);
        return G_SOURCE_REMOVE;
}

void ecivm_vm_supervise_failure(EcivmVm *vm, const char *reason)
{
        gint64 delay = ecivm_backoff_failure(&vm->backoff, g_get_monotonic_time());
        g_autofree char *why = NULL;

        ecivm_vm_release_run(vm);
        if (delay < 0) {
                why = g_strdup_printf("crash loop: %u failures within %u s; last: %s",
                                      ecivm_backoff_recent(&vm->backoff, g_get_monotonic_time()),
                                      vm->backoff.window_s, reason);
                ecivm_vm_set_state(vm, ECIVM_VM_FAILED, why);
                return;
        }
        vm->restarts++;
        why = g_strdup_printf("%s; restarting in %.1f s (automatic restart %u)", reason, delay / 1000.0,
                              vm->restarts);
        ecivm_vm_set_state(vm, ECIVM_VM_DEGRADED, why);
        vm->timer = g_timeout_add((guint) delay, on_restart_due, vm);
}

gboolean ecivm_vm_start(EcivmVm *vm, const char *accel_override, GError **error)
{
        EcivmAccelMode mode;

        if (!ecivm_vm_state_can_start(vm->state)) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_STATE, "the VM is %s: stop it first",
                            ecivm_vm_state_name(vm->state));
                return FALSE;
        }
        if (accel_override && !ecivm_accel_mode_parse(accel_override, &mode, error))
                return FALSE;
        g_free(vm->accel_override);
        vm->accel_override = g_strdup(accel_override);
        vm->restarts = 0;
        ecivm_backoff_reset(&vm->backoff);
        ecivm_vm_begin(vm);
        return TRUE;
}

static gboolean on_stop_deadline(gpointer user)
{
        EcivmVm *vm = user;

        vm->timer = 0;
        g_warning("vm: guest did not power off within %u s: killing QEMU", vm->config.stop_timeout_s);
        ecivm_child_kill(vm->qemu, SIGKILL);
        ecivm_vm_libvirt_destroy(vm);
        return G_SOURCE_REMOVE;
}

gboolean ecivm_vm_stop(EcivmVm *vm, GError **error)
{
        switch (vm->state) {
        case ECIVM_VM_STOPPED:
                /* nothing to stop: say so again, so waiters and a daemon
                 * that ends with its VM hear the outcome */
                if (vm->state_func)
                        vm->state_func(vm, vm->state, vm->state_user);
                return TRUE;
        case ECIVM_VM_FAILED:
                ecivm_vm_release_run(vm);
                ecivm_vm_set_state(vm, ECIVM_VM_STOPPED, "reset after failure");
                return TRUE;
        case ECIVM_VM_STOPPING:
                return TRUE;
        case ECIVM_VM_MEASURING:
                ecivm_child_kill(vm->probe, SIGKILL);
                ecivm_vm_release_run(vm);
                ecivm_vm_set_state(vm, ECIVM_VM_STOPPED, "stopped before boot");
                return TRUE;
        case ECIVM_VM_DEGRADED:
                if (!vm->qemu && !vm->libvirt) { /* waiting out a restart backoff */
                        ecivm_vm_release_run(vm);
                        ecivm_vm_set_state(vm, ECIVM_VM_STOPPED, "stopped while waiting to restart");
                        return TRUE;
                }
                break;
        default:
                break;
        }
        g_clear_pointer(&vm->docker_socket, ecivm_docker_socket_free);
        ecivm_vm_set_state(vm, ECIVM_VM_STOPPING, "stop requested");
        g_clear_handle_id(&vm->timer, g_source_remove);
        vm->timer = g_timeout_add_seconds(vm->config.stop_timeout_s, on_stop_deadline, vm);
        if (!ecivm_vm_send_control(vm, WIRE_V_SHUTDOWN))
                ecivm_child_kill(vm->qemu, SIGTERM);
        return TRUE;
}

gboolean ecivm_vm_restart(EcivmVm *vm, GError **error)
{
        if (ecivm_vm_state_can_start(vm->state))
                return ecivm_vm_start(vm, vm->accel_override, error);
        vm->restart_requested = TRUE;
        return ecivm_vm_stop(vm, error);
}

gboolean ecivm_vm_is_restarting(const EcivmVm *vm)
{
        return vm->restart_requested;
}

const char *ecivm_vm_get_state_dir(const EcivmVm *vm)
{
        return vm->config.state_dir;
}

EcivmVmState ecivm_vm_get_state(const EcivmVm *vm)
{
        return vm->state;
}

static double secs_since(gint64 from, gint64 to)
{
        return from && to ? (double) (to - from) / G_USEC_PER_SEC : 0;
}

JsonNode *ecivm_vm_status_json(const EcivmVm *vm)
{
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autoptr(GDateTime) since = g_date_time_new_from_unix_utc((gint64) (vm->state_since / G_USEC_PER_SEC));
        g_autofree char *since_s = g_date_time_format_iso8601(since);
        g_autofree char *sock = g_build_filename(vm->config.run_dir, "docker.sock", NULL);
        g_autofree char *console = g_build_filename(vm->config.state_dir, "console.log", NULL);

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "state");
        json_builder_add_string_value(b, ecivm_vm_state_name(vm->state));
        json_builder_set_member_name(b, "since");
        json_builder_add_string_value(b, since_s);
        if (vm->reason) {
                json_builder_set_member_name(b, "reason");
                json_builder_add_string_value(b, vm->reason);
        }
        if (vm->accel_reason) {
                json_builder_set_member_name(b, "accel");
                json_builder_add_string_value(b, ecivm_accel_name(vm->accel));
                json_builder_set_member_name(b, "accelReason");
                json_builder_add_string_value(b, vm->accel_reason);
        }
        if (vm->qemu && vm->state != ECIVM_VM_STOPPED) {
                json_builder_set_member_name(b, "qemuPid");
                json_builder_add_string_value(b, ecivm_child_get_identifier(vm->qemu));
        }
        if (vm->guest_kernel) {
                json_builder_set_member_name(b, "guestKernel");
                json_builder_add_string_value(b, vm->guest_kernel);
                json_builder_set_member_name(b, "guestBootId");
                json_builder_add_string_value(b, vm->guest_boot_id);
        }
        if (vm->guest_failure) {
                json_builder_set_member_name(b, "guestFailure");
                json_builder_add_string_value(b, vm->guest_failure);
        }
        json_builder_set_member_name(b, "dockerSocket");
        json_builder_add_string_value(b, vm->docker_socket ? sock : "");
        json_builder_set_member_name(b, "consoleLog");
        json_builder_add_string_value(b, console);
        json_builder_set_member_name(b, "bootSeconds");
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "measure");
        json_builder_add_double_value(b, secs_since(vm->start_mono, vm->qemu_exec_mono));
        json_builder_set_member_name(b, "toInit");
        json_builder_add_double_value(b, secs_since(vm->start_mono, vm->booted_mono));
        json_builder_set_member_name(b, "toReady");
        json_builder_add_double_value(b, secs_since(vm->start_mono, vm->ready_mono));
        json_builder_end_object(b);
        if (vm->image && vm->image->event_log) {
                g_autofree char *composite = ecivm_event_log_composite(vm->image->event_log);

                json_builder_set_member_name(b, "measuredComposite");
                json_builder_add_string_value(b, composite);
                json_builder_set_member_name(b, "manifestSigner");
                json_builder_add_string_value(b, vm->image->signer);
        }
        json_builder_set_member_name(b, "dockerdRestarts");
        json_builder_add_int_value(b, vm->dockerd_restarts);
        json_builder_set_member_name(b, "automaticRestarts");
        json_builder_add_int_value(b, vm->restarts);
        if (vm->data_total_mib) {
                json_builder_set_member_name(b, "dataDisk");
                json_builder_begin_object(b);
                json_builder_set_member_name(b, "freeMiB");
                json_builder_add_int_value(b, (gint64) vm->data_free_mib);
                json_builder_set_member_name(b, "totalMiB");
                json_builder_add_int_value(b, (gint64) vm->data_total_mib);
                json_builder_set_member_name(b, "full");
                json_builder_add_boolean_value(b, vm->data_full);
                json_builder_end_object(b);
        }
        json_builder_end_object(b);
        return json_builder_get_root(b);
}

static gboolean pid_is_our_qemu(pid_t pid, const char *state_dir)
{
        g_autofree char *path = g_strdup_printf("/proc/%d/cmdline", pid);
        g_autofree char *cmd = NULL;
        gsize len;

        if (!g_file_get_contents(path, &cmd, &len, NULL))
                return FALSE;
        for (gsize i = 0; i + 1 < len; i++)
                if (cmd[i] == '\0')
                        cmd[i] = ' ';
        return strstr(cmd, "process=ecivm-qemu") && strstr(cmd, state_dir);
}

void ecivm_vm_reap_orphan(EcivmVm *vm)
{
        g_autofree char *pidfile = g_build_filename(vm->config.state_dir, "qemu.pid", NULL);
        g_autofree char *text = NULL;
        gint64 pid;

        if (!g_file_get_contents(pidfile, &text, NULL, NULL))
                return;
        pid = g_ascii_strtoll(text, NULL, 10);
        if (pid <= 1 || !pid_is_our_qemu((pid_t) pid, vm->config.state_dir)) {
                (void) unlink(pidfile);
                return;
        }
        g_warning("vm: a QEMU (pid %" G_GINT64_FORMAT ") from a previous ecivmd still runs: stopping it", pid);
        kill((pid_t) pid, SIGTERM);
        for (int i = 0; i < 50 && pid_is_our_qemu((pid_t) pid, vm->config.state_dir); i++)
                g_usleep(100 * 1000);
        if (pid_is_our_qemu((pid_t) pid, vm->config.state_dir))
                kill((pid_t) pid, SIGKILL);
        (void) unlink(pidfile);
}
