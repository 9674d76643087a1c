/* Accelerator choice.  /dev/kvm opening proves nothing on hosts whose nested
 * KVM hangs real guests, so auto mode boots the real kernel once under KVM
 * with ecivm.probe=1 and only trusts KVM when the guest's init answers. */
#define ECIVM_VM_PRIV_ALLOW
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "child.h"
#include "error.h"
#include "qemu-argv.h"
#include "vm-priv.h"

typedef struct {
        EcivmVm *vm;
        char *cache_path;
        char *cache_key;
        char *console_path;
        char *stderr_path;
        gboolean timed_out;
        gboolean marker_seen;
        guint poll_timer;
        gint64 deadline;
} Probe;

static void probe_free(Probe *p)
{
        g_clear_handle_id(&p->poll_timer, g_source_remove);
        g_free(p->cache_path);
        g_free(p->cache_key);
        g_free(p->console_path);
        g_free(p->stderr_path);
        g_free(p);
}

static gboolean kvm_device_usable(void)
{
        int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

        if (fd < 0)
                return FALSE;
        close(fd);
        return TRUE;
}

static char *qemu_version(const char *qemu)
{
        const char *argv[] = { qemu, "--version", NULL };
        g_autofree char *out = NULL;

        if (!g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, NULL, NULL))
                return g_strdup("unknown");
        return g_strdup(g_strstrip(g_strdelimit(out, "\n", '\0')));
}

static char *make_cache_key(EcivmVm *vm)
{
        struct utsname u;
        g_autofree char *qv = qemu_version(vm->config.qemu_binary);

        uname(&u);
        return ecivm_accel_cache_key(u.release, qv, vm->image->kernel_sha256);
}

static void use_accel(EcivmVm *vm, EcivmAccel accel, const char *reason)
{
        vm->accel = accel;
        g_free(vm->accel_reason);
        vm->accel_reason = g_strdup(reason);
        g_message("vm: accelerator %s: %s", ecivm_accel_name(accel), reason);
        ecivm_vm_launch(vm);
}

static char *read_text(const char *path)
{
        char *text = NULL;

        if (!g_file_get_contents(path, &text, NULL, NULL))
                return g_strdup("");
        return text;
}

static void on_probe_exit(EcivmChild *proc, int status, gpointer user)
{
        Probe *p = user;
        EcivmVm *vm = p->vm;
        g_autofree char *console = read_text(p->console_path);
        g_autofree char *err = read_text(p->stderr_path);
        g_autofree char *reason = NULL;
        g_autoptr(GError) error = NULL;
        EcivmAccelVerdict verdict;
        gboolean exited = !p->marker_seen && !p->timed_out;

        if (vm->probe != proc || vm->state != ECIVM_VM_MEASURING) {
                /* the start was abandoned (stop, free) while the probe ran */
                if (vm->probe == proc)
                        g_clear_pointer(&vm->probe, ecivm_child_free);
                probe_free(p);
                return;
        }
        verdict = ecivm_accel_probe_verdict(console, err, exited, status, p->timed_out,
                                            vm->config.probe_timeout_s, &reason);
        g_clear_pointer(&vm->probe, ecivm_child_free); /* PROC is gone after this */
        EcivmAccelCacheEntry entry = { .key = p->cache_key, .verdict = verdict, .reason = reason };
        if (!ecivm_accel_cache_save(p->cache_path, &entry, &error))
                g_warning("accel: cannot cache the probe verdict: %s", error->message);
        if (verdict == ECIVM_ACCEL_VERDICT_KVM_WORKS)
                use_accel(vm, ECIVM_ACCEL_KVM, "KVM probe boot succeeded");
        else {
                g_autofree char *why = g_strdup_printf("KVM unusable, using TCG: %s", reason);
                use_accel(vm, ECIVM_ACCEL_TCG, why);
        }
        probe_free(p);
}

static gboolean on_probe_tick(gpointer user)
{
        Probe *p = user;
        g_autofree char *console = read_text(p->console_path);

        if (strstr(console, ECIVM_PROBE_MARKER))
                p->marker_seen = TRUE;
        else if (g_get_monotonic_time() >= p->deadline)
                p->timed_out = TRUE;
        else
                return G_SOURCE_CONTINUE;
        p->poll_timer = 0;
        ecivm_child_kill(p->vm->probe, SIGKILL);
        return G_SOURCE_REMOVE;
}

