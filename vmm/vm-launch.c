/* Spawning QEMU for a measured image, and noticing when it ends. */
#define ECIVM_VM_PRIV_ALLOW
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "error.h"
#include "qemu-argv.h"
#include "vm-priv.h"

/* fd numbers inside QEMU */
enum { FD_CONTROL = 3, FD_DOCKER, FD_KERNEL, FD_INITRD, FD_ROOT, FD_DATA, FD_VERITY };

static char *fd_path(int fd)
{
        return g_strdup_printf("/proc/self/fd/%d", fd);
}

static guint data_disk_mib(const EcivmVm *vm)
{
        return vm->settings ? vm->settings->disk_size_mib : vm->config.data_disk_gib * 1024;
}

/* An existing disk keeps its size: diskSizeMiB sizes a new one only. */
static void note_disk_size(const EcivmVm *vm, int fd, const char *path)
{
        struct stat st;
        guint want = data_disk_mib(vm);

        if (fstat(fd, &st) == 0 && (guint64) st.st_size != (guint64) want * 1024 * 1024)
                g_message("vm: data disk %s is %" G_GUINT64_FORMAT " MiB; diskSizeMiB %u applies to a new data disk "
                          "only (an existing one is not resized)",
                          path, (guint64) st.st_size / (1024 * 1024), want);
}

/* The data disk is created once and kept; an exclusive lock on it keeps a
 * second VM (or a stray QEMU) from ever opening the same disk. */
static int open_data_disk(const EcivmVm *vm, GError **error)
{
        g_autofree char *path = g_build_filename(vm->config.state_dir, "data.img", NULL);
        int fd = open(path, O_RDWR | O_CLOEXEC);

        if (fd >= 0)
                note_disk_size(vm, fd, path);
        if (fd < 0 && errno == ENOENT) {
                g_autofree char *size = g_strdup_printf("%uM", data_disk_mib(vm));
                const char *argv[] = { "mkfs.ext4", "-q", "-F", "-L", "ecivm-data", "-E", "lazy_itable_init=1,nodiscard",
                                       path, size, NULL };
                int status;

                g_message("vm: creating data disk %s (%s, sparse)", path, size);
                if (!g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status,
                                  error) ||
                    !g_spawn_check_wait_status(status, error)) {
                        g_prefix_error(error, "data disk %s: mkfs.ext4: ", path);
                        (void) unlink(path);
                        return -1;
                }
                fd = open(path, O_RDWR | O_CLOEXEC);
        }
        if (fd < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "data disk %s: %s", path, g_strerror(errno));
                return -1;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_STATE, "data disk %s is in use by another VM", path);
                close(fd);
                return -1;
        }
        return fd;
}

static EcivmLaunchPlan *build_plan(EcivmVm *vm, GError **error)
{
        g_autoptr(EcivmLaunchPlan) plan = ecivm_launch_plan_new();

        plan->qemu_binary = g_strdup(vm->config.qemu_binary);
        plan->accel = vm->accel;
        plan->cpus = vm->settings ? vm->settings->cpus : vm->config.cpus;
        plan->memory_mib = vm->settings ? vm->settings->memory_mib : vm->config.memory_mib;
        plan->kernel = fd_path(FD_KERNEL);
        plan->initrd = fd_path(FD_INITRD);
        plan->root_image = fd_path(FD_ROOT);
        plan->data_disk = fd_path(FD_DATA);
        plan->verity_hash = fd_path(FD_VERITY);
        plan->cmdline = g_strdup(vm->image->cmdline);
        plan->console_log = g_build_filename(vm->config.state_dir, "console.log", NULL);
        plan->pidfile = g_build_filename(vm->config.state_dir, "qemu.pid", NULL);
        plan->guest_log = g_build_filename(vm->config.state_dir, "guest.log", NULL);
        plan->qmp_socket = g_build_filename(vm->config.state_dir, "qmp.sock", NULL);
        ecivm_channel_set_fd(&plan->control, FD_CONTROL);
        ecivm_channel_set_fd(&plan->docker, FD_DOCKER);
        return g_steal_pointer(&plan);
}

/* FDS[*N] = a duplicate of FD as TARGET in QEMU. */
static gboolean pass_dup(EcivmChildFd *fds, gsize *n, int fd, int target, GError **error)
{
        int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);

        if (copy < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "dup: %s", g_strerror(errno));
                return FALSE;
        }
        fds[(*n)++] = (EcivmChildFd) { copy, target };
        return TRUE;
}

