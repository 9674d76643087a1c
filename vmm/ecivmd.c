/* ecivmd: the ecivm service.  One GMainLoop; owns one VM; serves the JSON
 * control socket and, while the VM is ready, the host Docker socket. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>

#include "api-server.h"
#include "backend-libvirt.h"
#include "libvirt-module.h"
#include "log-cap.h"
#include "error.h"
#include "host-perms.h"
#include "vm.h"
#include "vm-settings.h"

typedef struct {
        GMainLoop *loop;
        EcivmVm *vm;
        EcivmApiServer *api;
        gboolean quitting;
        gboolean exit_when_stopped;
} Daemon;

static void on_state(EcivmVm *vm, EcivmVmState state, gpointer user)
{
        Daemon *d = user;

        if (d->api)
                ecivm_api_server_notify_state(d->api);
        /* A boot or a teardown frees buffers all over the heap: hand the
         * pages back once the state settles (target: <= 6 MiB resident). */
        if (state == ECIVM_VM_READY || state == ECIVM_VM_STOPPED || state == ECIVM_VM_FAILED)
                malloc_trim(0);
        if ((d->quitting && state == ECIVM_VM_FAILED) ||
            (d->quitting && state == ECIVM_VM_STOPPED) ||
            (d->exit_when_stopped && state == ECIVM_VM_STOPPED && !ecivm_vm_is_restarting(vm)))
                g_main_loop_quit(d->loop);
}

static gboolean on_signal(gpointer user)
{
        Daemon *d = user;
        EcivmVmState s = ecivm_vm_get_state(d->vm);

        g_message("ecivmd: shutting down");
        d->quitting = TRUE;
        if (s == ECIVM_VM_STOPPED || s == ECIVM_VM_FAILED)
                g_main_loop_quit(d->loop);
        else
                ecivm_vm_stop(d->vm, NULL);
        return G_SOURCE_CONTINUE;
}

/* One daemon per run dir: the lock lives as long as the process. */
static gboolean take_lock(const char *run_dir, GError **error)
{
        g_autofree char *path = g_build_filename(run_dir, "ecivmd.lock", NULL);
        int fd;

        if (g_mkdir_with_parents(run_dir, 0755) < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "%s: %s", run_dir, g_strerror(errno));
                return FALSE;
        }
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_STATE, "%s: another ecivmd is running (%s)", path,
                            g_strerror(errno));
                return FALSE;
        }
        return TRUE; /* fd deliberately kept open */
}

typedef struct {
        char *image_dir, *state_dir, *run_dir, *accel, *group, *qemu, *backend, *libvirt_uri, *attest_key;
        char **trusted_keys;
        char *admin_settings;
        int cpus, memory, disk_gib, boot_timeout;
        gboolean start, exit_when_stopped;
} Options;

static gboolean parse_options(int argc, char **argv, Options *o, GError **error)
{
        GOptionEntry entries[] = {
                { "image-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->image_dir, "Image directory (manifest.json)", "DIR" },
                { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->state_dir, "State directory", "DIR" },
                { "run-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->run_dir, "Socket directory", "DIR" },
                { "accel", 0, 0, G_OPTION_ARG_STRING, &o->accel, "auto|kvm|tcg", "MODE" },
                { "cpus", 0, 0, G_OPTION_ARG_INT, &o->cpus, "Guest vCPUs", "N" },
                { "memory", 0, 0, G_OPTION_ARG_INT, &o->memory, "Guest memory", "MiB" },
                { "data-disk-size", 0, 0, G_OPTION_ARG_INT, &o->disk_gib, "Data disk size on creation", "GiB" },
                { "boot-timeout", 0, 0, G_OPTION_ARG_INT, &o->boot_timeout, "Seconds to dockerd ready", "S" },
                { "socket-group", 0, 0, G_OPTION_ARG_STRING, &o->group, "Group for the sockets", "GROUP" },
                { "qemu", 0, 0, G_OPTION_ARG_FILENAME, &o->qemu, "QEMU binary", "PATH" },
                { "backend", 0, 0, G_OPTION_ARG_STRING, &o->backend, "qemu (spawn QEMU) or libvirt", "NAME" },
                { "libvirt-uri", 0, 0, G_OPTION_ARG_STRING, &o->libvirt_uri,
                  "libvirt connection for --backend=libvirt (default " ECIVM_LIBVIRT_DEFAULT_URI ")", "URI" },
                { "admin-settings", 0, 0, G_OPTION_ARG_FILENAME, &o->admin_settings,
                  "Admin settings file (default " ECIVM_ADMIN_SETTINGS_DEFAULT ")", "FILE" },
                { "trusted-key", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->trusted_keys,
                  "Public key trusted to sign manifests (repeatable; default: *.pub in "
                  ECIVM_SYSCONFDIR "/ecivm/trusted-keys)", "FILE" },
                { "attest-key", 0, 0, G_OPTION_ARG_FILENAME, &o->attest_key,
                  "Ed25519 attestation private key (default: STATE/attest.key, generated on first use)", "FILE" },
                { "start", 0, 0, G_OPTION_ARG_NONE, &o->start, "Start the VM at once", NULL },
                { "exit-when-stopped", 0, 0, G_OPTION_ARG_NONE, &o->exit_when_stopped,
                  "Exit once the VM is stopped (set when the CLI starts the daemon)", NULL },
                { NULL },
        };
        g_autoptr(GOptionContext) ctx = g_option_context_new("- ecivm service");

        g_option_context_add_main_entries(ctx, entries, NULL);
        if (!g_option_context_parse(ctx, &argc, &argv, error))
                return FALSE;
        if (argc > 1) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "unexpected argument \"%s\"", argv[1]);
                return FALSE;
        }
        return TRUE;
}

