/* The launch plan: everything needed to start one VM, decided before any
 * process is spawned.  Filled by the daemon from settings, the manifest and
 * the accelerator decision; turned into a QEMU argv by ecivm_qemu_argv_build()
 * (qemu-argv.h).  All strings are owned by the plan. */
#ifndef ECIVM_VMM_LAUNCH_PLAN_H
#define ECIVM_VMM_LAUNCH_PLAN_H

#include <glib.h>

typedef enum {
        ECIVM_ACCEL_KVM,
        ECIVM_ACCEL_TCG,
} EcivmAccel;

typedef enum {
        ECIVM_CHANNEL_UNSET = 0,
        ECIVM_CHANNEL_SOCKET_PATH, /* QEMU listens on a unix socket at path */
        ECIVM_CHANNEL_FD,          /* QEMU inherits fd, a connected stream socket */
} EcivmChannelKind;

typedef struct {
        EcivmChannelKind kind;
        char *path; /* ECIVM_CHANNEL_SOCKET_PATH */
        int fd;     /* ECIVM_CHANNEL_FD: >= 3, inherited without O_CLOEXEC */
} EcivmChannel;

#define ECIVM_PLAN_CPUS_MIN 1
#define ECIVM_PLAN_CPUS_MAX 64
#define ECIVM_PLAN_MEMORY_MIN_MIB 256
#define ECIVM_PLAN_MEMORY_MAX_MIB 65536
/* A new data disk (sparse ext4, created once; never resized) */
#define ECIVM_PLAN_DATA_DISK_MIN_MIB 1024
#define ECIVM_PLAN_DATA_DISK_MAX_MIB (4 * 1024 * 1024)

/* CPU features the TCG guest (QEMU's "max" CPU) goes without.  With ERMS
 * and FSRM Linux copies and clears memory with `rep movsb`, which TCG runs
 * one byte per emulated iteration; without them it uses unrolled 8-byte
 * loops, and each copy in the guest costs several times less host CPU (the
 * Docker port's throughput, tests/bench/README.md).  KVM keeps the host's. */
#define ECIVM_TCG_CPU_DISABLED { "erms", "fsrm" }

typedef struct {
        char *qemu_binary;
        EcivmAccel accel;
        guint cpus;       /* ECIVM_PLAN_CPUS_MIN..MAX */
        guint memory_mib; /* ECIVM_PLAN_MEMORY_MIN_MIB..MAX_MIB */
        char *kernel;
        char *initrd;
        char *cmdline; /* as built by ecivm_cmdline_build() */
        char *root_image;
        char *data_disk;
        char *verity_hash; /* optional: dm-verity hash tree, read-only /dev/vdc */
        char *console_log; /* guest serial output; QEMU truncates it at start */
        EcivmChannel control;
        EcivmChannel docker;
        char *qmp_socket; /* optional: NULL = no QMP monitor */
        char *guest_log;  /* optional: file receiving the guest's service logs */
        char *pidfile;    /* optional */
        gboolean no_reboot;
} EcivmLaunchPlan;

/* Zeroed plan with accel TCG, 1 cpu, 1024 MiB, no_reboot TRUE. */
EcivmLaunchPlan *ecivm_launch_plan_new(void);
void ecivm_launch_plan_free(EcivmLaunchPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EcivmLaunchPlan, ecivm_launch_plan_free)

/* Replace a channel (frees the old path). PATH is copied. */
void ecivm_channel_set_path(EcivmChannel *ch, const char *path);
void ecivm_channel_set_fd(EcivmChannel *ch, int fd);

const char *ecivm_accel_name(EcivmAccel accel); /* "kvm" / "tcg" */

#endif