/* Socketpair: our end goes to a mux, the other to QEMU's chardev. */
static gboolean attach_channel(EcivmVm *vm, EcivmChildFd *fds, gsize *n, int target, EcivmMuxSource **ret,
                               const EcivmMuxCallbacks *cb, GError **error)
{
        int sv[2];

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0) {
                g_set_error(error, ECIVM_ERROR, ECIVM_ERROR_IO, "socketpair: %s", g_strerror(errno));
                return FALSE;
        }
        fds[(*n)++] = (EcivmChildFd) { sv[1], target };
        *ret = ecivm_mux_source_new(cb, vm);
        if (cb == &ecivm_vm_control_callbacks) /* heartbeats before client requests */
                ecivm_mux_source_set_priority(*ret, G_PRIORITY_HIGH);
        wire_mux_attach_channel(ecivm_mux_source_get_mux(*ret), sv[0], TRUE);
        return TRUE;
}

static void on_qemu_exit(EcivmChild *proc, int status, gpointer user)
{
        EcivmVm *vm = user;
        g_autofree char *how = NULL;

        if (proc != vm->qemu)
                return;
        how = WIFSIGNALED(status) ? g_strdup_printf("killed by signal %d", WTERMSIG(status))
                                  : g_strdup_printf("exit status %d", WEXITSTATUS(status));
        g_clear_pointer(&vm->qemu, ecivm_child_free);
        ecivm_vm_release_run(vm);
        if (vm->state == ECIVM_VM_STOPPING && !vm->guest_failure) {
                ecivm_vm_set_state(vm, ECIVM_VM_STOPPED, "powered off");
        } else if (vm->guest_failure) {
                /* the guest refused to go on (e.g. verity): fail closed, no retry */
                ecivm_vm_set_state(vm, ECIVM_VM_FAILED, vm->guest_failure);
        } else {
                g_autofree char *reason = vm->kill_reason ? g_strdup(vm->kill_reason)
                                                          : g_strdup_printf("QEMU ended unexpectedly (%s)", how);
                ecivm_vm_supervise_failure(vm, reason);
        }
}

void ecivm_vm_kill(EcivmVm *vm, const char *reason)
{
        g_warning("vm: %s: killing QEMU", reason);
        g_free(vm->kill_reason);
        vm->kill_reason = g_strdup(reason);
        ecivm_child_kill(vm->qemu, SIGKILL);
        ecivm_vm_libvirt_destroy(vm);
}

static gboolean on_boot_deadline(gpointer user)
{
        EcivmVm *vm = user;
        g_autofree char *why = g_strdup_printf("dockerd did not become ready within %u s", vm->config.boot_timeout_s);

        vm->timer = 0;
        ecivm_vm_kill(vm, why);
        return G_SOURCE_REMOVE;
}

static EcivmChild *spawn(EcivmVm *vm, int data_fd, GError **error)
{
        g_autoptr(EcivmLaunchPlan) plan = build_plan(vm, error);
        g_autofree char *log = g_build_filename(vm->config.state_dir, "qemu.log", NULL);
        g_autofree char *line = NULL;
        g_auto(GStrv) argv = NULL;
        EcivmChildFd fds[8];
        gsize n = 0;

        fds[n++] = (EcivmChildFd) { data_fd, FD_DATA };
        if (!plan || !(argv = ecivm_qemu_argv_build(plan, error)) ||
            !pass_dup(fds, &n, vm->image->kernel_fd, FD_KERNEL, error) ||
            !pass_dup(fds, &n, vm->image->initrd_fd, FD_INITRD, error) ||
            !pass_dup(fds, &n, vm->image->root_fd, FD_ROOT, error) ||
            !pass_dup(fds, &n, vm->image->hash_tree_fd, FD_VERITY, error) ||
            !attach_channel(vm, fds, &n, FD_CONTROL, &vm->control, &ecivm_vm_control_callbacks, error) ||
            !attach_channel(vm, fds, &n, FD_DOCKER, &vm->docker, &ecivm_vm_docker_callbacks, error)) {
                for (gsize i = 0; i < n; i++)
                        close(fds[i].fd);
                return NULL;
        }
        line = g_strjoinv(" ", argv);
        g_message("vm: exec %s", line);
        /* QEMU must not outlive a killed ecivmd: the next one could not reach it. */
        return ecivm_child_spawn((const char *const *) argv, fds, n, log, TRUE, on_qemu_exit, vm, error);
}

void ecivm_vm_launch(EcivmVm *vm)
{
        g_autoptr(GError) error = NULL;
        int data_fd = open_data_disk(vm, &error);

        if (data_fd < 0) {
                ecivm_vm_fail(vm, "%s", error->message);
                return;
        }
        ecivm_vm_set_state(vm, ECIVM_VM_BOOTING, vm->accel_reason);
        if (vm->config.libvirt_uri) {
                ecivm_vm_launch_libvirt(vm, data_fd);
                return;
        }
        vm->qemu = spawn(vm, data_fd, &error);
        if (!vm->qemu) {
                ecivm_vm_fail(vm, "QEMU: %s", error->message);
                return;
        }
        vm->qemu_exec_mono = g_get_monotonic_time();
        vm->timer = g_timeout_add_seconds(vm->config.boot_timeout_s, on_boot_deadline, vm);
}