static gboolean apply_options(const Options *o, EcivmVmConfig *c, GError **error)
{
#define SET_STR(field, value)                    \
        if (value) {                             \
                g_free(c->field);                \
                c->field = g_strdup(value);      \
        }
        SET_STR(image_dir, o->image_dir);
        SET_STR(state_dir, o->state_dir);
        SET_STR(run_dir, o->run_dir);
        SET_STR(socket_group, o->group);
        SET_STR(qemu_binary, o->qemu);
        SET_STR(attest_key, o->attest_key);
        if (o->backend && !g_str_equal(o->backend, "qemu") && !g_str_equal(o->backend, "libvirt")) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "--backend: expected qemu or libvirt");
                return FALSE;
        }
        if (g_strcmp0(o->backend, "libvirt") == 0) {
                if (!ecivm_libvirt_module_load(error))
                        return FALSE;
                c->libvirt_uri = g_strdup(o->libvirt_uri ? o->libvirt_uri : ECIVM_LIBVIRT_DEFAULT_URI);
        }
#undef SET_STR
        if (o->admin_settings)
                ecivm_vm_settings_set_admin_path(o->admin_settings);
        if (o->trusted_keys) {
                g_strfreev(c->trusted_keys);
                c->trusted_keys = g_strdupv(o->trusted_keys);
        }
        if (o->accel && !ecivm_accel_mode_parse(o->accel, &c->accel_mode, error))
                return FALSE;
        if (o->cpus)
                c->cpus = (guint) o->cpus;
        if (o->memory)
                c->memory_mib = (guint) o->memory;
        if (o->disk_gib < 0 || o->disk_gib > 4096 || o->boot_timeout < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_INVALID, "--data-disk-size/--boot-timeout out of range");
                return FALSE;
        }
        if (o->disk_gib)
                c->data_disk_gib = (guint) o->disk_gib;
        if (o->boot_timeout)
                c->boot_timeout_s = (guint) o->boot_timeout;
        return TRUE;
}

int main(int argc, char **argv)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *api_path = NULL;
        Options o = { 0 };
        EcivmVmConfig config;
        Daemon d = { 0 };

        signal(SIGPIPE, SIG_IGN);
        /* One main loop does the work; GLib's and GIO's helper threads
         * allocate little, and an arena each would only add resident pages. */
        mallopt(M_ARENA_MAX, 1);
        umask(0077);
        ecivm_vm_config_init_defaults(&config);
        if (!parse_options(argc, argv, &o, &error) || !apply_options(&o, &config, &error) ||
            !ecivm_check_private_tree(config.state_dir, &error) ||
            !ecivm_check_private_tree(config.image_dir, &error) ||
            !take_lock(config.run_dir, &error)) {
                fprintf(stderr, "ecivmd: %s\n", error->message);
                return 2;
        }
        d.loop = g_main_loop_new(NULL, FALSE);
        d.exit_when_stopped = o.exit_when_stopped;
        d.vm = ecivm_vm_new(&config);
        ecivm_vm_set_state_callback(d.vm, on_state, &d);
        ecivm_vm_reap_orphan(d.vm);
        api_path = g_build_filename(config.run_dir, "ecivmd.sock", NULL);
        d.api = ecivm_api_server_new(d.vm, api_path, config.socket_group, &error);
        if (!d.api) {
                fprintf(stderr, "ecivmd: control socket: %s\n", error->message);
                return 1;
        }
        ecivm_api_server_set_exit_when_stopped(d.api, d.exit_when_stopped);
        ecivm_log_cap_start();
        g_unix_signal_add(SIGTERM, on_signal, &d);
        g_unix_signal_add(SIGINT, on_signal, &d);
        g_message("ecivmd: serving %s (images %s, state %s)", api_path, config.image_dir, config.state_dir);
        if (o.start && !ecivm_vm_start(d.vm, NULL, &error))
                g_warning("ecivmd: start: %s", error->message);
        g_main_loop_run(d.loop);
        ecivm_api_server_flush(d.api);
        g_clear_pointer(&d.api, ecivm_api_server_free);
        g_clear_pointer(&d.vm, ecivm_vm_free);
        g_main_loop_unref(d.loop);
        ecivm_vm_config_clear(&config);
        return 0;
}