static EcivmLaunchPlan *probe_plan(EcivmVm *vm, Probe *p, GError **error)
{
        g_autoptr(EcivmLaunchPlan) plan = ecivm_launch_plan_new();
        EcivmCmdlineParams params;

        ecivm_cmdline_params_init(&params);
        params.probe = TRUE;
        plan->cmdline = ecivm_cmdline_build(&params, error);
        if (!plan->cmdline)
                return NULL;
        plan->qemu_binary = g_strdup(vm->config.qemu_binary);
        plan->accel = ECIVM_ACCEL_KVM;
        plan->cpus = 1;
        plan->memory_mib = 512;
        plan->kernel = g_strdup("/proc/self/fd/5");
        plan->initrd = g_strdup("/proc/self/fd/6");
        plan->root_image = g_strdup("/proc/self/fd/7");
        plan->data_disk = g_build_filename(vm->config.state_dir, "probe-scratch.img", NULL);
        plan->console_log = g_strdup(p->console_path);
        ecivm_channel_set_fd(&plan->control, 3);
        ecivm_channel_set_fd(&plan->docker, 4);
        return g_steal_pointer(&plan);
}

static EcivmChild *spawn_probe(EcivmVm *vm, Probe *p, GError **error)
{
        g_autoptr(EcivmLaunchPlan) plan = probe_plan(vm, p, error);
        g_auto(GStrv) argv = NULL;
        const int src[] = { vm->image->kernel_fd, vm->image->initrd_fd, vm->image->root_fd };
        EcivmChildFd fds[5];
        gsize n = 0;
        int sv[2];

        if (!plan || !(argv = ecivm_qemu_argv_build(plan, error)))
                return NULL;
        if (!g_file_set_contents(plan->data_disk, "", 0, error) || truncate(plan->data_disk, 1 << 20) < 0 ||
            !g_file_set_contents(p->console_path, "", 0, error))
                return NULL;
        for (int i = 0; i < 2; i++) {
                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
                        g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "socketpair: %s", g_strerror(errno));
                        for (gsize j = 0; j < n; j++)
                                close(fds[j].fd);
                        return NULL;
                }
                close(sv[0]);
                fds[n++] = (EcivmChildFd) { sv[1], 3 + i };
        }
        for (int i = 0; i < 3; i++)
                fds[n++] = (EcivmChildFd) { fcntl(src[i], F_DUPFD_CLOEXEC, 10), 5 + i };
        return ecivm_child_spawn((const char *const *) argv, fds, n, p->stderr_path, FALSE, on_probe_exit, p, error);
}

static void start_probe(EcivmVm *vm, char *cache_path, char *key)
{
        Probe *p = g_new0(Probe, 1);
        g_autoptr(GError) error = NULL;

        p->vm = vm;
        p->cache_path = cache_path;
        p->cache_key = key;
        p->console_path = g_build_filename(vm->config.state_dir, "probe-console.log", NULL);
        p->stderr_path = g_build_filename(vm->config.state_dir, "probe-qemu.log", NULL);
        p->deadline = g_get_monotonic_time() + (gint64) vm->config.probe_timeout_s * G_USEC_PER_SEC;
        g_message("vm: probing KVM with the real kernel (up to %u s)", vm->config.probe_timeout_s);
        vm->probe = spawn_probe(vm, p, &error);
        if (!vm->probe) {
                g_autofree char *why = g_strdup_printf("KVM probe could not start, using TCG: %s", error->message);
                probe_free(p);
                use_accel(vm, ECIVM_ACCEL_TCG, why);
                return;
        }
        p->poll_timer = g_timeout_add(200, on_probe_tick, p);
}

void ecivm_vm_choose_accel_then_launch(EcivmVm *vm)
{
        g_autofree char *cache_path = g_build_filename(vm->config.state_dir, "accel.cache", NULL);
        g_autofree char *key = make_cache_key(vm);
        g_autofree char *cached_reason = NULL;
        g_autoptr(GError) warning = NULL;
        g_auto(EcivmAccelDecision) d = { 0 };
        EcivmAccelMode mode = vm->config.accel_mode;
        EcivmAccelFacts facts = { 0 };

        if (vm->accel_override)
                ecivm_accel_mode_parse(vm->accel_override, &mode, NULL);
        facts.kvm_device_usable = kvm_device_usable();
        facts.cached_verdict = ecivm_accel_cache_load(cache_path, key, &cached_reason, &warning);
        facts.cached_reason = cached_reason;
        if (warning)
                g_warning("accel cache: %s", warning->message);
        d = ecivm_accel_decide(mode, &facts);
        if (d.failed)
                ecivm_vm_fail(vm, "%s", d.reason);
        else if (d.need_probe)
                start_probe(vm, g_steal_pointer(&cache_path), g_steal_pointer(&key));
        else
                use_accel(vm, d.use_kvm ? ECIVM_ACCEL_KVM : ECIVM_ACCEL_TCG, d.reason);
}
